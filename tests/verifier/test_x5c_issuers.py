"""Issuers that sign with an ``x5c`` chain (SD-JWT VC §3.5, HAIP 1.0 §6.1.1), through the
verifier's ``POST verify``: Intyg's issuer certifies its keys with its CA and sends the leaf
(never the anchor) beside the ``kid`` of its metadata; a verifier whose trust list gives the
issuer that CA validates the chain, and every way of getting it wrong is refused by name.
"""

from __future__ import annotations

import pytest
from cryptography import x509
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import jose
from core import x509 as certs
from core.errors import Conflict
from core.runtime import Runtime
from core.standards import sd_jwt_vc, trust_list
from issuer import ca, service, signing
from tests.verifier.support import (
    BASE,
    VCT,
    Held,
    Roles,
    assert_rejected,
    b64_json,
    trust_list_token,
)

DAY = 86_400


def _header(token: str) -> dict[str, object]:
    return b64_json(token.split(".")[0])


def _list_issuer_with(roles: Roles, anchors: list[x509.Certificate]) -> None:
    listed = [(roles.issuer["issuer"], "YH-akademin", [VCT])]
    roles.install_trust_list(
        trust_list_token(roles.operator_key, roles.clock.now(), listed, sequence=2, anchors=anchors)
    )


def _certified(
    roles: Roles, runtime: Runtime, issuer: str = "", *, ago: int = 0, days: int = 365
) -> tuple[jose.PrivateKey, list[str]]:
    """A fresh key and its leaf from the issuer CA (which the trust list names), for
    ``issuer`` (default: the roles' issuer), issued ``ago`` seconds before now."""
    ca_cert, ca_key = ca.load_or_create(runtime)
    _list_issuer_with(roles, [ca_cert])
    key = jose.PrivateKey.generate()
    leaf = certs.issue_issuer_certificate(
        ca_cert,
        ca_key,
        issuer or roles.issuer["issuer"],
        key.public,
        roles.clock.now() - ago,
        days,
    )
    return key, certs.x5c_chain([leaf])


def _resigned(held: Held, key: jose.PrivateKey, **header: object) -> str:
    """The credential's own payload signed by ``key`` with ``header`` (no kid unless given)."""
    include_kid = bool(header.pop("with_kid", False))
    token = jose.sign(
        held.payload, key, typ=sd_jwt_vc.TYP_SD_JWT_VC, header=header, include_kid=include_kid
    )
    return f"{token}~"


def _verify(roles: Roles, presentation: str) -> dict[str, object]:
    return roles.verify(presentation, nonce=None, audience=None)


def test_issued_credentials_carry_the_leaf_beside_the_kid(roles: Roles, runtime: Runtime) -> None:
    held = roles.issue_one()
    header = _header(held.issuer_jwt)
    chain = certs.parse_x5c(header["x5c"])
    ca_cert, _ = ca.load_or_create(runtime)
    assert len(chain) == 1 and chain[0] != ca_cert  # the anchor travels apart
    leaf = chain[0]
    assert certs.public_key_of(leaf).kid == header["kid"]  # one key, named twice
    assert certs.san_uris(leaf) == [roles.issuer["issuer"]]
    assert leaf.issuer == ca_cert.subject


def test_status_list_tokens_carry_the_chain_too(roles: Roles) -> None:
    held = roles.issue_one()
    uri = held.payload["status"]["status_list"]["uri"]  # type: ignore[index]
    token = roles.client.get(uri.removeprefix(BASE)).text
    assert _header(token)["x5c"] == _header(held.issuer_jwt)["x5c"]


def test_a_chain_to_the_listed_ca_verifies(roles: Roles, runtime: Runtime) -> None:
    _list_issuer_with(roles, [ca.load_or_create(runtime)[0]])
    result = _verify(roles, roles.issue_one().sd_jwt())
    assert result["verdict"] == "valid", result
    assert result["checks"][6] == {"name": "status", "outcome": "passed"}  # type: ignore[index]


def test_a_certified_key_without_kid_verifies_by_its_chain_alone(
    roles: Roles, runtime: Runtime
) -> None:
    key, x5c = _certified(roles, runtime)
    result = _verify(roles, _resigned(roles.issue_one(), key, x5c=x5c))
    assert result["verdict"] == "valid", result


def test_a_chain_to_another_ca_is_refused(roles: Roles) -> None:
    other_ca, _ = certs.create_dev_ca("Another CA", roles.clock.now())
    _list_issuer_with(roles, [other_ca])
    assert_rejected(_verify(roles, roles.issue_one().sd_jwt()), "issuer_key", "x509_chain_invalid")


