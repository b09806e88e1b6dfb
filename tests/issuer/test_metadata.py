"""The issuer's published documents, checked for the shapes their specifications give:

- Credential Issuer Metadata, OpenID4VCI 1.0 §12.2 (compared with the spec's own example,
  ``vectors/openid4vci-1.0/examples/credential_issuer_metadata_sd_jwt_long.json``);
- OAuth 2.0 Authorization Server Metadata, RFC 8414 §2 (+ RFC 9449 §5.1, OID4VCI §12.3);
- JWT VC Issuer Metadata, draft-ietf-oauth-sd-jwt-vc §4 (``issuer`` + inline ``jwks``);
- SD-JWT VC Type Metadata of the skill credential, and its JSON Schema.

Each well-known URL is the path-inserted form (RFC 8414 §3.1, OID4VCI §12.2.2).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from jwcrypto import jwk
from sd_jwt.verifier import SDJWTVerifier

from tests.helpers import ADMIN, PRE_AUTH, create_issuer, learner_claims
from tests.issuer.support import Protocol, decode_part, problem
from tests.vectorpath import VECTORS

EXAMPLES = VECTORS / "openid4vci-1.0" / "examples"
BASE = "http://localhost:8000"
ISSUER = f"{BASE}/issuers/yh-akademin"
VCT = f"{BASE}/types/skill-credential"
EU_LEARNING = "urn:eu.europa.ec.eudi:learning:credential:1"


def spec_example(name: str) -> dict[str, object]:
    return json.loads((EXAMPLES / name).read_text())


def get_json(client: TestClient, path: str) -> dict[str, object]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"].startswith("public, max-age=")
    return response.json()


# --- OpenID4VCI Credential Issuer Metadata (§12.2) --------------------------------------------


def test_credential_issuer_metadata(client: TestClient, issuer: dict[str, str]) -> None:
    document = get_json(client, "/.well-known/openid-credential-issuer/issuers/yh-akademin")
    assert document["credential_issuer"] == issuer["issuer"] == ISSUER
    assert document["credential_endpoint"] == f"{ISSUER}/credential"
    assert document["nonce_endpoint"] == f"{ISSUER}/nonce"
    assert document["deferred_credential_endpoint"] == f"{ISSUER}/deferred_credential"
    assert document["notification_endpoint"] == f"{ISSUER}/notification"
    # the issuer is its own authorization server: authorization_servers is omitted (§12.2.4)
    assert "authorization_servers" not in document
    assert document["batch_credential_issuance"] == {"batch_size": 10}
    assert {d["locale"] for d in document["display"]} == {"sv-SE", "en-US"}
    assert all(d["name"] == "YH-akademin" for d in document["display"])

    configurations = document["credential_configurations_supported"]
    assert list(configurations) == ["skill_credential_sd_jwt"]  # type: ignore[arg-type]
    skill = configurations["skill_credential_sd_jwt"]  # type: ignore[index]
    assert skill["format"] == "dc+sd-jwt"
    assert skill["vct"] == VCT
    assert skill["scope"] == "skill_credential_sd_jwt"
    assert skill["cryptographic_binding_methods_supported"] == ["jwk"]
    assert skill["credential_signing_alg_values_supported"] == ["ES256"]
    algs = skill["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"]
    assert set(algs) == {"ES256", "EdDSA"} and "none" not in algs

    display = skill["credential_metadata"]["display"]
    assert {d["locale"] for d in display} == {"sv-SE", "en-US"}
    claims = skill["credential_metadata"]["claims"]
    paths = [tuple(c["path"]) for c in claims]
    assert len(paths) == len(set(paths))
    for wanted in [
        ("given_name",),
        ("learner_identification",),
        ("skills",),
        ("skills", None, "label", "en"),
        ("issuing_authority", "organisationsnummer"),
    ]:
        assert wanted in paths
    for claim in claims:
        assert all(isinstance(step, str) or step is None for step in claim["path"])
        assert {d["locale"] for d in claim["display"]} == {"sv-SE", "en-US"}
        assert all(d["name"] for d in claim["display"])


def _shape(value: object) -> object:
    """The JSON type of every member, recursively (lists by their first element)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def test_credential_issuer_metadata_has_the_spec_examples_shape(
    client: TestClient, issuer: dict[str, str]
) -> None:
    ours = get_json(client, "/.well-known/openid-credential-issuer/issuers/yh-akademin")
    example = spec_example("credential_issuer_metadata_sd_jwt_long.json")
    # every member we publish is one the spec's example has, with the same JSON type
    for name, value in ours.items():
        if name == "credential_configurations_supported":
            continue
        assert name in example, name
        assert type(value) is type(example[name]), name
    (ex_config,) = example["credential_configurations_supported"].values()  # type: ignore[union-attr]
    (our_config,) = ours["credential_configurations_supported"].values()  # type: ignore[union-attr]
    for name in (
        "format",
        "scope",
        "vct",
        "credential_signing_alg_values_supported",
        "cryptographic_binding_methods_supported",
        "proof_types_supported",
        "credential_metadata",
    ):
        assert name in our_config and name in ex_config, name
    assert set(our_config) <= set(ex_config)
    assert set(our_config["credential_metadata"]) <= set(ex_config["credential_metadata"])
    ex_claim = ex_config["credential_metadata"]["claims"][0]
    our_claim = our_config["credential_metadata"]["claims"][0]
    assert set(our_claim) == set(ex_claim) == {"path", "display"}
    assert set(our_claim["display"][0]) == set(ex_claim["display"][0]) == {"name", "locale"}
    ex_display = ex_config["credential_metadata"]["display"][0]
    assert set(our_config["credential_metadata"]["display"][0]) <= set(ex_display)


