"""``core.jose.jwe``: compact JWE with ECDH-ES on P-256 and AES-GCM (RFC 7516, RFC 7518 §4.6),
checked against jwcrypto used directly, and every way a token for someone else must fail."""

from __future__ import annotations

import json

import pytest
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk as jwcrypto_jwk

from core import jose
from core.jose import jwe

PAYLOAD = {"vp_token": {"skill": ["eyJ...~"]}, "state": "s-1"}


@pytest.fixture(scope="module")
def key() -> dict[str, object]:
    return jwe.new_encryption_key()


def jwcrypto_encrypt(payload: object, public: dict[str, object], **header: object) -> str:
    """Encrypt as another implementation would: jwcrypto with a header we choose."""
    protected = {"alg": "ECDH-ES", "enc": "A128GCM", "kid": public.get("kid"), **header}
    token = jwcrypto_jwe.JWE(
        json.dumps(payload).encode(), protected=json.dumps(protected), algs=None
    )
    token.add_recipient(jwcrypto_jwk.JWK(**{k: v for k, v in public.items() if k != "use"}))
    return str(token.serialize(compact=True))


def test_a_new_key_is_a_p256_ecdh_es_key_with_a_kid(key: dict[str, object]) -> None:
    public = jwe.public_encryption_key(key)
    assert (public["kty"], public["crv"], public["alg"], public["use"]) == (
        "EC",
        "P-256",
        "ECDH-ES",
        "enc",
    )
    assert isinstance(public["kid"], str) and "d" not in public and "d" in key
    assert jwe.is_encryption_key(public) and not jwe.is_encryption_key(key)
    assert jwe.new_encryption_key()["kid"] != key["kid"]


@pytest.mark.parametrize("enc", ["A128GCM", "A256GCM"])
def test_round_trip_and_jwcrypto_decrypts_ours(key: dict[str, object], enc: str) -> None:
    token = jwe.encrypt(PAYLOAD, jwe.public_encryption_key(key), enc)
    header = jwe.header_of(token)
    assert (header["alg"], header["enc"], header["kid"]) == ("ECDH-ES", enc, key["kid"])
    assert header["epk"]["crv"] == "P-256"  # type: ignore[index]
    assert jwe.decrypt(token, key) == PAYLOAD
    theirs = jwcrypto_jwe.JWE()
    theirs.deserialize(token, key=jwcrypto_jwk.JWK(**{k: v for k, v in key.items() if k != "use"}))
    assert json.loads(theirs.payload) == PAYLOAD


def test_we_decrypt_jwcrypto_tokens_with_apu_and_apv(key: dict[str, object]) -> None:
    public = jwe.public_encryption_key(key)
    token = jwcrypto_encrypt(
        PAYLOAD, public, enc="A256GCM", apu=jose.b64url_encode(b"w"), apv=jose.b64url_encode(b"n")
    )
    assert jwe.decrypt(token, key) == PAYLOAD


def test_a_token_for_another_key_does_not_decrypt(key: dict[str, object]) -> None:
    other = jwe.new_encryption_key()
    token = jwe.encrypt(PAYLOAD, jwe.public_encryption_key(other), "A128GCM")
    with pytest.raises(jwe.JweKeyMismatch):  # its kid is the other key's
        jwe.decrypt(token, key)
    forged = jwcrypto_encrypt(PAYLOAD, jwe.public_encryption_key(other), kid=key["kid"])
    with pytest.raises(jwe.JweDecryptionFailed):  # our kid, the other key
        jwe.decrypt(forged, key)


@pytest.mark.parametrize(
    "header",
    [
        {"enc": "A192GCM"},
        {"enc": "A128CBC-HS256"},
        {"alg": "ECDH-ES+A128KW"},
        {"zip": "DEF"},
        {"jku": "https://attacker.example/jwks"},
    ],
    ids=["A192GCM", "CBC-HS", "key-wrap", "zip", "jku"],
)
def test_what_is_not_ecdh_es_with_gcm_is_refused_before_decrypting(
    key: dict[str, object], header: dict[str, object]
) -> None:
    token = jwcrypto_encrypt(PAYLOAD, jwe.public_encryption_key(key), **header)
    with pytest.raises(jwe.JweAlgorithmNotAllowed):
        jwe.decrypt(token, key)


def test_a_critical_extension_is_refused(key: dict[str, object]) -> None:
    parts = jwe.encrypt(PAYLOAD, jwe.public_encryption_key(key), "A128GCM").split(".")
    header = {**json.loads(jose.b64url_decode(parts[0])), "crit": ["exp"], "exp": 1}
    parts[0] = jose.b64url_encode(json.dumps(header).encode())
    with pytest.raises(jwe.JweAlgorithmNotAllowed):
        jwe.decrypt(".".join(parts), key)


def test_only_the_offered_encryptions_are_accepted(key: dict[str, object]) -> None:
    token = jwe.encrypt(PAYLOAD, jwe.public_encryption_key(key), "A256GCM")
    with pytest.raises(jwe.JweAlgorithmNotAllowed):
        jwe.decrypt(token, key, encryptions=["A128GCM"])


def test_a_tampered_ciphertext_fails_its_tag(key: dict[str, object]) -> None:
    parts = jwe.encrypt(PAYLOAD, jwe.public_encryption_key(key), "A128GCM").split(".")
    ciphertext = bytearray(jose.b64url_decode(parts[3]))
    ciphertext[0] ^= 1
    parts[3] = jose.b64url_encode(bytes(ciphertext))
    with pytest.raises(jwe.JweDecryptionFailed):
        jwe.decrypt(".".join(parts), key)


def test_an_ephemeral_key_on_another_curve_is_refused(key: dict[str, object]) -> None:
    parts = jwe.encrypt(PAYLOAD, jwe.public_encryption_key(key), "A128GCM").split(".")
    header = json.loads(jose.b64url_decode(parts[0]))
    p384 = jwcrypto_jwk.JWK.generate(kty="EC", crv="P-384").export_public(as_dict=True)
    header["epk"] = p384
    parts[0] = jose.b64url_encode(json.dumps(header).encode())
    with pytest.raises(jwe.JweMalformed):
        jwe.decrypt(".".join(parts), key)


@pytest.mark.parametrize(
    "token", ["a.b.c", "a.b.c.d.e.f", "!!.b.c.d.e", "x" * 100], ids=["jws", "six", "b64", "one"]
)
def test_what_is_not_a_compact_jwe_is_malformed(key: dict[str, object], token: str) -> None:
    with pytest.raises(jwe.JweMalformed):
        jwe.decrypt(token, key)


def test_a_payload_that_is_not_a_json_object_is_malformed(key: dict[str, object]) -> None:
    token = jwcrypto_encrypt(["not", "an", "object"], jwe.public_encryption_key(key))
    with pytest.raises(jwe.JweMalformed):
        jwe.decrypt(token, key)


@pytest.mark.parametrize(
    "change",
    [
        {"crv": "P-384"},
        {"alg": "ECDH-ES+A256KW"},
        {"use": "sig"},
        {"x": jose.b64url_encode(b"\x01" * 32)},  # not on the curve
    ],
)
def test_keys_the_wallet_cannot_encrypt_to(key: dict[str, object], change: dict[str, str]) -> None:
    public = {**jwe.public_encryption_key(key), **change}
    assert not jwe.is_encryption_key(public)
    with pytest.raises(jwe.JweKeyMismatch):
        jwe.encrypt(PAYLOAD, public, "A128GCM")