def test_a_leaf_for_another_issuer_is_refused(roles: Roles, runtime: Runtime) -> None:
    """The CA is shared; its certificate for one issuer does not speak for another."""
    key, x5c = _certified(roles, runtime, f"{BASE}/issuers/someone-else")
    forged = _resigned(roles.issue_one(), key, x5c=x5c)
    assert_rejected(_verify(roles, forged), "issuer_key", "x509_san_mismatch")


def test_a_self_signed_leaf_is_refused(roles: Roles, runtime: Runtime) -> None:
    _list_issuer_with(roles, [ca.load_or_create(runtime)[0]])
    self_signed, key = certs.create_dev_ca(roles.issuer["issuer"], roles.clock.now())
    forged = _resigned(roles.issue_one(), key, x5c=certs.x5c_chain([self_signed]))
    assert_rejected(_verify(roles, forged), "issuer_key", "x509_self_signed")


def test_a_chain_that_carries_its_anchor_is_refused(roles: Roles, runtime: Runtime) -> None:
    key, x5c = _certified(roles, runtime)
    anchor = certs.x5c_chain([ca.load_or_create(runtime)[0]])
    forged = _resigned(roles.issue_one(), key, x5c=x5c + anchor)
    assert_rejected(_verify(roles, forged), "issuer_key", "x509_anchor_in_chain")


def test_an_expired_leaf_is_refused(roles: Roles, runtime: Runtime) -> None:
    key, x5c = _certified(roles, runtime, ago=10 * DAY, days=1)
    forged = _resigned(roles.issue_one(), key, x5c=x5c)
    assert_rejected(_verify(roles, forged), "issuer_key", "x509_expired")


def test_a_chain_and_a_kid_that_name_two_keys_are_refused_even_when_both_are_trusted(
    roles: Roles, runtime: Runtime
) -> None:
    key, x5c = _certified(roles, runtime)
    held = roles.issue_one()
    forged = _resigned(held, key, x5c=x5c, kid=_header(held.issuer_jwt)["kid"])
    assert_rejected(_verify(roles, forged), "issuer_key", "issuer_keys_disagree")


# --- an operator's own key and certificate ---------------------------------------------------


def _operator_chain(
    runtime: Runtime, issuer: str, key: jose.PrivateKey
) -> tuple[x509.Certificate, bytes]:
    """An operator CA (the anchor) and the PEM chain it gives: leaf, then itself."""
    now = runtime.clock.now()
    anchor, anchor_key = certs.create_dev_ca("Operatörens CA", now)
    leaf = certs.issue_issuer_certificate(anchor, anchor_key, issuer, key.public, now)
    return anchor, (certs.certificate_to_pem(leaf) + certs.certificate_to_pem(anchor)).encode()