def test_credential_issuer_metadata_as_a_wallet_reads_it(
    client: TestClient, issuer: dict[str, str], issuer_auth: dict[str, str]
) -> None:
    """The offer's credential_issuer leads, by path insertion, to this very document."""
    made = client.post(
        f"/issuers/{issuer['slug']}/admin/offers",
        json={"claims": learner_claims()},
        headers=issuer_auth,
    ).json()
    offer = client.get(made["credential_offer_uri"].removeprefix(BASE)).json()
    assert offer["credential_configuration_ids"] == ["skill_credential_sd_jwt"]
    assert set(offer["grants"]) == {PRE_AUTH}
    well_known = "/.well-known/openid-credential-issuer" + offer["credential_issuer"].removeprefix(
        BASE
    )
    document = get_json(client, well_known)
    assert set(offer["credential_configuration_ids"]) <= set(
        document["credential_configurations_supported"]  # type: ignore[arg-type]
    )


# --- OAuth Authorization Server Metadata (RFC 8414) -------------------------------------------


def test_authorization_server_metadata(client: TestClient, issuer: dict[str, str]) -> None:
    document = get_json(client, "/.well-known/oauth-authorization-server/issuers/yh-akademin")
    assert document["issuer"] == ISSUER  # RFC 8414 §3.3: identical to the identifier
    assert document["token_endpoint"] == f"{ISSUER}/token"
    assert document["grant_types_supported"] == ["authorization_code", "refresh_token", PRE_AUTH]
    assert document["response_types_supported"] == ["code"]
    # the authorization code flow (RFC 9126 §5, RFC 7636, RFC 9207 §3; HAIP 1.0 §4)
    assert document["authorization_endpoint"] == f"{ISSUER}/authorize"
    assert document["pushed_authorization_request_endpoint"] == f"{ISSUER}/par"
    assert document["require_pushed_authorization_requests"] is True
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["authorization_response_iss_parameter_supported"] is True
    assert document["scopes_supported"] == ["skill_credential_sd_jwt"]
    assert document["token_endpoint_auth_methods_supported"] == ["none"]
    assert document["pre-authorized_grant_anonymous_access_supported"] is True
    assert set(document["dpop_signing_alg_values_supported"]) == {"ES256", "EdDSA"}  # type: ignore[arg-type]
    assert "dpop_bound_access_tokens_required" not in document


def test_authorization_server_metadata_of_a_dpop_only_issuer(
    client_with: Callable[..., TestClient],
) -> None:
    strict = client_with(require_dpop=True)
    create_issuer(strict, "kraver-dpop")
    document = get_json(strict, "/.well-known/oauth-authorization-server/issuers/kraver-dpop")
    assert document["dpop_bound_access_tokens_required"] is True


# --- JWT VC Issuer Metadata (draft-ietf-oauth-sd-jwt-vc §4) -----------------------------------


