"""Interop with the OWF reference implementation of RFC 9901, PyPI ``sd-jwt`` 0.10.4.

Both directions: an SD-JWT+KB that we issue and present verifies with ``SDJWTVerifier``; an
SD-JWT (with decoys) that ``SDJWTIssuer`` issues and ``SDJWTHolder`` presents with key binding
verifies with ours and yields the same claims.
"""

from __future__ import annotations

import copy

import pytest
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.utils.yaml_specification import remove_sdobj_wrappers
from sd_jwt.verifier import SDJWTVerifier

from core import jose
from core.standards import sd_jwt as sd

TYP = "dc+sd-jwt"
AUD = "https://verifier.example.se"
NONCE = "n-0S6_WzA2Mj"


def _jwcrypto_key(key: jose.PrivateKey | jose.PublicKey) -> JWK:
    jwk = key.private_jwk() if isinstance(key, jose.PrivateKey) else key.jwk
    return JWK(**jwk)


CLAIMS: dict[str, object] = {
    "iss": "https://issuer.example.se",
    "vct": "https://issuer.example.se/vct/skill",
    "iat": 1_700_000_000,
    "given_name": "Åsa",
    "family_name": "Öberg",
    "skills": [
        {"id": "urn:jobtech:1", "label": {"sv": "Svetsning", "en": "Welding"}},
        {"id": "urn:jobtech:2", "label": {"sv": "Ritning", "en": "Drafting"}},
        {"id": "urn:jobtech:3", "label": {"sv": "Säkerhet", "en": "Safety"}},
    ],
    "address": {"street": "Storgatan 1", "locality": "Umeå"},
}
SPEC = sd.SdSpec.of(
    ("given_name",),
    ("family_name",),
    ("skills", sd.ANY_ELEMENT),
    ("address",),
    ("address", "street"),
    decoys=2,
)


@pytest.fixture(scope="module")
def issuer() -> jose.PrivateKey:
    return jose.PrivateKey.generate("ES256")


@pytest.fixture(scope="module")
def holder() -> jose.PrivateKey:
    return jose.PrivateKey.generate("ES256")


def test_our_sd_jwt_kb_verifies_with_the_reference_verifier(
    issuer: jose.PrivateKey, holder: jose.PrivateKey
) -> None:
    claims = {**CLAIMS, "cnf": {"jwk": holder.public.jwk}}
    issued = sd.verify_sd_jwt(sd.issue(claims, SPEC, issuer, typ=TYP), issuer.public, typ=TYP)
    presentation = sd.present(issued, [("given_name",), ("skills", 2), ("address", "street")])
    presentation = sd.add_key_binding(presentation, holder, aud=AUD, nonce=NONCE, iat=1_700_000_100)

    seen: list[dict[str, object]] = []

    def issuer_key(iss: str, header: dict[str, object]) -> JWK:
        seen.append({"iss": iss, **header})
        return _jwcrypto_key(issuer.public)

    verifier = SDJWTVerifier(presentation, issuer_key, expected_aud=AUD, expected_nonce=NONCE)
    payload = verifier.get_verified_payload()
    assert seen == [{"iss": CLAIMS["iss"], "alg": "ES256", "typ": TYP, "kid": issuer.kid}]
    expected = {
        **{k: v for k, v in claims.items() if k not in {"family_name", "skills", "address"}},
        "skills": [CLAIMS["skills"][2]],  # type: ignore[index]
        "address": {"street": "Storgatan 1", "locality": "Umeå"},
    }
    assert payload == expected
    # and ours agrees on the same presentation
    ours = sd.verify_sd_jwt(presentation, issuer.public, typ=TYP)
    assert ours.claims == expected


def test_our_full_issuance_matches_the_reference_verifier(issuer: jose.PrivateKey) -> None:
    token = sd.issue(CLAIMS, SPEC, issuer, typ=TYP)
    payload = SDJWTVerifier(token, lambda iss, header: _jwcrypto_key(issuer.public))
    assert payload.get_verified_payload() == CLAIMS