def _pem(key: jose.PrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return certs._crypto_private(key).private_bytes(  # noqa: SLF001 (a test's own key)
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_an_imported_key_signs_with_its_chain_without_the_anchor(
    roles: Roles, runtime: Runtime, engine: Engine
) -> None:
    key = jose.PrivateKey.generate()
    anchor, chain_pem = _operator_chain(runtime, roles.issuer["issuer"], key)
    with Session(engine) as session:
        tenant = service.tenant_by_slug(session, roles.issuer["slug"])
        assert signing.import_key(session, runtime, tenant, _pem(key), chain_pem) == key.kid
    held = roles.issue_one()
    header = _header(held.issuer_jwt)
    assert header["kid"] == key.kid
    assert len(header["x5c"]) == 1  # type: ignore[arg-type]
    _list_issuer_with(roles, [anchor])
    assert _verify(roles, held.sd_jwt())["verdict"] == "valid"
    with Session(engine) as session, pytest.raises(Conflict):
        signing.rotate(session, runtime, service.tenant_by_slug(session, roles.issuer["slug"]))


@pytest.mark.parametrize("wrong", ["another key", "another issuer", "not pem"])
def test_an_import_that_cannot_sign_for_the_issuer_is_refused_and_changes_nothing(
    roles: Roles, runtime: Runtime, engine: Engine, wrong: str
) -> None:
    key = jose.PrivateKey.generate()
    issuer = f"{BASE}/issuers/someone-else" if wrong == "another issuer" else ""
    _, chain_pem = _operator_chain(runtime, issuer or roles.issuer["issuer"], key)
    key_pem = _pem(jose.PrivateKey.generate() if wrong == "another key" else key)
    before = _header(roles.issue_one().issuer_jwt)["kid"]
    with Session(engine) as session:
        tenant = service.tenant_by_slug(session, roles.issuer["slug"])
        with pytest.raises(signing.ImportedKeyInvalid):
            signing.import_key(
                session, runtime, tenant, b"not pem" if wrong == "not pem" else key_pem, chain_pem
            )
        runtime.caches.active_signing_keys.pop(tenant.id)  # as another instance would see it
    assert _header(roles.issue_one().issuer_jwt)["kid"] == before


# --- certificate lifetimes -------------------------------------------------------------------


def _leaf_of(held: Held) -> x509.Certificate:
    return certs.parse_x5c(_header(held.issuer_jwt)["x5c"])[0]


def test_a_leaf_outlives_every_credential_and_is_renewed_before_it_would_not(
    roles: Roles, runtime: Runtime
) -> None:
    first = roles.issue_one()
    leaf = _leaf_of(first)
    assert first.payload["exp"] <= leaf.not_valid_after_utc.timestamp()  # type: ignore[operator]
    roles.clock.advance((signing.SIGNING_DAYS - 20) * DAY)  # within the renewal margin
    renewed = roles.issue_one()
    fresh = _leaf_of(renewed)
    assert fresh.serial_number != leaf.serial_number
    assert certs.public_key_of(fresh) == certs.public_key_of(leaf)  # the same key, certified again
    ttl = runtime.settings.credential_ttl_days * DAY
    assert fresh.not_valid_after_utc.timestamp() >= roles.clock.now() + ttl
    assert renewed.payload["exp"] == roles.clock.now() + ttl  # not cut short


def test_credentials_end_with_an_imported_certificate_which_once_expired_stops_issuance(
    roles: Roles, runtime: Runtime, engine: Engine
) -> None:
    key = jose.PrivateKey.generate()
    now = runtime.clock.now()
    anchor, anchor_key = certs.create_dev_ca("Operatörens CA", now)
    leaf = certs.issue_issuer_certificate(
        anchor, anchor_key, roles.issuer["issuer"], key.public, now, days=30
    )
    with Session(engine) as session:
        tenant = service.tenant_by_slug(session, roles.issuer["slug"])
        signing.import_key(
            session, runtime, tenant, _pem(key), certs.certificate_to_pem(leaf).encode()
        )
    held = roles.issue_one()
    assert held.payload["exp"] == int(leaf.not_valid_after_utc.timestamp())
    roles.clock.advance(31 * DAY)
    with Session(engine) as session:
        tenant = service.tenant_by_slug(session, roles.issuer["slug"])
        runtime.caches.active_signing_keys.pop(tenant.id)
        with pytest.raises(signing.CertificateExpired):
            signing.for_issuance(session, runtime, tenant)


# --- review: pins, crafted chains ------------------------------------------------------------


def _list_pinning(roles: Roles, runtime: Runtime, thumbprint: str) -> None:
    now = roles.clock.now()
    entry = trust_list.issuer_entry(
        roles.issuer["issuer"],
        "YH-akademin",
        [VCT],
        x5c=certs.x5c_chain([ca.load_or_create(runtime)[0]]),
        certificate_thumbprints=[thumbprint],
    )
    document = trust_list.build_trust_list(
        list_id=f"{BASE}/trust-lists/pinned",
        sequence_number=3,
        issued_at=now - 60,
        next_update=now + 86_400,
        operator_name="Test operator",
        entities=[entry],
    )
    roles.install_trust_list(trust_list.sign_trust_list(document, roles.operator_key))


def test_a_pinned_issuer_is_trusted_by_its_pinned_certificate_only(
    roles: Roles, runtime: Runtime
) -> None:
    key, x5c = _certified(roles, runtime)  # another leaf under the CA, naming the issuer
    held = roles.issue_one()
    _list_pinning(roles, runtime, certs.certificate_thumbprint(_leaf_of(held)))
    assert _verify(roles, held.sd_jwt())["verdict"] == "valid"
    forged = _resigned(held, key, x5c=x5c)
    assert_rejected(_verify(roles, forged), "issuer_key", "issuer_certificate_untrusted")


@pytest.mark.parametrize("x5c", [[{}], [["nested"]], ["not base64!"]])
def test_a_crafted_x5c_is_refused_by_name_not_by_a_server_error(
    roles: Roles, runtime: Runtime, x5c: list[object]
) -> None:
    ca_cert = ca.load_or_create(runtime)[0]
    _list_issuer_with(roles, [ca_cert])
    forged = _resigned(roles.issue_one(), jose.PrivateKey.generate(), x5c=x5c)
    assert_rejected(_verify(roles, forged), "issuer_key", "x509_malformed")