def test_jwt_vc_issuer_metadata(protocol: Protocol) -> None:
    document = get_json(protocol.client, "/.well-known/jwt-vc-issuer/issuers/yh-akademin")
    assert set(document) == {"issuer", "jwks"}
    assert document["issuer"] == ISSUER
    (key,) = document["jwks"]["keys"]  # type: ignore[index]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ES256"
    assert key["use"] == "sig" and "d" not in key
    # kid is the RFC 7638 thumbprint
    canonical = json.dumps({m: key[m] for m in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest())
    assert key["kid"] == thumbprint.rstrip(b"=").decode()
    (credential,) = protocol.credentials(1)
    header, payload = decode_part(credential, 0), decode_part(credential, 1)
    assert header["kid"] == key["kid"] and payload["iss"] == document["issuer"]


# --- Type Metadata and JSON Schema ------------------------------------------------------------


def test_skill_type_metadata(client: TestClient) -> None:
    document = get_json(client, "/types/skill-credential")
    assert document["vct"] == VCT
    assert document["extends"] == EU_LEARNING
    assert isinstance(document["name"], str) and isinstance(document["description"], str)
    display = {d["locale"]: d for d in document["display"]}  # type: ignore[union-attr]
    assert set(display) == {"sv-SE", "en-US"}
    assert display["sv-SE"]["name"] == "Kompetensintyg"
    assert display["en-US"]["name"] == "Skill credential"
    for entry in display.values():
        assert set(entry["rendering"]["simple"]) >= {"background_color", "text_color"}

    claims = {tuple(c["path"]): c for c in document["claims"]}  # type: ignore[union-attr]
    for claim in claims.values():
        assert claim["sd"] in ("always", "allowed", "never")
        assert {d["locale"] for d in claim["display"]} == {"sv-SE", "en-US"}
        assert all(set(d) == {"locale", "label"} for d in claim["display"])
    # the EU learning credential's claim names are kept where they overlap
    for name in (
        "given_name",
        "family_name",
        "birthdate",
        "learner_identification",
        "achievement_title",
        "date_of_issuance",
        "issuing_authority",
        "issuing_country",
    ):
        assert (name,) in claims
    assert claims[("learner_identification",)]["sd"] == "always"
    assert claims[("skills", None)]["sd"] == "always"  # each skill on its own
    assert claims[("issuing_authority",)]["sd"] == "never"
    assert claims[("given_name",)].get("mandatory") is True


def test_skill_schema_and_its_integrity(client: TestClient) -> None:
    document = get_json(client, "/types/skill-credential")
    response = client.get("/types/skill-credential/schema.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/schema+json")
    assert response.headers["cache-control"].startswith("public")
    if "schema_uri" in document:
        assert document["schema_uri"] == f"{VCT}/schema.json"
        digest = base64.b64encode(hashlib.sha256(response.content).digest()).decode()
        assert document["schema_uri#integrity"] == f"sha256-{digest}"
    schema = response.json()
    Draft202012Validator.check_schema(schema)


def test_skill_schema_accepts_an_issued_credentials_claims(protocol: Protocol) -> None:
    (credential,) = protocol.credentials(1)
    keys = get_json(protocol.client, "/.well-known/jwt-vc-issuer/issuers/yh-akademin")
    key = jwk.JWK(**keys["jwks"]["keys"][0])  # type: ignore[index]
    claims = SDJWTVerifier(credential, lambda iss, header: key).get_verified_payload()
    schema = protocol.client.get("/types/skill-credential/schema.json").json()
    errors = list(Draft202012Validator(schema).iter_errors(claims))
    assert errors == [], [e.message for e in errors]


# --- unknown issuers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/openid-credential-issuer/issuers/{slug}",
        "/.well-known/oauth-authorization-server/issuers/{slug}",
        "/.well-known/jwt-vc-issuer/issuers/{slug}",
        "/issuers/{slug}/offers/00000000-0000-4000-8000-000000000000",
        "/issuers/{slug}/status-lists/00000000-0000-4000-8000-000000000000",
    ],
)
@pytest.mark.parametrize("slug", ["ingen-sadan", "YH-AKADEMIN", "a%00b", "-"])
def test_unknown_issuer_is_404_problem(
    client: TestClient, issuer: dict[str, str], path: str, slug: str
) -> None:
    problem(client.get(path.format(slug=slug)), 404, "issuer_not_found")


def test_metadata_is_per_issuer(client: TestClient, issuer: dict[str, str]) -> None:
    client.post(
        "/admin/issuers",
        headers=ADMIN,
        json={"slug": "annan-skola", "name": "Annan skola", "organisation_number": "556677-8899"},
    )
    mine = get_json(client, "/.well-known/jwt-vc-issuer/issuers/yh-akademin")
    theirs = get_json(client, "/.well-known/jwt-vc-issuer/issuers/annan-skola")
    assert theirs["issuer"] == f"{BASE}/issuers/annan-skola"
    mine_kids = {k["kid"] for k in mine["jwks"]["keys"]}  # type: ignore[index]
    assert mine_kids.isdisjoint(k["kid"] for k in theirs["jwks"]["keys"])  # type: ignore[index]
    metadata = get_json(client, "/.well-known/openid-credential-issuer/issuers/annan-skola")
    assert {d["name"] for d in metadata["display"]} == {"Annan skola"}  # type: ignore[union-attr]