def test_our_tampered_kb_is_rejected_by_the_reference_verifier(
    issuer: jose.PrivateKey, holder: jose.PrivateKey
) -> None:
    claims = {**CLAIMS, "cnf": {"jwk": holder.public.jwk}}
    issued = sd.verify_sd_jwt(sd.issue(claims, SPEC, issuer, typ=TYP), issuer.public, typ=TYP)
    presentation = sd.present(issued, [("given_name",)])
    kb = sd.make_kb_jwt(presentation, holder, aud=AUD, nonce=NONCE, iat=1_700_000_100)
    widened = sd.present(issued, [("given_name",), ("family_name",)]) + kb
    with pytest.raises(ValueError, match="digest"):
        SDJWTVerifier(
            widened, lambda iss, h: _jwcrypto_key(issuer.public), expected_aud=AUD,
            expected_nonce=NONCE,
        )  # fmt: skip


def _reference_user_claims() -> dict[object, object]:
    return {
        "iss": "https://issuer.example.org",
        "vct": "urn:example:skill",
        "iat": 1_700_000_000,
        SDObj("given_name"): "Erik",
        SDObj("family_name"): "Ek",
        "nationalities": [SDObj("SE"), SDObj("FI"), "NO"],
        SDObj("address"): {SDObj("street_address"): "Kungsgatan 2", "locality": "Luleå"},
        "learning": {"skills": [SDObj({"id": "urn:jobtech:9", SDObj("proficiency"): "B2"})]},
    }


@pytest.mark.parametrize("decoys", [False, True])
def test_reference_issued_sd_jwt_verifies_with_ours(decoys: bool) -> None:
    issuer_jwk = JWK.generate(kty="EC", crv="P-256")
    holder_jwk = JWK.generate(kty="EC", crv="P-256")
    user_claims = _reference_user_claims()
    ref = SDJWTIssuer(
        copy.deepcopy(user_claims), issuer_jwk, holder_key=holder_jwk, sign_alg="ES256",
        add_decoy_claims=decoys, extra_header_parameters={"typ": TYP},
    )  # fmt: skip
    issuer_public = jose.PublicKey.from_jwk(issuer_jwk.export_public(as_dict=True))
    verified = sd.verify_sd_jwt(ref.sd_jwt_issuance, issuer_public, typ=TYP)
    plain = remove_sdobj_wrappers(user_claims)
    assert verified.claims == {**plain, "cnf": {"jwk": holder_jwk.export_public(as_dict=True)}}
    paths = {d.path for d in verified.disclosed}
    assert ("nationalities", 1) in paths and ("address", "street_address") in paths
    assert ("learning", "skills", 0, "proficiency") in paths


def test_reference_presentation_with_kb_verifies_with_ours() -> None:
    issuer_jwk = JWK.generate(kty="EC", crv="P-256")
    holder_jwk = JWK.generate(kty="EC", crv="P-256")
    ref = SDJWTIssuer(
        _reference_user_claims(), issuer_jwk, holder_key=holder_jwk, sign_alg="ES256",
        add_decoy_claims=True, extra_header_parameters={"typ": TYP},
    )  # fmt: skip
    holder = SDJWTHolder(ref.sd_jwt_issuance)
    holder.create_presentation(
        {"given_name": True, "nationalities": [False, True], "address": {"street_address": True}},
        nonce=NONCE, aud=AUD, holder_key=holder_jwk, sign_alg="ES256",
    )  # fmt: skip
    issuer_public = jose.PublicKey.from_jwk(issuer_jwk.export_public(as_dict=True))
    verified = sd.verify_sd_jwt(holder.sd_jwt_presentation, issuer_public, typ=TYP)
    assert verified.claims["given_name"] == "Erik"
    assert "family_name" not in verified.claims
    assert verified.claims["nationalities"] == ["FI", "NO"]
    assert verified.claims["address"] == {"street_address": "Kungsgatan 2", "locality": "Luleå"}
    assert verified.parts.kb_jwt is not None
    kb_iat = jose.parse(verified.parts.kb_jwt).payload["iat"]
    assert isinstance(kb_iat, int)
    kb = sd.verify_kb_jwt(
        verified.parts, sd.holder_public_key(verified.jws.payload),
        expected_aud=AUD, expected_nonce=NONCE, now=kb_iat,
    )  # fmt: skip
    assert kb["sd_hash"] == sd.compute_sd_hash(verified.parts.without_kb)
    with pytest.raises(sd.KbJwtNonceMismatch):
        sd.verify_kb_jwt(
            verified.parts, sd.holder_public_key(verified.jws.payload),
            expected_aud=AUD, expected_nonce="other", now=kb_iat,
        )  # fmt: skip
