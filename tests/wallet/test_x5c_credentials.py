"""The wallet keeps an ``x5c``-signed credential (HAIP 1.0 §6.1.1) only when its chain leads to
the certificates its trust list gives the issuer — or, without such an entry, when the
issuer's metadata names the same key by the header's ``kid``."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509

from core import x509 as certs
from core.runtime import Runtime
from core.standards import trust_list
from issuer import ca
from tests.helpers import create_issuer, learner_claims
from tests.wallet.conftest import BASE, sign_up_and_in
from tests.wallet.test_recognised_verifiers import client_with
from tests.wallet.verifier_double import VerifierDouble

VCT = f"{BASE}/types/skill-credential"
ISSUER = f"{BASE}/issuers/yh-akademin"


def _receive(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path, anchors: list[x509.Certificate]
) -> dict[str, object]:
    entry = trust_list.issuer_entry(ISSUER, "YH-akademin", [VCT], x5c=certs.x5c_chain(anchors))
    client = client_with(runtime, double, tmp_path, [entry])
    issuer = create_issuer(client)
    assert issuer["issuer"] == ISSUER
    offer = client.post(
        "/issuers/yh-akademin/admin/offers",
        json={"claims": learner_claims()},
        headers={"Authorization": f"Bearer {issuer['api_key']}"},
    ).json()
    received = client.post(
        "/wallet/offers", json={"offer": offer["credential_offer"]}, headers=sign_up_and_in(client)
    )
    return {**received.json(), "http_status": received.status_code}


def test_a_credential_whose_chain_leads_to_the_listed_ca_is_kept(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path
) -> None:
    received = _receive(runtime, double, tmp_path, [ca.load_or_create(runtime)[0]])
    assert received["http_status"] == 201 and received["status"] == "VALID", received


def test_a_credential_whose_chain_leads_elsewhere_is_refused(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path
) -> None:
    other, _ = certs.create_dev_ca("Another CA", runtime.clock.now())
    received = _receive(runtime, double, tmp_path, [other])
    assert received["code"] == "credential_rejected", received
    assert "x509_chain_invalid" in str(received["detail"])
