"""core.standards.sd_jwt_vc: draft-ietf-oauth-sd-jwt-vc (SD-JWT-based Verifiable Credentials).

Vectors: ``ietf-sd-jwt-vc/header_payload_issuer_metadata_examples.json`` and
``issuer_public_jwk.json`` beside the checkout (editor's copy, provenance in ``SOURCES.md``):
the JOSE header example, the ``vct`` payload example (with ``cnf.jwk``), and the JWT VC Issuer
Metadata response example. Covered: registered claims in clear (§3.2.2.2), the validity
window (§3.4, with Intyg's bounded skew), ``cnf`` (RFC 7800 §3.2), the status reference
(draft-ietf-oauth-status-list §6.1) and JWT VC Issuer Metadata (§4).
"""

from __future__ import annotations

import json

import pytest
from jwcrypto import jwk as jwcrypto_jwk

from core import jose
from core.standards import sd_jwt_vc as vc
from core.standards.sd_jwt_vc import (
    CredentialExpired,
    CredentialNotYetValid,
    IssuerMetadataInvalid,
    MissingClaim,
    SdJwtVcError,
)
from core.standards.status_list import StatusListReference, parse_status_claim
from tests.vectorpath import VECTORS

VC_DIR = VECTORS / "ietf-sd-jwt-vc"
ISSUER = "https://issuer.example.se/yh-akademin"
VCT = "https://issuer.example.se/vct/skill"
NOW = 1_790_000_000
SKEW = 60
STATUS = StatusListReference(idx=4711, uri=f"{ISSUER}/status/1")


def draft_example(section_starts: str) -> dict[str, object]:
    examples = json.loads((VC_DIR / "header_payload_issuer_metadata_examples.json").read_text())
    found = [e["json"] for e in examples["examples"] if e["section"].startswith(section_starts)]
    assert len(found) == 1, section_starts
    return found[0]


@pytest.fixture(scope="module")
def holder() -> jose.PrivateKey:
    return jose.PrivateKey.generate(jose.ES256)


def payload_for(holder: jose.PrivateKey, **claims: object) -> dict[str, object]:
    return vc.credential_payload(
        claims or {"given_name": "Alva"},
        issuer=ISSUER,
        vct=VCT,
        iat=NOW,
        exp=NOW + 3600,
        holder_jwk=holder.public.jwk,
        status=STATUS,
    )


# --- credential_payload (§3.2.2.2) ---------------------------------------------------------------


def test_sd_jwt_vc_3_2_2_2_registered_claims_are_in_clear(holder: jose.PrivateKey) -> None:
    payload = payload_for(holder, given_name="Alva", skills=["C#"])
    assert payload == {
        "iss": ISSUER,
        "iat": NOW,
        "exp": NOW + 3600,
        "vct": VCT,
        "cnf": {"jwk": {k: holder.public.jwk[k] for k in ("kty", "crv", "x", "y")}},
        "status": {"status_list": {"idx": 4711, "uri": f"{ISSUER}/status/1"}},
        "given_name": "Alva",
        "skills": ["C#"],
    }


def test_sd_jwt_vc_nbf_is_added_only_when_given(holder: jose.PrivateKey) -> None:
    assert "nbf" not in payload_for(holder)
    payload = vc.credential_payload(
        {},
        issuer=ISSUER,
        vct=VCT,
        iat=NOW,
        exp=NOW + 1,
        holder_jwk=holder.public.jwk,
        status=STATUS,
        nbf=NOW,
    )
    assert payload["nbf"] == NOW


def test_rfc7800_3_2_cnf_jwk_carries_only_public_members(holder: jose.PrivateKey) -> None:
    payload = vc.credential_payload(
        {},
        issuer=ISSUER,
        vct=VCT,
        iat=NOW,
        exp=NOW + 1,
        holder_jwk=holder.private_jwk(),
        status=STATUS,
    )
    assert payload["cnf"] == {"jwk": {k: holder.public.jwk[k] for k in ("kty", "crv", "x", "y")}}


@pytest.mark.parametrize("name", sorted(vc.NEVER_SELECTIVE))
def test_sd_jwt_vc_3_2_2_2_refuses_supplied_registered_claim(
    holder: jose.PrivateKey, name: str
) -> None:
    with pytest.raises(SdJwtVcError) as caught:
        payload_for(holder, given_name="Alva", **{name: "https://attacker.example"})
    assert type(caught.value) is SdJwtVcError


# --- check_validity (§3.4) ------------------------------------------------------------------------


