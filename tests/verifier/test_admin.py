"""``POST /admin/verifiers``: the service admin creates verifier tenants."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.jose import b64url_encode
from tests.e2e.conftest import ADMIN
from tests.verifier.support import bearer, count
from verifier.models import VerifierTenant

GOOD = {
    "slug": "rekrytering",
    "name": "Rekryteringsbolaget AB",
    "organisation_number": "556677-8899",
    "dns_name": "rekrytering.example.se",
}


def create(client: TestClient, headers: dict[str, str] | None = ADMIN, **changes: object):  # noqa: ANN201
    return client.post("/admin/verifiers", json={**GOOD, **changes}, headers=headers)


def test_creates_a_verifier_with_an_x509_san_dns_client_id(
    client: TestClient, engine: Engine, app: FastAPI
) -> None:
    made = create(client, dns_name="Rekrytering.Example.SE", client_id_prefix="x509_san_dns")
    assert made.status_code == 201, made.text
    body = made.json()
    assert set(body) == {"slug", "client_id", "api_key"}
    assert body["slug"] == "rekrytering"
    assert body["client_id"] == "x509_san_dns:rekrytering.example.se"
    assert body["api_key"].startswith("intyg_verifier_")
    with Session(engine) as session:
        tenant = session.exec(select(VerifierTenant)).one()
    assert tenant.organisation_number == "5566778899"
    assert body["api_key"] not in (tenant.api_key_hash, tenant.certificate_chain)
    assert b'"d"' not in tenant.sealed_private
    # the certificate names the DNS name and chains to the development CA
    leaf_pem, ca_pem = tenant.certificate_chain.split("-----END CERTIFICATE-----")[:2]
    leaf = x509.load_pem_x509_certificate((leaf_pem + "-----END CERTIFICATE-----").encode())
    ca_file: Path = app.state.runtime.settings.verifier_ca_dir / "ca.pem"
    ca = x509.load_pem_x509_certificate(ca_file.read_bytes())
    leaf.verify_directly_issued_by(ca)
    sans = leaf.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    assert sans.get_values_for_type(x509.DNSName) == ["rekrytering.example.se"]
    # the API key works for its own verifier
    shown = client.get("/verifiers/rekrytering/trust-list", headers=bearer(body["api_key"]))
    assert shown.status_code != 401


def test_a_new_verifier_is_named_by_its_certificate_hash_by_default(
    client: TestClient, engine: Engine
) -> None:
    """HAIP 1.0's x509_hash: base64url SHA-256 of the DER leaf certificate (OID4VP §5.9.3)."""
    made = create(client)
    assert made.status_code == 201, made.text
    with Session(engine) as session:
        tenant = session.exec(select(VerifierTenant)).one()
    leaf = x509.load_pem_x509_certificates(tenant.certificate_chain.encode())[0]
    digest = hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).digest()
    assert made.json()["client_id"] == "x509_hash:" + b64url_encode(digest)
    assert tenant.client_id_prefix == "x509_hash"


def test_an_unknown_client_id_prefix_is_refused(client: TestClient, engine: Engine) -> None:
    refused = create(client, client_id_prefix="decentralized_identifier")
    assert refused.status_code == 422, refused.text
    assert count(engine, VerifierTenant) == 0


@pytest.mark.parametrize(
    "headers",
    [None, {"Authorization": "Bearer wrong-token"}, {"Authorization": "test-admin-token"}],
    ids=["none", "wrong", "not-bearer"],
)
def test_the_admin_token_is_required(
    client: TestClient, engine: Engine, headers: dict[str, str] | None
) -> None:
    refused = create(client, headers=headers)
    assert refused.status_code == 401, refused.text
    assert count(engine, VerifierTenant) == 0


def test_an_issuer_key_is_not_an_admin_token(client: TestClient, engine: Engine) -> None:
    from tests.helpers import create_issuer

    issuer = create_issuer(client)
    assert create(client, headers=bearer(issuer["api_key"])).status_code == 401
    assert count(engine, VerifierTenant) == 0


def test_a_taken_slug_is_a_conflict(client: TestClient, engine: Engine) -> None:
    assert create(client).status_code == 201
    again = create(client, dns_name="annan.example.se", name="Annan AB")
    assert again.status_code == 409 and again.json()["code"] == "verifier_exists"
    assert count(engine, VerifierTenant) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"dns_name": "not a host"},
        {"dns_name": "https://rekrytering.example.se"},
        {"dns_name": "rekrytering.example.se/path"},
        {"dns_name": "-bad-.example.se"},
        {"dns_name": "x" * 64 + ".example.se"},
        {"dns_name": ""},
        {"organisation_number": "556677-8898"},  # check digit wrong
        {"organisation_number": "abcdefghij"},
        {"organisation_number": "5566"},
        {"slug": "Stora Bokstäver"},
        {"slug": "-dash"},
        {"name": "   "},
    ],
    ids=lambda c: f"{next(iter(c))}={next(iter(c.values()))[:20]!s}",
)
def test_bad_input_is_refused(client: TestClient, engine: Engine, changes: dict[str, str]) -> None:
    refused = create(client, **changes)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "invalid_input"
    assert count(engine, VerifierTenant) == 0


def test_unknown_members_are_refused(client: TestClient, engine: Engine) -> None:
    refused = create(client, client_id="x509_san_dns:elsewhere.example.se")
    assert refused.status_code == 422
    assert count(engine, VerifierTenant) == 0
