"""SD-JWT VC (draft-ietf-oauth-sd-jwt-vc; RFC 9901) against ``@sd-jwt/sd-jwt-vc``, both ways.

The npm library verifies a credential Intyg's issuer issued over OpenID4VCI, with the key from
Intyg's published JWT VC Issuer Metadata (§4) and Intyg's Token Status List, and an Intyg
presentation with key binding (RFC 9901 §4.3: nonce, aud, sd_hash); it refuses a revoked
credential, another nonce or audience, and a tampered presentation. Intyg's verifier verifies,
through its whole pipeline, a presentation the npm library issued and presented (selective
disclosure, key binding), its issuer's metadata served by the test's stand-in host, and
refuses it under another nonce.
"""

from __future__ import annotations

import json

from tests.interop import node
from tests.interop.conftest import OUTSIDE, Outside
from tests.verifier.support import (
    CLIENT_ID,
    VCT,
    Held,
    Roles,
    assert_rejected,
    check,
    local,
    trust_list_token,
)

NONCE = "n-0S6_WzA2Mj"


def published_jwks(roles: Roles) -> dict[str, object]:
    """The issuer's keys as a verifier finds them: its JWT VC Issuer Metadata (§4)."""
    document = roles.client.get("/.well-known/jwt-vc-issuer" + local(roles.issuer["issuer"]))
    assert document.status_code == 200, document.text
    assert document.json()["issuer"] == roles.issuer["issuer"]
    return document.json()["jwks"]


def status_lists(roles: Roles, *held: Held) -> dict[str, str]:
    uris = {h.payload["status"]["status_list"]["uri"] for h in held}  # type: ignore[index]
    return {uri: roles.client.get(local(uri)).raise_for_status().text for uri in uris}


def verify_job(roles: Roles, credential: str, **extra: object) -> dict[str, object]:
    return {"op": "verify", "credential": credential, "now": roles.clock.now(), **extra}


def test_npm_verifies_intyg_credentials_with_the_published_keys_and_status_list(
    roles: Roles,
) -> None:
    kept = roles.issue_one()
    before = set(roles.credential_ids())
    revoked = roles.issue_one()
    [revoked_id] = set(roles.credential_ids()) - before
    done = roles.client.post(
        f"/issuers/{roles.issuer['slug']}/admin/credentials/{revoked_id}/revoke",
        headers=roles.issuer_auth,
    )
    assert done.status_code == 200, done.text
    jwks, lists = published_jwks(roles), status_lists(roles, kept, revoked)
    kept_answer, revoked_answer = node.run(
        "sdjwtvc",
        [
            verify_job(roles, kept.credential, jwks=jwks, status_lists=lists),
            verify_job(roles, revoked.credential, jwks=jwks, status_lists=lists),
        ],
    )
    claims = node.ok(kept_answer)["claims"]
    assert claims == kept.verified.claims  # every disclosure, the same processed claims
    assert claims["iss"] == roles.issuer["issuer"] and claims["vct"] == VCT  # type: ignore[index]
    assert [s["label"]["en"] for s in claims["skills"]] == ["C#", "Agile methods", "SQL"]  # type: ignore[index]
    assert node.ok(kept_answer)["header"]["typ"] == "dc+sd-jwt"  # type: ignore[index]
    assert node.refused(revoked_answer) == "SDJWTException: Status is not valid"


