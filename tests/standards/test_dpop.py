"""core.standards.dpop: RFC 9449 (OAuth 2.0 DPoP), the proof checks of §4.3.

Published values: the example proof of RFC 9449 §4.2 (Figure 2, ``iat`` 1562262616, POST
``https://server.example.com/token``) and the RFC 7638 thumbprint of its key as published in
§6.1 (``cnf.jkt``). Every other rejection test breaks exactly one of the §4.3 checks; all of
them surface as ``invalid_dpop_proof`` (§12.2).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping

import pytest
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws

from core import jose
from core.standards import dpop
from core.standards.dpop import TYP_DPOP, InvalidDpopProof

NOW = 1_790_000_000
MAX_AGE = 300
SKEW = 60
URI = "https://issuer.example.se/yh-akademin/token"
TOKEN = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"

RFC9449_PROOF = (
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0"
    "VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10"
    "NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoi"
    "UE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-G"
    "xA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg"
)
RFC9449_JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"


@pytest.fixture(scope="module", params=[jose.ES256, jose.EDDSA])
def key(request: pytest.FixtureRequest) -> jose.PrivateKey:
    return jose.PrivateKey.generate(request.param)


def verify(proof: str, **overrides: object) -> dpop.DpopProof:
    options: dict[str, object] = {
        "method": "POST",
        "uri": URI,
        "now": NOW,
        "max_age": MAX_AGE,
        "skew": SKEW,
        **overrides,
    }
    return dpop.verify_proof(proof, **options)  # type: ignore[arg-type]


def rejected(proof: str, **overrides: object) -> InvalidDpopProof:
    with pytest.raises(InvalidDpopProof) as caught:
        verify(proof, **overrides)
    assert caught.value.code == "invalid_dpop_proof"
    return caught.value


def claims(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {"jti": "e1j3V_bKic8-LAEB", "htm": "POST", "htu": URI, "iat": NOW}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def proof_with(
    key: jose.PrivateKey,
    payload: Mapping[str, object],
    *,
    typ: str = TYP_DPOP,
    jwk: object = "own",
) -> str:
    header: dict[str, object] = {}
    if jwk == "own":
        header["jwk"] = dict(key.public.jwk)
    elif jwk is not None:
        header["jwk"] = jwk
    return jose.sign(payload, key, typ=typ, header=header, include_kid=False)


# --- roundtrip and the RFC example ----------------------------------------------------------------


def test_make_proof_verify_proof_roundtrip(key: jose.PrivateKey) -> None:
    proof = dpop.make_proof(key, method="POST", uri=URI, iat=NOW)
    verified = verify(proof)
    assert verified.jkt == key.kid
    assert verified.iat == NOW
    assert len(verified.jti) >= 16


def test_make_proof_jtis_are_unique(key: jose.PrivateKey) -> None:
    jtis = {verify(dpop.make_proof(key, method="POST", uri=URI, iat=NOW)).jti for _ in range(20)}
    assert len(jtis) == 20


def test_rfc9449_4_2_header_of_made_proof(key: jose.PrivateKey) -> None:
    header = jose.parse(dpop.make_proof(key, method="POST", uri=URI, iat=NOW)).header
    assert header["typ"] == "dpop+jwt"
    assert header["alg"] == key.alg
    assert header["jwk"] == dict(key.public.jwk)
    assert "d" not in header["jwk"]  # type: ignore[operator]


def test_rfc9449_4_2_example_proof_verifies() -> None:
    verified = dpop.verify_proof(
        RFC9449_PROOF,
        method="POST",
        uri="https://server.example.com/token",
        now=1562262616,
        max_age=MAX_AGE,
        skew=SKEW,
    )
    assert verified.jti == "-BwC3ESc6acc2lTc"
    assert verified.iat == 1562262616


def test_rfc9449_6_1_jkt_is_the_published_rfc7638_thumbprint() -> None:
    verified = dpop.verify_proof(
        RFC9449_PROOF,
        method="POST",
        uri="https://server.example.com/token",
        now=1562262616,
        max_age=MAX_AGE,
        skew=SKEW,
    )
    assert verified.jkt == RFC9449_JKT


def test_rfc9449_6_1_jkt_equals_jwcrypto_thumbprint(key: jose.PrivateKey) -> None:
    verified = verify(dpop.make_proof(key, method="POST", uri=URI, iat=NOW))
    assert verified.jkt == jwcrypto_jwk.JWK(**dict(key.public.jwk)).thumbprint()


def test_rfc9449_example_proof_is_refused_for_another_uri() -> None:
    with pytest.raises(InvalidDpopProof):
        dpop.verify_proof(
            RFC9449_PROOF,
            method="POST",
            uri="https://server.example.com/credential",
            now=1562262616,
            max_age=MAX_AGE,
            skew=SKEW,
        )


def test_interop_jwcrypto_made_proof_verifies() -> None:
    holder = jwcrypto_jwk.JWK.generate(kty="EC", crv="P-256")
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": json.loads(holder.export_public())}
    token = jwcrypto_jws.JWS(json.dumps(claims()).encode())
    token.add_signature(holder, alg="ES256", protected=json.dumps(header))
    verified = verify(token.serialize(compact=True))
    assert verified.jkt == holder.thumbprint()


# --- §4.3 checks, each broken on its own ----------------------------------------------------------


def test_rfc9449_4_3_rejects_typ_jwt(key: jose.PrivateKey) -> None:
    rejected(proof_with(key, claims(), typ="jwt"))


def test_rfc9449_4_3_rejects_typ_of_another_token_kind(key: jose.PrivateKey) -> None:
    rejected(proof_with(key, claims(), typ="openid4vci-proof+jwt"))


def test_rfc9449_4_3_rejects_alg_none(key: jose.PrivateKey) -> None:
    header = {"typ": TYP_DPOP, "alg": "none", "jwk": dict(key.public.jwk)}
    encode = jose.b64url_encode
    rejected(f"{encode(jose.compact_json(header))}.{encode(jose.compact_json(claims()))}.")


def test_rfc9449_4_3_rejects_symmetric_alg_hs256(key: jose.PrivateKey) -> None:
    import hmac

    header = {"typ": TYP_DPOP, "alg": "HS256", "jwk": dict(key.public.jwk)}
    encode = jose.b64url_encode
    signing_input = f"{encode(jose.compact_json(header))}.{encode(jose.compact_json(claims()))}"
    mac = hmac.new(jose.compact_json(dict(key.public.jwk)), signing_input.encode(), "sha256")
    rejected(f"{signing_input}.{encode(mac.digest())}")


def test_rfc9449_4_3_rejects_missing_jwk(key: jose.PrivateKey) -> None:
    rejected(proof_with(key, claims(), jwk=None))


@pytest.mark.parametrize("value", ["a-kid", ["k"], 1])
def test_rfc9449_4_3_rejects_jwk_that_is_not_an_object(key: jose.PrivateKey, value: object) -> None:
    rejected(proof_with(key, claims(), jwk=value))


def test_rfc9449_4_3_rejects_jwk_with_private_d(key: jose.PrivateKey) -> None:
    error = rejected(proof_with(key, claims(), jwk=key.private_jwk()))
    assert str(key.private_jwk()["d"]) not in str(error)


def test_rfc9449_4_3_rejects_signature_by_another_key_than_the_jwk_header(
    key: jose.PrivateKey,
) -> None:
    other = jose.PrivateKey.generate(key.alg)
    rejected(proof_with(key, claims(), jwk=dict(other.public.jwk)))


def test_rfc9449_4_3_rejects_jwk_of_another_algorithm(key: jose.PrivateKey) -> None:
    other = jose.PrivateKey.generate(jose.EDDSA if key.alg == jose.ES256 else jose.ES256)
    rejected(proof_with(key, claims(), jwk=dict(other.public.jwk)))


def test_rfc9449_4_3_rejects_htm_mismatch(key: jose.PrivateKey) -> None:
    rejected(dpop.make_proof(key, method="GET", uri=URI, iat=NOW))


def test_rfc9449_4_3_htm_is_case_sensitive(key: jose.PrivateKey) -> None:
    rejected(proof_with(key, claims(htm="post")))


def test_rfc9449_4_3_rejects_missing_htm(key: jose.PrivateKey) -> None:
    rejected(proof_with(key, claims(htm=None)))


@pytest.mark.parametrize(
    "htu",
    [
        "https://issuer.example.se/yh-akademin/credential",
        "https://issuer.example.se/other/token",
        "http://issuer.example.se/yh-akademin/token",
        "https://attacker.example/yh-akademin/token",
        "https://issuer.example.se/yh-akademin/token/",
    ],
)
def test_rfc9449_4_3_rejects_htu_mismatch(key: jose.PrivateKey, htu: str) -> None:
    rejected(proof_with(key, claims(htu=htu)))


@pytest.mark.parametrize("htu", [None, 1, ["https://issuer.example.se/yh-akademin/token"]])
def test_rfc9449_4_3_rejects_missing_or_non_string_htu(key: jose.PrivateKey, htu: object) -> None:
    rejected(proof_with(key, claims(htu=htu)))


@pytest.mark.parametrize("suffix", ["?a=1", "#frag", "?a=1&b=2#frag"])
def test_rfc9449_4_3_htu_ignores_query_and_fragment_of_the_proof(
    key: jose.PrivateKey, suffix: str
) -> None:
    verify(proof_with(key, claims(htu=URI + suffix)))


@pytest.mark.parametrize("suffix", ["?a=1", "#frag"])
def test_rfc9449_4_3_htu_ignores_query_and_fragment_of_the_request(
    key: jose.PrivateKey, suffix: str
) -> None:
    verify(dpop.make_proof(key, method="POST", uri=URI, iat=NOW), uri=URI + suffix)


def test_rfc9449_4_2_make_proof_drops_query_and_fragment(key: jose.PrivateKey) -> None:
    proof = dpop.make_proof(key, method="POST", uri=URI + "?a=1#f", iat=NOW)
    assert jose.parse(proof).payload["htu"] == URI


def test_rfc3986_6_2_2_htu_scheme_and_host_compare_case_insensitively(
    key: jose.PrivateKey,
) -> None:
    verify(proof_with(key, claims(htu="HTTPS://Issuer.Example.SE/yh-akademin/token")))


def test_rfc9449_4_3_rejects_iat_too_old(key: jose.PrivateKey) -> None:
    rejected(dpop.make_proof(key, method="POST", uri=URI, iat=NOW - MAX_AGE - 1))


def test_rfc9449_4_3_rejects_iat_in_the_future(key: jose.PrivateKey) -> None:
    rejected(dpop.make_proof(key, method="POST", uri=URI, iat=NOW + SKEW + 1))


@pytest.mark.parametrize("iat", [NOW - MAX_AGE, NOW + SKEW])
def test_rfc9449_4_3_iat_window_edges_are_accepted(key: jose.PrivateKey, iat: int) -> None:
    assert verify(dpop.make_proof(key, method="POST", uri=URI, iat=iat)).iat == iat


@pytest.mark.parametrize("iat", [None, str(NOW), float(NOW), True])
def test_rfc9449_4_3_rejects_missing_or_non_integer_iat(key: jose.PrivateKey, iat: object) -> None:
    rejected(proof_with(key, claims(iat=iat)))


def test_rfc9449_4_3_access_token_hash_matches(key: jose.PrivateKey) -> None:
    proof = dpop.make_proof(key, method="POST", uri=URI, iat=NOW, access_token=TOKEN)
    verify(proof, access_token=TOKEN)
    expected = base64.urlsafe_b64encode(hashlib.sha256(TOKEN.encode()).digest()).rstrip(b"=")
    assert jose.parse(proof).payload["ath"] == expected.decode()


def test_rfc9449_4_3_rejects_ath_mismatch(key: jose.PrivateKey) -> None:
    proof = dpop.make_proof(key, method="POST", uri=URI, iat=NOW, access_token=TOKEN + "x")
    rejected(proof, access_token=TOKEN)


def test_rfc9449_4_3_rejects_missing_ath_when_access_token_is_presented(
    key: jose.PrivateKey,
) -> None:
    rejected(dpop.make_proof(key, method="POST", uri=URI, iat=NOW), access_token=TOKEN)


def test_rfc9449_4_3_rejects_jti_too_short(key: jose.PrivateKey) -> None:
    rejected(proof_with(key, claims(jti="1234567")))


def test_rfc9449_4_3_jti_of_eight_characters_is_accepted(key: jose.PrivateKey) -> None:
    assert verify(proof_with(key, claims(jti="12345678"))).jti == "12345678"


@pytest.mark.parametrize("jti", [None, 12345678, "x" * 257])
def test_rfc9449_4_3_rejects_missing_non_string_or_huge_jti(
    key: jose.PrivateKey, jti: object
) -> None:
    rejected(proof_with(key, claims(jti=jti)))


def test_rejects_tampered_claims(key: jose.PrivateKey) -> None:
    head, _, signature = dpop.make_proof(key, method="GET", uri=URI, iat=NOW).split(".")
    payload = jose.b64url_encode(jose.compact_json(claims()))
    rejected(f"{head}.{payload}.{signature}")


def test_rejects_oversized_proof(key: jose.PrivateKey) -> None:
    rejected(proof_with(key, claims(pad="x" * dpop.MAX_PROOF_BYTES)))


@pytest.mark.parametrize("garbage", ["", "a.b", "a.b.c", "é.é.é", "eyJ9.eyJ9.AA"])
def test_rejects_malformed_proof(garbage: str) -> None:
    rejected(garbage)


@pytest.mark.parametrize("htu", ["https://[issuer.example.se/token", "https://issuer]/token"])
def test_rfc9449_4_3_rejects_htu_that_is_not_a_uri(key: jose.PrivateKey, htu: str) -> None:
    # An attacker signs whatever htu it likes with its own key: a bad URI is a bad proof.
    rejected(proof_with(key, claims(htu=htu)))
