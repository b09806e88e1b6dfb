"""x5c-signed SD-JWT VCs (SD-JWT VC §3.5, HAIP 1.0 §6.1.1) against ``@sd-jwt/sd-jwt-vc``, both
ways.

Intyg → npm: the library verifies a credential of Intyg's issuer, and its status list, with the
key of the header's ``x5c`` leaf, validated (``sdjwtvc.mjs``: ``x5cKey``, node:crypto) to the
issuer CA the test hands it — never with the issuer's metadata — and refuses it under another
CA; the driver's own refusals (the anchor in x5c, a self-signed, expired or foreign leaf) are
exercised on credentials re-signed here. npm → Intyg: the library issues and presents a
credential signed by a key that a test CA certified for the issuer, with ``x5c`` and no ``kid``;
Intyg's verifier accepts it when its trust list gives that issuer the test CA, and refuses it by
name under another CA or none.
"""

from __future__ import annotations

from cryptography import x509

from core import jose
from core import x509 as certs
from core.runtime import Runtime
from core.standards import sd_jwt_vc
from issuer import ca
from tests.interop import node
from tests.interop.conftest import OUTSIDE
from tests.interop.test_sd_jwt_vc import NONCE, status_lists, verify_job
from tests.verifier.support import (
    BASE,
    CLIENT_ID,
    VCT,
    Held,
    Roles,
    assert_rejected,
    b64_json,
    check,
    trust_list_token,
)

DAY = 86_400
NPM_ISSUER = f"{BASE}{OUTSIDE}/npm-x5c-issuer"  # no metadata is served for it: x5c alone


def _pem(*anchors: x509.Certificate) -> list[str]:
    return [certs.certificate_to_pem(a) for a in anchors]


def _resigned(held: Held, key: jose.PrivateKey, chain: list[x509.Certificate]) -> str:
    """The credential's payload signed by ``key`` with ``chain`` as its x5c (and no kid)."""
    header = {"x5c": certs.x5c_chain(chain)}
    token = jose.sign(held.payload, key, typ=sd_jwt_vc.TYP_SD_JWT_VC, header=header)
    return f"{token}~"


def test_npm_verifies_an_intyg_credential_by_its_x5c_to_the_issuer_ca_alone(
    roles: Roles, runtime: Runtime
) -> None:
    held = roles.issue_one()
    issuer, now = roles.issuer["issuer"], roles.clock.now()
    ca_cert, ca_key = ca.load_or_create(runtime)
    other_ca, _ = certs.create_dev_ca("Another CA", now)
    key = jose.PrivateKey.generate()
    self_signed, _ = certs.create_dev_ca(issuer, now, key=key)

    def leaf(for_issuer: str = issuer, ago: int = 0, days: int = 365) -> x509.Certificate:
        return certs.issue_issuer_certificate(
            ca_cert, ca_key, for_issuer, key.public, now - ago, days
        )

    forged = {  # each refused by the driver before the signature is checked
        "x5c carries the trust anchor": [leaf(), ca_cert],
        "the x5c leaf is self-signed": [self_signed],
        "x5c certificate not valid now": [leaf(ago=10 * DAY, days=1)],
        f"the x5c leaf does not name {issuer}": [leaf(f"{BASE}/issuers/someone-else")],
    }
    trusted = {"anchors": _pem(ca_cert), "status_lists": status_lists(roles, held)}
    answers = node.run(
        "sdjwtvc",
        [
            verify_job(roles, held.credential, **trusted),
            verify_job(roles, held.credential, **{**trusted, "anchors": _pem(other_ca)}),
            *(verify_job(roles, _resigned(held, key, c), **trusted) for c in forged.values()),
        ],
    )
    valid = node.ok(answers[0])
    header = b64_json(held.issuer_jwt.split(".")[0])
    assert valid["header"]["x5c"] == header["x5c"]  # type: ignore[index]
    # The key the chain gave is the one Intyg's metadata publishes under the header's kid.
    assert valid["issuer_key_thumbprint"] == header["kid"]
    assert valid["claims"] == held.verified.claims  # every disclosure, the same claims
    assert valid["claims"]["iss"] == issuer  # type: ignore[index]
    assert node.refused(answers[1]) == "Error: x5c does not chain to a trust anchor"
    for (reason, _), answer in zip(forged.items(), answers[2:], strict=True):
        assert node.refused(answer).startswith(f"Error: {reason}"), reason


