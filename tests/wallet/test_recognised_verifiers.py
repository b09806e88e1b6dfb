"""The wallet recognises verifiers from a signed trust list (the verifier's format, kind
"verifier"): a request shows whether its verifier is listed; a listed verifier whose
certificate is not the pinned one is refused; with the strict setting, unlisted ones too."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient

from core import jose
from core.caches import Caches
from core.runtime import Runtime
from core.standards import trust_list
from intyg.app import create_app
from tests.wallet.conftest import BASE, sign_up_and_in
from tests.wallet.verifier_double import CLIENT_ID, VerifierDouble

QUERY = {
    "credentials": [
        {
            "id": "any",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": ["http://localhost:8000/types/skill-credential"]},
        }
    ]
}


def client_with(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path, entities: list, **settings: object
) -> TestClient:
    operator = jose.PrivateKey.generate()
    (tmp_path / "operator.jwks").write_text(json.dumps({"keys": [dict(operator.public.jwk)]}))
    now = runtime.clock.now()
    token = trust_list.sign_trust_list(
        trust_list.build_trust_list(
            list_id="https://wallet.example/recognised",
            operator_name="Wallet operator",
            issued_at=now - 60,
            next_update=now + 3600,
            entities=entities,
        ),
        operator,
    )
    (tmp_path / "verifiers.jwt").write_text(token)
    anchors = tmp_path / "anchors.pem"
    anchors.write_bytes(double.ca_pem())
    holder: dict[str, object] = {}
    updated = runtime.settings.model_copy(
        update={
            "wallet_trust_anchors": anchors,
            "trust_list_operator_keys": tmp_path / "operator.jwks",
            "wallet_recognised_verifiers": str(tmp_path / "verifiers.jwt"),
            **settings,
        }
    )
    app = create_app(
        runtime=dataclasses.replace(
            runtime,
            settings=updated,
            http=lambda: TestClient(holder["app"], base_url=BASE),
            caches=Caches(),  # the list file may have been rewritten since the last app
        )
    )  # type: ignore[arg-type]
    app.include_router(double.router())
    holder["app"] = app
    return TestClient(app, base_url=BASE)


def ask(client: TestClient, double: VerifierDouble) -> httpx.Response:
    auth = sign_up_and_in(client)
    return client.post(
        "/wallet/presentation-requests", json={"request": double.new_request(QUERY)}, headers=auth
    )


def thumbprint(double: VerifierDouble) -> str:
    import base64
    import hashlib

    der = double.leaf.public_bytes(serialization.Encoding.DER)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def test_listed_verifier_is_recognised_by_its_listed_name(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path
) -> None:
    entities = [
        trust_list.verifier_entry(
            CLIENT_ID, "Listade arbetsgivaren", certificate_thumbprints=[thumbprint(double)]
        )
    ]
    with client_with(runtime, double, tmp_path, entities) as client:
        view = ask(client, double)
    assert view.status_code == 201, view.text
    assert view.json()["verifier"]["recognised"] is True
    assert view.json()["verifier"]["listed_name"] == "Listade arbetsgivaren"


def test_unlisted_verifier_is_shown_as_not_recognised(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path
) -> None:
    entities = [trust_list.verifier_entry("x509_san_dns:other.example", "Annan")]
    with client_with(runtime, double, tmp_path, entities) as client:
        view = ask(client, double)
    assert view.status_code == 201 and view.json()["verifier"]["recognised"] is False


def test_unlisted_verifier_is_refused_when_the_wallet_requires_recognition(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path
) -> None:
    entities = [trust_list.verifier_entry("x509_san_dns:other.example", "Annan")]
    with client_with(
        runtime, double, tmp_path, entities, wallet_require_recognised_verifier=True
    ) as client:
        view = ask(client, double)
    assert view.status_code == 403 and view.json()["code"] == "verifier_not_recognised"


@pytest.mark.parametrize("pinned", ["A" * 43])
def test_listed_verifier_with_another_certificate_is_refused(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path, pinned: str
) -> None:
    entities = [trust_list.verifier_entry(CLIENT_ID, "Listad", certificate_thumbprints=[pinned])]
    with client_with(runtime, double, tmp_path, entities) as client:
        view = ask(client, double)
    assert view.status_code == 403 and view.json()["code"] == "verifier_not_recognised"


@pytest.mark.parametrize("listed", [True, False], ids=["listed", "unlisted"])
def test_only_a_recognised_verifier_is_told_the_wallet_cannot_encrypt(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path, listed: bool
) -> None:
    """§8.3.1 lets the wallet say so in the clear; with the strict setting it talks to no
    verifier off its list, so an unlisted one hears nothing."""
    double.encryption = ["A128CBC-HS256"]
    name = CLIENT_ID if listed else "x509_san_dns:other.example"
    entities = [trust_list.verifier_entry(name, "Arbetsgivaren")]
    with client_with(
        runtime, double, tmp_path, entities, wallet_require_recognised_verifier=True
    ) as client:
        refused = ask(client, double)
    assert refused.status_code == 400
    assert refused.json()["code"] == "oid4vp_response_encryption_unsupported"
    told = [double.received[posted].error for posted in double.posts]
    assert told == (["invalid_request"] if listed else [])
