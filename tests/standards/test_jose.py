"""core.jose: compact JWS (RFC 7515), JWK (RFC 7517), thumbprints (RFC 7638), EdDSA (RFC 8037).

Published values: RFC 8037 Appendix A.1 (Ed25519 private key), A.3 (its RFC 7638 thumbprint)
and A.4 (the deterministic Ed25519 JWS) — the same values jwcrypto's own test suite carries
(``jwcrypto/tests.py``, ``E_Ed25519`` / ``PublicKeys_EdDsa``). RFC 7638 §3.1's example is an RSA
key, which Intyg never accepts, so EC thumbprints are checked against RFC 9449 §6.1's published
``jkt`` and against jwcrypto's ``thumbprint()``.

Every rejection test breaks exactly one check and names the exact error class it expects
(RFC 8725 is the threat list: §2.1 alg none, §2.1/§3.1 alg confusion, §3.11 explicit typing).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import string
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws

from core import jose
from core.errors import IntygError, JoseError
from core.jose import (
    AlgorithmNotAllowed,
    BadSignature,
    InvalidKey,
    KeyMismatch,
    MalformedJws,
    PrivateKey,
    PublicKey,
    TypeMismatch,
    UnsupportedCritical,
)

TYP = "example+jwt"
PAYLOAD: dict[str, object] = {"iss": "https://issuer.example.se", "iat": 1_700_000_000, "n": "Åsa"}

# RFC 8037 Appendix A.1 (private key), A.3 (thumbprint), A.4 (JWS of "Example of Ed25519 signing").
RFC8037_A1_JWK = {
    "kty": "OKP",
    "crv": "Ed25519",
    "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
}
RFC8037_A3_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC8037_A4_JWS = (
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)

# RFC 9449 §4.2 (Figure 2) example proof key and its RFC 7638 thumbprint as published in §6.1.
RFC9449_JWK = {
    "kty": "EC",
    "crv": "P-256",
    "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
    "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
}
RFC9449_JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"


@pytest.fixture(scope="module", params=[jose.ES256, jose.EDDSA])
def key(request: pytest.FixtureRequest) -> PrivateKey:
    return PrivateKey.generate(request.param)


@pytest.fixture(scope="module")
def es256() -> PrivateKey:
    return PrivateKey.generate(jose.ES256)


@pytest.fixture(scope="module")
def eddsa() -> PrivateKey:
    return PrivateKey.generate(jose.EDDSA)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: object) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def forge(header: Mapping[str, object], payload: object, key: PrivateKey | None) -> str:
    """A compact JWS with exactly this header, signed by ``key`` (or with no signature)."""
    signing_input = f"{b64json(header)}.{b64json(payload)}"
    signature = key.sign(signing_input.encode()) if key is not None else b""
    return f"{signing_input}.{b64(signature)}"


def expect(error: type[JoseError], token: str, key: PublicKey, **options: object) -> JoseError:
    """Verification fails with exactly ``error`` (not merely some JoseError)."""
    with pytest.raises(JoseError) as caught:
        jose.verify(token, key, **{"typ": TYP, **options})  # type: ignore[arg-type]
    assert type(caught.value) is error, caught.value
    return caught.value


def to_jwcrypto(key: PrivateKey | PublicKey) -> jwcrypto_jwk.JWK:
    members = key.private_jwk() if isinstance(key, PrivateKey) else dict(key.jwk)
    return jwcrypto_jwk.JWK(**members)


def jwcrypto_sign(key: jwcrypto_jwk.JWK, header: Mapping[str, object], payload: object) -> str:
    token = jwcrypto_jws.JWS(json.dumps(payload).encode())
    token.add_signature(key, alg=header["alg"], protected=json.dumps(header))
    return token.serialize(compact=True)


def flip(text: str, index: int) -> str:
    """Change one base64url character so that the decoded bytes differ."""
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


# --- sign / verify roundtrip and interop ---------------------------------------------------------


def test_sign_verify_roundtrip(key: PrivateKey) -> None:
    token = jose.sign(PAYLOAD, key, typ=TYP)
    verified = jose.verify(token, key.public, typ=TYP)
    assert verified.payload == PAYLOAD
    assert verified.header == {"alg": key.alg, "typ": TYP, "kid": key.kid}
    assert verified.token == token


def test_roundtrip_through_a_resolver_that_receives_the_header(key: PrivateKey) -> None:
    seen: list[Mapping[str, object]] = []

    def resolve(header: Mapping[str, object]) -> PublicKey:
        seen.append(header)
        return key.public

    token = jose.sign(PAYLOAD, key, typ=TYP, header={"x-tenant": "yh"})
    jose.verify(token, resolve, typ=TYP)
    assert seen == [{"alg": key.alg, "typ": TYP, "kid": key.kid, "x-tenant": "yh"}]


def test_resolver_errors_propagate_unchanged(key: PrivateKey) -> None:
    class UnknownKid(LookupError):
        pass

    def resolve(header: Mapping[str, object]) -> PublicKey:
        raise UnknownKid(header.get("kid"))

    with pytest.raises(UnknownKid):
        jose.verify(jose.sign(PAYLOAD, key, typ=TYP), resolve, typ=TYP)


def test_resolver_is_not_called_before_alg_and_typ_checks(key: PrivateKey) -> None:
    def resolve(header: Mapping[str, object]) -> PublicKey:
        raise AssertionError("a key was looked up for a token that fails the header checks")

    expect(TypeMismatch, jose.sign(PAYLOAD, key, typ="other+jwt"), resolve)  # type: ignore[arg-type]


# --- several candidate keys (a header that names no kid) -------------------------------------


def test_candidates_the_one_that_verifies_is_taken(es256: PrivateKey, eddsa: PrivateKey) -> None:
    token = jose.sign(PAYLOAD, es256, typ=TYP, include_kid=False)
    others = [PrivateKey.generate(jose.ES256).public for _ in range(2)]
    candidates = [others[0], eddsa.public, es256.public, others[1]]
    assert jose.verify(token, candidates, typ=TYP).payload == PAYLOAD
    assert jose.verify(token, lambda _header: candidates, typ=TYP).payload == PAYLOAD


def test_candidates_none_verifies_is_a_bad_signature(es256: PrivateKey) -> None:
    token = jose.sign(PAYLOAD, es256, typ=TYP, include_kid=False)
    strangers = [PrivateKey.generate(jose.ES256).public for _ in range(3)]
    with pytest.raises(BadSignature):
        jose.verify(token, strangers, typ=TYP)
    with pytest.raises(BadSignature):
        jose.verify(token, [], typ=TYP)


def test_candidates_of_another_alg_are_never_tried(es256: PrivateKey) -> None:
    # An EdDSA key is skipped for an ES256 token, not used (and not an error of its own).
    token = jose.sign(PAYLOAD, es256, typ=TYP, include_kid=False)
    with pytest.raises(BadSignature):
        jose.verify(token, [PrivateKey.generate(jose.EDDSA).public], typ=TYP)


def test_interop_jwcrypto_signed_token_verifies_with_ours(key: PrivateKey) -> None:
    header = {"alg": key.alg, "typ": TYP, "kid": key.kid}
    token = jwcrypto_sign(to_jwcrypto(key), header, PAYLOAD)
    assert jose.verify(token, key.public, typ=TYP).payload == PAYLOAD


def test_interop_our_token_verifies_with_jwcrypto(key: PrivateKey) -> None:
    token = jose.sign(PAYLOAD, key, typ=TYP)
    checked = jwcrypto_jws.JWS()
    checked.allowed_algs = [key.alg]
    checked.deserialize(token, key=to_jwcrypto(key.public))
    assert json.loads(checked.payload) == PAYLOAD
    assert checked.jose_header["typ"] == TYP


def test_interop_jwcrypto_generated_keys_parse_with_the_same_kid() -> None:
    for kty, crv in (("EC", "P-256"), ("OKP", "Ed25519")):
        theirs = jwcrypto_jwk.JWK.generate(kty=kty, crv=crv)
        ours = PublicKey.from_jwk(json.loads(theirs.export_public()))
        assert ours.kid == theirs.thumbprint()


# --- RFC 7638 thumbprints and RFC 8037 vectors ----------------------------------------------------


def test_rfc8037_a3_ed25519_thumbprint() -> None:
    public = {k: v for k, v in RFC8037_A1_JWK.items() if k != "d"}
    assert jose.jwk_thumbprint(public) == RFC8037_A3_THUMBPRINT
    assert PublicKey.from_jwk(public).kid == RFC8037_A3_THUMBPRINT


def test_rfc8037_a1_private_key_derives_its_published_public_key() -> None:
    private = PrivateKey.from_jwk(RFC8037_A1_JWK)
    assert private.public.jwk["x"] == RFC8037_A1_JWK["x"]
    assert private.kid == RFC8037_A3_THUMBPRINT


def test_rfc8037_a4_ed25519_signature_is_reproduced_and_verifies() -> None:
    signing_input, _, signature = RFC8037_A4_JWS.rpartition(".")
    private = PrivateKey.from_jwk(RFC8037_A1_JWK)
    assert b64(private.sign(signing_input.encode())) == signature  # Ed25519 is deterministic
    private.public.verify(jose.b64url_decode(signature), signing_input.encode())


def test_rfc8037_a4_token_is_refused_by_verify_because_its_payload_is_not_json() -> None:
    # The A.4 payload is the text "Example of Ed25519 signing"; Intyg's JWS always carry a
    # JSON object (RFC 7519 claims), so the whole-token API refuses it before any key is used.
    public = PrivateKey.from_jwk(RFC8037_A1_JWK).public
    with pytest.raises(MalformedJws):
        jose.verify(RFC8037_A4_JWS, public, typ=TYP)


def test_rfc8037_a4_signature_over_another_message_fails() -> None:
    signing_input, _, signature = RFC8037_A4_JWS.rpartition(".")
    public = PrivateKey.from_jwk(RFC8037_A1_JWK).public
    with pytest.raises(BadSignature):
        public.verify(jose.b64url_decode(signature), signing_input.encode() + b"x")


def test_rfc7638_thumbprint_of_rfc9449_example_ec_key() -> None:
    assert jose.jwk_thumbprint(RFC9449_JWK) == RFC9449_JKT
    assert PublicKey.from_jwk(RFC9449_JWK).kid == RFC9449_JKT


def test_rfc7638_thumbprint_matches_jwcrypto(key: PrivateKey) -> None:
    assert key.kid == to_jwcrypto(key.public).thumbprint()
    assert key.kid == jose.jwk_thumbprint(key.public.jwk)


def test_rfc7638_s3_2_thumbprint_uses_only_required_members_in_order() -> None:
    noisy = {"y": RFC9449_JWK["y"], "use": "sig", "kid": "k1", "alg": "ES256", **RFC9449_JWK}
    assert jose.jwk_thumbprint(noisy) == RFC9449_JKT
    x, y = RFC9449_JWK["x"], RFC9449_JWK["y"]
    canonical = f'{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}'
    assert b64(hashlib.sha256(canonical.encode()).digest()) == RFC9449_JKT


def test_rfc7638_thumbprint_of_incomplete_jwk_is_invalid_key() -> None:
    with pytest.raises(InvalidKey):
        jose.jwk_thumbprint({"kty": "EC", "crv": "P-256", "x": RFC9449_JWK["x"]})


# --- algorithm (RFC 8725 §2.1, §3.1) -----------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_rejects_alg_none(es256: PrivateKey, alg: str) -> None:
    token = forge({"alg": alg, "typ": TYP}, PAYLOAD, None)
    assert token.endswith(".")
    expect(AlgorithmNotAllowed, token, es256.public)


def test_rejects_alg_none_even_when_caller_lists_it(es256: PrivateKey) -> None:
    token = forge({"alg": "none", "typ": TYP}, PAYLOAD, None)
    expect(AlgorithmNotAllowed, token, es256.public, algorithms=frozenset({"none", "ES256"}))


def _hs256_with_public_key_as_secret(public: PublicKey) -> str:
    secret = json.dumps(dict(public.jwk), separators=(",", ":")).encode()
    signing_input = f"{b64json({'alg': 'HS256', 'typ': TYP})}.{b64json(PAYLOAD)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def test_rejects_alg_confusion_hs256_with_public_key(es256: PrivateKey) -> None:
    expect(AlgorithmNotAllowed, _hs256_with_public_key_as_secret(es256.public), es256.public)


def test_rejects_alg_confusion_hs256_even_when_caller_lists_it(es256: PrivateKey) -> None:
    token = _hs256_with_public_key_as_secret(es256.public)
    expect(AlgorithmNotAllowed, token, es256.public, algorithms=frozenset({"HS256", "ES256"}))


@pytest.mark.parametrize(
    ("alg", "kty", "params"),
    [
        ("ES384", "EC", {"crv": "P-384"}),
        ("ES512", "EC", {"crv": "P-521"}),
    ],
)
def test_rejects_algorithms_outside_es256_and_eddsa(
    es256: PrivateKey, alg: str, kty: str, params: dict[str, object]
) -> None:
    signer = jwcrypto_jwk.JWK.generate(kty=kty, **params)
    token = jwcrypto_sign(signer, {"alg": alg, "typ": TYP}, PAYLOAD)
    expect(AlgorithmNotAllowed, token, es256.public)
    expect(AlgorithmNotAllowed, token, es256.public, algorithms=frozenset({alg}))


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
def test_rsa_verifies_only_where_the_caller_lists_it(es256: PrivateKey, alg: str) -> None:
    signer = jwcrypto_jwk.JWK.generate(kty="RSA", size=2048)
    token = jwcrypto_sign(signer, {"alg": alg, "typ": TYP}, PAYLOAD)
    public = PublicKey.from_jwk(signer.export_public(as_dict=True), alg=alg)
    expect(AlgorithmNotAllowed, token, public)  # not on the default allow-list
    assert jose.verify(token, public, typ=TYP, algorithms=frozenset({alg})).payload == PAYLOAD
    expect(KeyMismatch, token, es256.public, algorithms=frozenset({alg}))
    other = "PS256" if alg == "RS256" else "RS256"
    other_key = PublicKey.from_jwk(signer.export_public(as_dict=True), alg=other)
    expect(KeyMismatch, token, other_key, algorithms=frozenset({alg, other}))


def test_rsa_key_is_refused_unless_the_caller_names_an_rsa_algorithm() -> None:
    public = jwcrypto_jwk.JWK.generate(kty="RSA", size=2048).export_public(as_dict=True)
    with pytest.raises(InvalidKey):
        PublicKey.from_jwk(public)
    with pytest.raises(InvalidKey):
        PublicKey.from_jwk({**public, "alg": "RS256"})
    with pytest.raises(KeyMismatch):
        PublicKey.from_jwk({**public, "alg": "PS256"}, alg="RS256")


def test_rsa_key_under_2048_bits_is_refused() -> None:
    small = jwcrypto_jwk.JWK.generate(kty="RSA", size=1024).export_public(as_dict=True)
    with pytest.raises(InvalidKey):
        PublicKey.from_jwk(small, alg="RS256")


def test_rejects_alg_not_in_callers_narrower_list(eddsa: PrivateKey) -> None:
    token = jose.sign(PAYLOAD, eddsa, typ=TYP)
    expect(AlgorithmNotAllowed, token, eddsa.public, algorithms=frozenset({jose.ES256}))


@pytest.mark.parametrize("alg", [None, 256, ["ES256"]])
def test_rejects_missing_or_non_string_alg(es256: PrivateKey, alg: object) -> None:
    header: dict[str, object] = {"typ": TYP} if alg is None else {"alg": alg, "typ": TYP}
    expect(AlgorithmNotAllowed, forge(header, PAYLOAD, es256), es256.public)


def test_rejects_key_alg_mismatch_ed25519_key_for_es256_token(
    es256: PrivateKey, eddsa: PrivateKey
) -> None:
    token = jose.sign(PAYLOAD, es256, typ=TYP)
    expect(KeyMismatch, token, eddsa.public)


def test_rejects_key_alg_mismatch_es256_key_for_eddsa_token(
    es256: PrivateKey, eddsa: PrivateKey
) -> None:
    expect(KeyMismatch, jose.sign(PAYLOAD, eddsa, typ=TYP), es256.public)


# --- explicit typing (RFC 8725 §3.11, RFC 7515 §4.1.9) ------------------------------------------


def test_rejects_missing_typ(es256: PrivateKey) -> None:
    expect(TypeMismatch, forge({"alg": "ES256"}, PAYLOAD, es256), es256.public)


@pytest.mark.parametrize("typ", ["JWT", "other+jwt", "example+jwt+x", "", ["example+jwt"]])
def test_rejects_wrong_typ(es256: PrivateKey, typ: object) -> None:
    expect(TypeMismatch, forge({"alg": "ES256", "typ": typ}, PAYLOAD, es256), es256.public)


@pytest.mark.parametrize(
    "typ", ["application/example+jwt", "Example+JWT", "APPLICATION/EXAMPLE+JWT"]
)
def test_rfc7515_4_1_9_typ_accepts_application_prefix_case_insensitively(
    es256: PrivateKey, typ: str
) -> None:
    token = forge({"alg": "ES256", "typ": typ}, PAYLOAD, es256)
    assert jose.verify(token, es256.public, typ=TYP).payload == PAYLOAD
    assert jose.verify(token, es256.public, typ="application/" + TYP).payload == PAYLOAD


@pytest.mark.parametrize(
    "header", [{}, {"typ": "JWT"}, {"typ": "jose"}, {"typ": "application/jwt"}]
)
def test_typ_none_accepts_no_typ_or_a_generic_one(
    es256: PrivateKey, header: dict[str, str]
) -> None:
    """For formats with no media type of their own (an ETSI TS 119 602 list)."""
    token = forge({"alg": "ES256", **header}, PAYLOAD, es256)
    assert jose.verify(token, es256.public, typ=None).payload == PAYLOAD


@pytest.mark.parametrize("typ", [TYP, "dc+sd-jwt", "", ["JWT"]])
def test_typ_none_still_refuses_a_specific_typ(es256: PrivateKey, typ: object) -> None:
    token = forge({"alg": "ES256", "typ": typ}, PAYLOAD, es256)
    with pytest.raises(TypeMismatch):
        jose.verify(token, es256.public, typ=None)


# --- crit (RFC 7515 §4.1.11) ---------------------------------------------------------------------


def test_rejects_crit_with_unknown_name(es256: PrivateKey) -> None:
    token = forge({"alg": "ES256", "typ": TYP, "crit": ["exp"], "exp": 1}, PAYLOAD, es256)
    expect(UnsupportedCritical, token, es256.public)


def test_crit_with_understood_present_name_is_accepted(es256: PrivateKey) -> None:
    token = forge({"alg": "ES256", "typ": TYP, "crit": ["exp"], "exp": 1}, PAYLOAD, es256)
    jose.verify(token, es256.public, typ=TYP, understood_crit=frozenset({"exp"}))


@pytest.mark.parametrize("crit", [[], "exp", {"exp": True}, [1], None])
def test_rejects_crit_empty_or_not_a_list_of_names(es256: PrivateKey, crit: object) -> None:
    token = forge({"alg": "ES256", "typ": TYP, "crit": crit, "exp": 1}, PAYLOAD, es256)
    expect(UnsupportedCritical, token, es256.public, understood_crit=frozenset({"exp"}))


def test_rejects_crit_naming_absent_header(es256: PrivateKey) -> None:
    token = forge({"alg": "ES256", "typ": TYP, "crit": ["exp"]}, PAYLOAD, es256)
    expect(UnsupportedCritical, token, es256.public, understood_crit=frozenset({"exp"}))


def test_rfc7797_b64_false_is_refused_as_not_understood(es256: PrivateKey) -> None:
    header = {"alg": "ES256", "typ": TYP, "b64": False, "crit": ["b64"]}
    expect(UnsupportedCritical, forge(header, PAYLOAD, es256), es256.public)


# --- signature -----------------------------------------------------------------------------------


def test_rejects_bad_signature_one_flipped_byte(key: PrivateKey) -> None:
    token = jose.sign(PAYLOAD, key, typ=TYP)
    head, payload, signature = token.split(".")
    raw = bytearray(jose.b64url_decode(signature))
    raw[10] ^= 0x01
    expect(BadSignature, f"{head}.{payload}.{b64(bytes(raw))}", key.public)


def test_rejects_tampered_payload(key: PrivateKey) -> None:
    head, _, signature = jose.sign(PAYLOAD, key, typ=TYP).split(".")
    expect(BadSignature, f"{head}.{b64json({**PAYLOAD, 'n': 'Eve'})}.{signature}", key.public)


def test_rejects_signature_by_another_key_of_the_same_alg(key: PrivateKey) -> None:
    other = PrivateKey.generate(key.alg)
    expect(BadSignature, jose.sign(PAYLOAD, other, typ=TYP), key.public)


@pytest.mark.parametrize("length", [0, 32, 63, 65, 72])
def test_rejects_es256_signature_of_wrong_length(es256: PrivateKey, length: int) -> None:
    head, payload, signature = jose.sign(PAYLOAD, es256, typ=TYP).split(".")
    raw = (jose.b64url_decode(signature) * 2)[:length]
    expect(BadSignature, f"{head}.{payload}.{b64(raw)}", es256.public)


def test_rejects_es256_signature_in_der_form(es256: PrivateKey) -> None:
    # RFC 7518 §3.4: the JWS signature is R || S (64 bytes), never the DER SEQUENCE.
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    head, payload, signature = jose.sign(PAYLOAD, es256, typ=TYP).split(".")
    raw = jose.b64url_decode(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    expect(BadSignature, f"{head}.{payload}.{b64(der)}", es256.public)


@pytest.mark.parametrize("length", [0, 63, 65])
def test_rejects_eddsa_signature_of_wrong_length(eddsa: PrivateKey, length: int) -> None:
    head, payload, signature = jose.sign(PAYLOAD, eddsa, typ=TYP).split(".")
    raw = (jose.b64url_decode(signature) * 2)[:length]
    expect(BadSignature, f"{head}.{payload}.{b64(raw)}", eddsa.public)


# --- the key comes from the caller, never from the token (RFC 8725 §3.10) ------------------------


@pytest.mark.parametrize("member", ["jwk", "jku", "x5u"])
def test_header_key_references_are_never_used_by_themselves(es256: PrivateKey, member: str) -> None:
    attacker = PrivateKey.generate(jose.ES256)
    reference: object = (
        dict(attacker.public.jwk) if member == "jwk" else "https://attacker.example/keys"
    )
    header = {"alg": "ES256", "typ": TYP, "kid": es256.kid, member: reference}
    token = forge(header, PAYLOAD, attacker)
    expect(BadSignature, token, es256.public)


def test_embedded_attacker_jwk_verifies_only_against_itself(es256: PrivateKey) -> None:
    # Control for the test above: the forged token is otherwise valid.
    attacker = PrivateKey.generate(jose.ES256)
    header = {"alg": "ES256", "typ": TYP, "jwk": dict(attacker.public.jwk)}
    jose.verify(forge(header, PAYLOAD, attacker), attacker.public, typ=TYP)


# --- malformed tokens (RFC 7515 §5.2, §7.1) ------------------------------------------------------


def _valid(es256: PrivateKey) -> str:
    return jose.sign(PAYLOAD, es256, typ=TYP)


def test_rejects_two_parts(es256: PrivateKey) -> None:
    head, payload, _ = _valid(es256).split(".")
    expect(MalformedJws, f"{head}.{payload}", es256.public)


def test_rejects_four_parts(es256: PrivateKey) -> None:
    expect(MalformedJws, _valid(es256) + ".AAAA", es256.public)


def test_rejects_jwe_shaped_five_parts(es256: PrivateKey) -> None:
    expect(MalformedJws, _valid(es256) + ".AAAA.AAAA", es256.public)


@pytest.mark.parametrize("bad", ["+", "/", "*", " ", "\n", "%"])
def test_rejects_characters_outside_base64url(es256: PrivateKey, bad: str) -> None:
    head, payload, signature = _valid(es256).split(".")
    expect(MalformedJws, f"{head}.{payload}.{signature[:5]}{bad}{signature[6:]}", es256.public)


def test_rejects_base64_padding(es256: PrivateKey) -> None:
    head, payload, signature = _valid(es256).split(".")
    padded = head + "=" * (-len(head) % 4 or 4)
    expect(MalformedJws, f"{padded}.{payload}.{signature}", es256.public)


def test_rejects_impossible_base64url_length(es256: PrivateKey) -> None:
    head, payload, _ = _valid(es256).split(".")
    expect(MalformedJws, f"{head}.{payload}.AAAAA", es256.public)  # 5 chars: 1 mod 4


def test_rejects_non_json_header(es256: PrivateKey) -> None:
    _, payload, signature = _valid(es256).split(".")
    expect(MalformedJws, f"{b64(b'alg=ES256')}.{payload}.{signature}", es256.public)


def test_rejects_header_in_utf16(es256: PrivateKey) -> None:
    # RFC 7515 §5.2 step 4: the header is UTF-8; another encoding is a parser differential.
    header = json.dumps({"alg": "ES256", "typ": TYP}).encode("utf-16")
    signing_input = f"{b64(header)}.{b64json(PAYLOAD)}"
    token = f"{signing_input}.{b64(es256.sign(signing_input.encode()))}"
    expect(MalformedJws, token, es256.public)


@pytest.mark.parametrize("header", [["ES256"], "ES256", 1, None, True])
def test_rejects_header_that_is_not_an_object(es256: PrivateKey, header: object) -> None:
    expect(MalformedJws, forge(header, PAYLOAD, es256), es256.public)  # type: ignore[arg-type]


@pytest.mark.parametrize("payload", [["a"], "text", 1, None])
def test_rejects_payload_that_is_not_an_object(es256: PrivateKey, payload: object) -> None:
    expect(MalformedJws, forge({"alg": "ES256", "typ": TYP}, payload, es256), es256.public)


def test_rejects_duplicate_member_names_in_header(es256: PrivateKey) -> None:
    # RFC 7515 §5.2 step 4 / RFC 8725 §3.x: {"alg":"ES256","alg":"none"} must not be read.
    header = f'{{"alg":"ES256","typ":"{TYP}","alg":"ES256"}}'.encode()
    signing_input = f"{b64(header)}.{b64json(PAYLOAD)}"
    token = f"{signing_input}.{b64(es256.sign(signing_input.encode()))}"
    expect(MalformedJws, token, es256.public)


def test_rejects_duplicate_member_names_in_payload(es256: PrivateKey) -> None:
    payload = b'{"sub":"alice","nested":{"sub":"x","sub":"y"}}'
    signing_input = f"{b64json({'alg': 'ES256', 'typ': TYP})}.{b64(payload)}"
    token = f"{signing_input}.{b64(es256.sign(signing_input.encode()))}"
    expect(MalformedJws, token, es256.public)


def test_rejects_oversized_token(es256: PrivateKey) -> None:
    big = jose.sign({"blob": "x" * jose.MAX_TOKEN_BYTES}, es256, typ=TYP)
    expect(MalformedJws, big, es256.public)
    token = _valid(es256)
    with pytest.raises(MalformedJws):
        jose.parse(token, max_bytes=len(token) - 1)
    assert jose.parse(token, max_bytes=len(token)).payload == PAYLOAD


def test_rejects_oversized_header(es256: PrivateKey) -> None:
    token = jose.sign(PAYLOAD, es256, typ=TYP, header={"pad": "x" * jose.MAX_HEADER_BYTES})
    expect(MalformedJws, token, es256.public)


def test_rejects_deeply_nested_payload(es256: PrivateKey) -> None:
    signing_input = f"{b64json({'alg': 'ES256', 'typ': TYP})}.{b64(b'[' * 100_000)}"
    expect(MalformedJws, f"{signing_input}.{b64(b'x' * 64)}", es256.public)


@pytest.mark.parametrize(
    "token", ["é.e30.AA", "eyJ\u00e9.e30.AA", "\u0000.e30.AA", "e30.e30.\u2028"]
)
def test_rejects_non_ascii_token(es256: PrivateKey, token: str) -> None:
    expect(MalformedJws, token, es256.public)


def test_rejects_non_string_token() -> None:
    with pytest.raises(MalformedJws):
        jose.parse(b"a.b.c")  # type: ignore[arg-type]


def test_b64url_decode_rejects_non_ascii_text_as_malformed() -> None:
    with pytest.raises(MalformedJws):
        jose.b64url_decode("AAé")


def test_b64url_roundtrip_without_padding() -> None:
    for size in range(0, 40):
        data = bytes(range(size))
        encoded = jose.b64url_encode(data)
        assert "=" not in encoded and "+" not in encoded and "/" not in encoded
        assert jose.b64url_decode(encoded) == data


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_of_random_text_raises_only_jose_error(text: str) -> None:
    with contextlib.suppress(JoseError):
        jose.parse(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=64), min_size=1, max_size=5))
def test_parse_of_random_base64url_parts_raises_only_jose_error(parts: list[bytes]) -> None:
    with contextlib.suppress(JoseError):
        jose.parse(".".join(jose.b64url_encode(p) for p in parts))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/"))
def test_verify_of_random_base64ish_text_raises_only_jose_error(text: str) -> None:
    with pytest.raises(JoseError):
        jose.verify(text, PublicKey.from_jwk(RFC9449_JWK), typ=TYP)


# --- JWK parsing (RFC 7517, RFC 7518 §6.2, RFC 8037 §2) ------------------------------------------


_JWK_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=50),
    st.sampled_from(["EC", "OKP", "P-256", "Ed25519", "ES256", "EdDSA", RFC9449_JWK["x"]]),
    st.lists(st.text(max_size=5), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["kty", "crv", "x", "y", "alg", "kid", "use"]), _JWK_VALUES))
def test_from_jwk_of_random_members_raises_only_jose_error(jwk: dict[str, object]) -> None:
    with contextlib.suppress(JoseError):
        PublicKey.from_jwk(jwk)


def test_from_jwk_rejects_private_d(key: PrivateKey) -> None:
    with pytest.raises(InvalidKey) as caught:
        PublicKey.from_jwk(key.private_jwk())
    assert key.private_jwk()["d"] not in str(caught.value)


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "RSA", "n": "sXch", "e": "AQAB"},
        {"kty": "oct", "k": "c2VjcmV0"},
        {"kty": "EC", "crv": "P-384", "x": RFC9449_JWK["x"], "y": RFC9449_JWK["y"]},
        {"kty": "EC", "crv": "secp256k1", "x": RFC9449_JWK["x"], "y": RFC9449_JWK["y"]},
        {"kty": "OKP", "crv": "Ed448", "x": RFC8037_A1_JWK["x"]},
        {"kty": "OKP", "crv": "X25519", "x": RFC8037_A1_JWK["x"]},
        {"crv": "P-256", "x": RFC9449_JWK["x"], "y": RFC9449_JWK["y"]},
    ],
    ids=["rsa", "oct", "p384", "secp256k1", "ed448", "x25519", "no-kty"],
)
def test_from_jwk_rejects_unknown_kty_or_crv(jwk: dict[str, object]) -> None:
    with pytest.raises(InvalidKey):
        PublicKey.from_jwk(jwk)


def test_from_jwk_rejects_off_curve_point() -> None:
    y = bytearray(jose.b64url_decode(RFC9449_JWK["y"]))
    y[-1] ^= 0x01
    with pytest.raises(InvalidKey):
        PublicKey.from_jwk({**RFC9449_JWK, "y": b64(bytes(y))})


@pytest.mark.parametrize("member", ["x", "y"])
@pytest.mark.parametrize("size", [31, 33, 0])
def test_from_jwk_rejects_wrong_p256_coordinate_length(member: str, size: int) -> None:
    raw = jose.b64url_decode(RFC9449_JWK[member])
    resized = raw[:size] if size <= 32 else b"\x00" + raw
    with pytest.raises(InvalidKey):
        PublicKey.from_jwk({**RFC9449_JWK, member: b64(resized)})


@pytest.mark.parametrize("size", [31, 33])
def test_from_jwk_rejects_wrong_ed25519_key_length(size: int) -> None:
    raw = (jose.b64url_decode(RFC8037_A1_JWK["x"]) * 2)[:size]
    with pytest.raises(InvalidKey):
        PublicKey.from_jwk({"kty": "OKP", "crv": "Ed25519", "x": b64(raw)})


@pytest.mark.parametrize("value", [None, 1, ["a"], {"a": 1}, "not base64!", "AA=="])
def test_from_jwk_rejects_bad_coordinate_values(value: object) -> None:
    jwk = {**RFC9449_JWK, "x": value}
    if value is None:
        del jwk["x"]
    with pytest.raises(InvalidKey):
        PublicKey.from_jwk(jwk)


@pytest.mark.parametrize("value", [None, "a string", ["kty", "EC"]])
def test_from_jwk_rejects_a_jwk_that_is_not_an_object(value: object) -> None:
    with pytest.raises(InvalidKey):
        PublicKey.from_jwk(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("declared", ["ES384", "EdDSA", "RS256", "none", "HS256"])
def test_from_jwk_rejects_declared_alg_mismatch(declared: str) -> None:
    with pytest.raises(KeyMismatch):
        PublicKey.from_jwk({**RFC9449_JWK, "alg": declared})


def test_from_jwk_rejects_requested_alg_mismatch() -> None:
    with pytest.raises(KeyMismatch):
        PublicKey.from_jwk(RFC9449_JWK, alg=jose.EDDSA)
    okp = {k: v for k, v in RFC8037_A1_JWK.items() if k != "d"}
    with pytest.raises(KeyMismatch):
        PublicKey.from_jwk(okp, alg=jose.ES256)


def test_from_jwk_accepts_matching_declared_alg_and_sets_kid_to_thumbprint() -> None:
    parsed = PublicKey.from_jwk({**RFC9449_JWK, "alg": "ES256", "kid": "chosen-by-sender"})
    assert parsed.alg == jose.ES256
    assert parsed.kid == RFC9449_JKT
    assert parsed.jwk == {**RFC9449_JWK, "alg": "ES256", "kid": RFC9449_JKT}


def test_public_key_repr_names_alg_and_kid_only() -> None:
    assert repr(PublicKey.from_jwk(RFC9449_JWK)) == f"PublicKey(alg='ES256', kid='{RFC9449_JKT}')"


# --- private keys --------------------------------------------------------------------------------


def test_private_key_repr_shows_no_key_material(key: PrivateKey) -> None:
    d = str(key.private_jwk()["d"])
    for shown in (repr(key), str(key), f"{key}", repr([key]), repr(key.public)):
        assert d not in shown
        assert "_key" not in shown
    assert repr(key) == f"PrivateKey(alg={key.alg!r}, kid={key.kid!r})"


def test_private_jwk_roundtrip(key: PrivateKey) -> None:
    exported = key.private_jwk()
    again = PrivateKey.from_jwk(exported)
    assert again.public == key.public
    assert again.private_jwk() == exported
    token = jose.sign(PAYLOAD, again, typ=TYP)
    assert jose.verify(token, key.public, typ=TYP).payload == PAYLOAD


def test_private_jwk_interop_with_jwcrypto(key: PrivateKey) -> None:
    theirs = to_jwcrypto(key)
    assert theirs.has_private
    assert theirs.thumbprint() == key.kid


def test_private_from_jwk_rejects_mismatched_public_member(key: PrivateKey) -> None:
    other = PrivateKey.generate(key.alg)
    with pytest.raises(InvalidKey):
        PrivateKey.from_jwk({**key.private_jwk(), "x": other.public.jwk["x"]})


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "EC", "crv": "P-256"},
        {"kty": "EC", "crv": "P-256", "d": "AA"},  # d = 0 is not a private key
        {"kty": "OKP", "crv": "Ed25519", "d": "AAAA"},
        {"kty": "RSA", "d": "AAAA"},
        {"kty": "EC", "crv": "P-256", "d": "not base64!"},
    ],
    ids=["no-d", "ec-zero", "ed25519-short", "rsa", "bad-base64"],
)
def test_private_from_jwk_rejects_invalid_keys(jwk: dict[str, object]) -> None:
    with pytest.raises(InvalidKey) as caught:
        PrivateKey.from_jwk(jwk)
    assert str(jwk.get("d", "\x00")) not in str(caught.value)


def test_generate_refuses_other_algorithms() -> None:
    with pytest.raises(AlgorithmNotAllowed):
        PrivateKey.generate("RS256")


def test_every_jose_error_is_an_intyg_error_with_its_own_code() -> None:
    classes = [MalformedJws, AlgorithmNotAllowed, TypeMismatch, UnsupportedCritical]
    classes += [KeyMismatch, InvalidKey, BadSignature]
    assert all(issubclass(c, JoseError) and issubclass(c, IntygError) for c in classes)
    assert len({c.code for c in classes}) == len(classes)


def _unaligned(value: dict[str, object]) -> dict[str, object]:
    """``value`` padded so that its base64url has a partial last quantum (spare bits)."""
    while len(json.dumps(value, separators=(",", ":"))) % 3 == 0:
        value = {**value, "pad": str(value.get("pad", "")) + "x"}
    return value


def _with_a_trailing_bit_set(part: str) -> str:
    """The same bytes in a non-canonical spelling: one of the bits past the data is set."""
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    return part[:-1] + alphabet[alphabet.index(part[-1]) + 1]


@pytest.mark.parametrize("part", [0, 1, 2])
def test_rejects_non_canonical_base64url_in_any_part(es256: PrivateKey, part: int) -> None:
    """RFC 7515 §2: base64url in its one canonical spelling (``core.b64url``), not merely one
    that decodes: without the check, these parts would be read as the signed bytes."""
    header, payload = (
        b64json(_unaligned({"alg": "ES256", "typ": TYP})),
        b64json(_unaligned(PAYLOAD)),
    )
    signature = b64(es256.sign(f"{header}.{payload}".encode()))  # 64 bytes: 86 characters
    assert jose.verify(f"{header}.{payload}.{signature}", es256.public, typ=TYP)
    parts = [header, payload, signature]
    parts[part] = _with_a_trailing_bit_set(parts[part])
    if part < 2:  # signed as sent, so that only the spelling is wrong
        parts[2] = b64(es256.sign(f"{parts[0]}.{parts[1]}".encode()))
    expect(MalformedJws, ".".join(parts), es256.public)