def npm_x5c_issued(roles: Roles, key: jose.PrivateKey, leaf: x509.Certificate) -> str:
    """A presentation @sd-jwt/sd-jwt-vc issued (signed by ``key``, its header carrying ``leaf``
    as x5c and no kid) and presented with key binding for NONCE."""
    now = roles.clock.now()
    private = {k: v for k, v in key.private_jwk().items() if k in ("kty", "crv", "x", "y", "d")}
    [answer] = node.run(
        "sdjwtvc",
        [
            {
                "op": "issue",
                "iss": NPM_ISSUER,
                "vct": VCT,
                "claims": {"given_name": "Alva", "family_name": "Lindqvist", "grade": "VG"},
                "sd": ["given_name", "family_name", "grade"],
                "reveal": ["given_name", "grade"],
                "iat": now - 10,
                "exp": now + 3600,
                "nonce": NONCE,
                "aud": CLIENT_ID,
                "issuer_key": private,
                "x5c": certs.x5c_chain([leaf]),
            }
        ],
    )
    presentation = str(node.ok(answer)["presentation"])
    header = b64_json(presentation.split(".")[0])
    assert header["x5c"] == certs.x5c_chain([leaf]) and "kid" not in header, header
    return presentation


def _list_npm_issuer(roles: Roles, sequence: int, *anchors: x509.Certificate) -> None:
    listed = [(NPM_ISSUER, "npm-issuer", [VCT])]
    roles.install_trust_list(
        trust_list_token(
            roles.operator_key, roles.clock.now(), listed, sequence=sequence, anchors=anchors
        )
    )


def _certified(roles: Roles) -> tuple[x509.Certificate, jose.PrivateKey, x509.Certificate]:
    """A test CA, and a key it certified for NPM_ISSUER with that key's leaf."""
    now = roles.clock.now()
    test_ca, test_ca_key = certs.create_dev_ca("npm issuer CA", now)
    key = jose.PrivateKey.generate()
    leaf = certs.issue_issuer_certificate(test_ca, test_ca_key, NPM_ISSUER, key.public, now)
    return test_ca, key, leaf


def test_intyg_verifies_an_npm_credential_by_its_x5c_to_the_listed_ca(roles: Roles) -> None:
    test_ca, key, leaf = _certified(roles)
    presentation = npm_x5c_issued(roles, key, leaf)
    _list_npm_issuer(roles, 2, test_ca)
    result = roles.verify(presentation, nonce=NONCE, require_key_binding=True)
    assert result["verdict"] == "valid", result
    for name in ("signature", "issuer_key", "trust", "disclosures", "key_binding"):
        assert check(result, name)["outcome"] == "passed", result
    assert result["issuer"]["id"] == NPM_ISSUER  # type: ignore[index]
    claims = result["claims"]
    assert claims["given_name"] == "Alva" and claims["grade"] == "VG"  # type: ignore[index]
    assert "family_name" not in claims  # type: ignore[operator]  # not revealed


def test_intyg_refuses_an_npm_x5c_credential_under_another_ca_or_none(roles: Roles) -> None:
    test_ca, key, leaf = _certified(roles)
    other_ca, _ = certs.create_dev_ca("Another CA", roles.clock.now())
    presentation = npm_x5c_issued(roles, key, leaf)
    _list_npm_issuer(roles, 2, other_ca)
    result = roles.verify(presentation, nonce=NONCE, require_key_binding=True)
    assert_rejected(result, "issuer_key", "x509_chain_invalid")
    _list_npm_issuer(roles, 3)  # listed, but with no certificate: no kid to fall back on
    result = roles.verify(presentation, nonce=NONCE, require_key_binding=True)
    assert_rejected(result, "issuer_key", "issuer_certificate_untrusted")
    # Under the test CA the same presentation is good: the refusals were the anchors' doing.
    _list_npm_issuer(roles, 4, test_ca)
    assert roles.verify(presentation, nonce=NONCE, require_key_binding=True)["verdict"] == "valid"