def test_npm_verifies_an_intyg_presentation_with_key_binding_and_refuses_changes(
    roles: Roles,
) -> None:
    held = roles.issue_one()
    now = roles.clock.now()
    presentation = held.present(("given_name",), ("family_name",), nonce=NONCE, iat=now)
    other = roles.issue_one(given_name="Bo")
    # Another credential's given_name disclosure: its digest is not in this issuer JWT.
    [foreign] = other.disclosures(("given_name",))
    parts = presentation.split("~")
    tampered = "~".join([parts[0], foreign, *parts[2:]])
    jwks, lists = published_jwks(roles), status_lists(roles, held)
    bound = {"jwks": jwks, "status_lists": lists}
    answers = node.run(
        "sdjwtvc",
        [
            verify_job(roles, presentation, nonce=NONCE, aud=CLIENT_ID, **bound),
            verify_job(roles, presentation, nonce="another-nonce", aud=CLIENT_ID, **bound),
            verify_job(roles, presentation, nonce=NONCE, aud="x509_san_dns:other.example", **bound),
            verify_job(roles, tampered, nonce=NONCE, aud=CLIENT_ID, **bound),
        ],
    )
    valid = node.ok(answers[0])
    claims = valid["claims"]
    assert claims["given_name"] == "Alva" and claims["family_name"] == "Lindqvist"  # type: ignore[index]
    assert "birthdate" not in claims and "assessment_grade" not in claims  # type: ignore[operator]
    assert claims["skills"] == []  # type: ignore[index]  # no element disclosed
    assert valid["kb"]["nonce"] == NONCE and valid["kb"]["aud"] == CLIENT_ID  # type: ignore[index]
    assert node.refused(answers[1]).endswith("Invalid Nonce")
    assert node.refused(answers[2]).endswith("Invalid Key Binding audience")
    assert node.refused(answers[3]).endswith("Unreferenced disclosure(s) detected in SD-JWT")


def npm_issued(
    roles: Roles, outside: Outside, *, reveal: list[str], nonce: str = NONCE
) -> dict[str, object]:
    """A credential that @sd-jwt/sd-jwt-vc issued and presented, its issuer's metadata served
    by the stand-in host and the issuer on the verifier's trust list beside Intyg's."""
    now = roles.clock.now()
    issuer = f"http://localhost:8000{OUTSIDE}/npm-issuer"
    [answer] = node.run(
        "sdjwtvc",
        [
            {
                "op": "issue",
                "iss": issuer,
                "vct": VCT,
                "claims": {
                    "given_name": "Alva",
                    "family_name": "Lindqvist",
                    "achievement_title": "Mjukvaruutvecklare .NET",
                    "assessment_grade": "VG",
                },
                "sd": ["given_name", "family_name", "assessment_grade"],
                "reveal": reveal,
                "iat": now - 10,
                "exp": now + 3600,
                "nonce": nonce,
                "aud": CLIENT_ID,
            }
        ],
    )
    issued = node.ok(answer)
    metadata = {"issuer": issuer, "jwks": {"keys": [issued["issuer_jwk"]]}}
    outside.serve(
        f"/.well-known/jwt-vc-issuer{OUTSIDE}/npm-issuer", json.dumps(metadata), "application/json"
    )
    roles.install_trust_list(
        trust_list_token(
            roles.operator_key,
            now,
            [(roles.issuer["issuer"], "YH-akademin", [VCT]), (issuer, "npm-issuer", [VCT])],
        )
    )
    return issued


def test_intyg_verifies_a_credential_that_npm_issued_and_presented(
    roles: Roles, outside: Outside
) -> None:
    issued = npm_issued(roles, outside, reveal=["given_name", "assessment_grade"])
    result = roles.verify(str(issued["presentation"]), nonce=NONCE, require_key_binding=True)
    assert result["verdict"] == "valid", result
    for name in ("signature", "trust", "disclosures", "key_binding"):
        assert check(result, name)["outcome"] == "passed", result
    assert result["issuer"]["id"] == f"http://localhost:8000{OUTSIDE}/npm-issuer"  # type: ignore[index]
    claims = result["claims"]
    assert claims["given_name"] == "Alva" and claims["assessment_grade"] == "VG"  # type: ignore[index]
    assert claims["achievement_title"] == "Mjukvaruutvecklare .NET"  # type: ignore[index]  # always disclosed
    assert "family_name" not in claims  # type: ignore[operator]  # not revealed


def test_intyg_refuses_an_npm_presentation_bound_to_another_nonce(
    roles: Roles, outside: Outside
) -> None:
    issued = npm_issued(roles, outside, reveal=["given_name"], nonce="another-nonce")
    result = roles.verify(str(issued["presentation"]), nonce=NONCE, require_key_binding=True)
    assert_rejected(result, "key_binding", "sd_jwt_kb_nonce_mismatch")