def test_sd_jwt_vc_3_4_valid_credential_passes() -> None:
    vc.check_validity({"iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 10}, now=NOW, skew=SKEW)


def test_sd_jwt_vc_3_4_rejects_expired() -> None:
    with pytest.raises(CredentialExpired):
        vc.check_validity({"exp": NOW - SKEW - 1}, now=NOW, skew=SKEW)


def test_sd_jwt_vc_3_4_exp_skew_edge() -> None:
    # RFC 7519 §4.1.4: not accepted on or after exp; the skew extends that by exactly SKEW.
    vc.check_validity({"exp": NOW - SKEW + 1}, now=NOW, skew=SKEW)
    with pytest.raises(CredentialExpired):
        vc.check_validity({"exp": NOW - SKEW}, now=NOW, skew=SKEW)


def test_sd_jwt_vc_3_4_exp_without_skew_is_exclusive() -> None:
    vc.check_validity({"exp": NOW + 1}, now=NOW, skew=0)
    with pytest.raises(CredentialExpired):
        vc.check_validity({"exp": NOW}, now=NOW, skew=0)


def test_sd_jwt_vc_3_4_rejects_nbf_in_the_future() -> None:
    with pytest.raises(CredentialNotYetValid):
        vc.check_validity({"exp": NOW + 3600, "nbf": NOW + SKEW + 1}, now=NOW, skew=SKEW)


def test_sd_jwt_vc_3_4_nbf_skew_edge() -> None:
    vc.check_validity({"exp": NOW + 3600, "nbf": NOW + SKEW}, now=NOW, skew=SKEW)


def test_sd_jwt_vc_3_4_rejects_iat_in_the_future() -> None:
    with pytest.raises(CredentialNotYetValid):
        vc.check_validity({"exp": NOW + 3600, "iat": NOW + SKEW + 1}, now=NOW, skew=SKEW)


def test_sd_jwt_vc_3_4_iat_skew_edge() -> None:
    vc.check_validity({"exp": NOW + 3600, "iat": NOW + SKEW}, now=NOW, skew=SKEW)


@pytest.mark.parametrize("exp", [None, str(NOW + 10), True, [NOW + 10]])
def test_sd_jwt_vc_3_4_rejects_missing_exp(exp: object) -> None:
    payload: dict[str, object] = {"iat": NOW}
    if exp is not None:
        payload["exp"] = exp
    with pytest.raises(MissingClaim):
        vc.check_validity(payload, now=NOW, skew=SKEW)


@pytest.mark.parametrize("name", ["nbf", "iat"])
@pytest.mark.parametrize("value", [str(NOW), True, [NOW]])
def test_sd_jwt_vc_3_4_rejects_non_numeric_nbf_and_iat(name: str, value: object) -> None:
    with pytest.raises(SdJwtVcError) as caught:
        vc.check_validity({"exp": NOW + 10, name: value}, now=NOW, skew=SKEW)
    assert type(caught.value) is SdJwtVcError


def test_sd_jwt_vc_draft_vct_example_validity() -> None:
    example = draft_example("Verifiable Digital Credential Type")
    exp = example["exp"]
    assert isinstance(exp, int)
    vc.check_validity(example, now=exp - 1, skew=0)
    with pytest.raises(CredentialExpired):
        vc.check_validity(example, now=exp, skew=0)


# --- holder_key (RFC 7800 §3.2) ----------------------------------------------------------------


def test_holder_key_from_cnf_jwk(holder: jose.PrivateKey) -> None:
    assert vc.holder_key(payload_for(holder)) == holder.public


def test_holder_key_from_draft_vct_example() -> None:
    example = draft_example("Verifiable Digital Credential Type")
    key = vc.holder_key(example)
    cnf_jwk = example["cnf"]["jwk"]  # type: ignore[index]
    assert key.alg == jose.ES256
    assert key.kid == jwcrypto_jwk.JWK(**cnf_jwk).thumbprint()


@pytest.mark.parametrize(
    "cnf", [None, "jwk", {}, {"jkt": "abc"}, {"jwk": "x"}, {"kid": "k"}], ids=str
)
def test_holder_key_rejects_missing_cnf_jwk(cnf: object) -> None:
    payload: dict[str, object] = {} if cnf is None else {"cnf": cnf}
    with pytest.raises(MissingClaim):
        vc.holder_key(payload)


def test_holder_key_rejects_private_or_unsupported_cnf_jwk(holder: jose.PrivateKey) -> None:
    with pytest.raises(jose.InvalidKey):
        vc.holder_key({"cnf": {"jwk": holder.private_jwk()}})
    with pytest.raises(jose.InvalidKey):
        vc.holder_key({"cnf": {"jwk": {"kty": "RSA", "n": "AQAB", "e": "AQAB"}}})


# --- the status claim (draft-ietf-oauth-status-list §6.1) ----------------------------------


def test_status_claim_roundtrips_through_the_status_list_parser(holder: jose.PrivateKey) -> None:
    assert parse_status_claim(payload_for(holder)["status"]) == STATUS


# --- JWT VC Issuer Metadata (§4) ---------------------------------------------------------------


def test_sd_jwt_vc_4_issuer_metadata_url_inserts_well_known_before_path() -> None:
    assert (
        vc.issuer_metadata_url(ISSUER)
        == "https://issuer.example.se/.well-known/jwt-vc-issuer/yh-akademin"
    )
    assert vc.issuer_metadata_url("https://example.com") == (
        "https://example.com/.well-known/jwt-vc-issuer"
    )


def test_sd_jwt_vc_4_issuer_metadata_roundtrip() -> None:
    keys = [jose.PrivateKey.generate(alg).public for alg in (jose.ES256, jose.EDDSA)]
    document = vc.issuer_metadata(ISSUER, [k.jwk for k in keys])
    found = vc.keys_from_issuer_metadata(document, expected_issuer=ISSUER)
    assert found == {k.kid: k for k in keys}


def test_sd_jwt_vc_4_draft_metadata_example_issuer_check() -> None:
    example = draft_example("JWT VC Issuer Metadata Response")
    assert example["issuer"] == "https://example.com"
    with pytest.raises(IssuerMetadataInvalid, match="issuer"):
        vc.keys_from_issuer_metadata(example, expected_issuer="https://example.com/other")


def test_sd_jwt_vc_4_draft_metadata_example_with_jwks_uri_is_not_inline() -> None:
    # The published example references its keys by jwks_uri; the standards module does no
    # HTTP, so the caller fetches that JWK Set and passes it as inline ``jwks``.
    example = draft_example("JWT VC Issuer Metadata Response")
    assert "jwks_uri" in example and "jwks" not in example
    with pytest.raises(IssuerMetadataInvalid, match="jwks"):
        vc.keys_from_issuer_metadata(example, expected_issuer="https://example.com")


def test_sd_jwt_vc_4_draft_metadata_example_with_draft_issuer_key_inline() -> None:
    example = draft_example("JWT VC Issuer Metadata Response")
    issuer_jwk = json.loads((VC_DIR / "issuer_public_jwk.json").read_text())
    document = {"issuer": example["issuer"], "jwks": {"keys": [{**issuer_jwk, "kid": "k1"}]}}
    found = vc.keys_from_issuer_metadata(document, expected_issuer="https://example.com")
    assert list(found) == ["k1"]
    assert found["k1"].kid == jwcrypto_jwk.JWK(**issuer_jwk).thumbprint()


@pytest.mark.parametrize(
    "issuer", [None, "https://attacker.example", ISSUER + "/", ISSUER.upper(), [ISSUER]]
)
def test_sd_jwt_vc_4_3_rejects_issuer_mismatch(issuer: object) -> None:
    key = jose.PrivateKey.generate().public
    document: dict[str, object] = {"jwks": {"keys": [dict(key.jwk)]}}
    if issuer is not None:
        document["issuer"] = issuer
    with pytest.raises(IssuerMetadataInvalid):
        vc.keys_from_issuer_metadata(document, expected_issuer=ISSUER)


@pytest.mark.parametrize("jwks", [None, [], "keys", {}, {"keys": {}}, {"keys": "k"}], ids=str)
def test_sd_jwt_vc_4_rejects_missing_jwks(jwks: object) -> None:
    document: dict[str, object] = {"issuer": ISSUER}
    if jwks is not None:
        document["jwks"] = jwks
    with pytest.raises(IssuerMetadataInvalid):
        vc.keys_from_issuer_metadata(document, expected_issuer=ISSUER)


@pytest.mark.parametrize("document", [None, [], "metadata"])
def test_sd_jwt_vc_4_rejects_non_object_metadata(document: object) -> None:
    with pytest.raises(IssuerMetadataInvalid):
        vc.keys_from_issuer_metadata(document, expected_issuer=ISSUER)


def test_sd_jwt_vc_4_unknown_alg_keys_are_ignored() -> None:
    good = jose.PrivateKey.generate().public
    rsa = json.loads(jwcrypto_jwk.JWK.generate(kty="RSA", size=2048, kid="rsa").export_public())
    p384 = json.loads(jwcrypto_jwk.JWK.generate(kty="EC", crv="P-384", kid="p384").export_public())
    x25519 = json.loads(
        jwcrypto_jwk.JWK.generate(kty="OKP", crv="X25519", kid="x25519").export_public()
    )
    private = {**jose.PrivateKey.generate().private_jwk(), "kid": "leaked"}
    declared_other = {**dict(good.jwk), "kid": "es384", "alg": "ES384"}
    keys = [rsa, p384, x25519, private, declared_other, "junk", {"kty": "EC"}, dict(good.jwk)]
    found = vc.keys_from_issuer_metadata(
        {"issuer": ISSUER, "jwks": {"keys": keys}}, expected_issuer=ISSUER
    )
    assert found == {good.kid: good}


def test_sd_jwt_vc_4_keys_without_kid_are_known_by_their_thumbprint() -> None:
    # The published vectors' issuer key has no kid, and their credentials name none either.
    issuer_jwk = json.loads((VC_DIR / "issuer_public_jwk.json").read_text())
    assert "kid" not in issuer_jwk
    found = vc.keys_from_issuer_metadata(
        {"issuer": ISSUER, "jwks": {"keys": [issuer_jwk]}}, expected_issuer=ISSUER
    )
    thumbprint = jwcrypto_jwk.JWK(**issuer_jwk).thumbprint()
    assert list(found) == [thumbprint] and found[thumbprint].kid == thumbprint


def test_sd_jwt_vc_4_a_published_kid_wins_over_a_thumbprint() -> None:
    named, unnamed = (jose.PrivateKey.generate().public for _ in range(2))
    keys = [{**dict(named.jwk), "kid": unnamed.kid}, _without_kid(unnamed)]
    found = vc.keys_from_issuer_metadata(
        {"issuer": ISSUER, "jwks": {"keys": keys}}, expected_issuer=ISSUER
    )
    assert found == {unnamed.kid: named}


@pytest.mark.parametrize("use", ["enc", "", None, ["sig"]])
def test_sd_jwt_vc_4_keys_not_for_signatures_are_ignored(use: object) -> None:
    key = jose.PrivateKey.generate().public
    document = {"issuer": ISSUER, "jwks": {"keys": [{**dict(key.jwk), "use": use}]}}
    assert vc.keys_from_issuer_metadata(document, expected_issuer=ISSUER) == {}
    document = {"issuer": ISSUER, "jwks": {"keys": [{**dict(key.jwk), "use": "sig"}]}}
    assert vc.keys_from_issuer_metadata(document, expected_issuer=ISSUER) == {key.kid: key}


# --- a header without kid -------------------------------------------------------------------


def _without_kid(key: jose.PublicKey) -> dict[str, object]:
    return {k: v for k, v in key.jwk.items() if k != "kid"}


def test_keys_without_kid_are_the_published_keys_of_the_headers_alg_once_in_order() -> None:
    es = [jose.PrivateKey.generate(jose.ES256).public for _ in range(3)]
    ed = jose.PrivateKey.generate(jose.EDDSA).public
    published = {"a": es[0], "b": ed, "c": es[1], "again": es[0], "d": es[2]}
    assert vc.keys_without_kid(published, {"alg": jose.ES256}) == es
    assert vc.keys_without_kid(published, {"alg": jose.EDDSA}) == [ed]


def test_keys_without_kid_none_of_the_alg_is_issuer_key_not_found() -> None:
    ed = jose.PrivateKey.generate(jose.EDDSA).public
    with pytest.raises(vc.IssuerKeyNotFound, match="no ES256 key"):
        vc.keys_without_kid({ed.kid: ed}, {"alg": jose.ES256})
    with pytest.raises(vc.IssuerKeyNotFound):
        vc.keys_without_kid({}, {"alg": jose.ES256})


def test_keys_without_kid_are_bounded() -> None:
    keys = [jose.PrivateKey.generate().public for _ in range(vc.MAX_KEYS_WITHOUT_KID + 1)]
    assert len(vc.keys_without_kid({k.kid: k for k in keys[:-1]}, {"alg": jose.ES256})) == 10
    with pytest.raises(vc.IssuerKeyNotFound, match="more than 10"):
        vc.keys_without_kid({k.kid: k for k in keys}, {"alg": jose.ES256})


def test_sd_jwt_vc_header_example_typ_is_the_module_constant() -> None:
    header = draft_example("JOSE Header")
    assert header == {"alg": jose.ES256, "typ": vc.TYP_SD_JWT_VC}
