"""Fixtures of the interop tests: the one-process app of ``tests.e2e`` (issuer, wallet and
verifier, outbound HTTP routed back into the app), beside an ``Outside`` router that plays the
hosts of the independent implementations: it serves what a test puts there (an npm verifier's
request object, an npm issuer's JWT VC Issuer Metadata) and records what is posted to it (an
Intyg wallet's answer). The wallet trusts the test CA that ``ca`` made (and no other)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.testclient import TestClient
from jwcrypto import jwk

from core import jose
from core.clock import FixedClock
from core.runtime import Runtime
from tests.e2e.conftest import (  # noqa: F401  (fixtures)
    BASE,
    client,
    one_process_app,
    operator_key,
)
from tests.verifier.conftest import roles  # noqa: F401  (an Intyg issuer, a verifier trusting it)
from tests.wallet.verifier_double import make_ca_and_leaf

OUTSIDE = "/interop"  # the path under which the independent implementations live


@dataclass
class Outside:
    served: dict[str, tuple[str, str]] = field(default_factory=dict)  # path: (body, media type)
    posted: dict[str, dict[str, str]] = field(default_factory=dict)  # path: form

    def serve(self, path: str, body: str, media_type: str) -> str:
        self.served[path] = (body, media_type)
        return BASE + path

    def router(self) -> APIRouter:
        router = APIRouter()

        async def get(request: Request) -> Response:
            if request.url.path not in self.served:
                return Response("not here", status_code=404)
            body, media_type = self.served[request.url.path]
            return Response(body, media_type=media_type)

        async def post(request: Request) -> Response:
            self.posted[request.url.path] = dict(parse_qsl((await request.body()).decode()))
            return Response("{}", media_type="application/json")

        router.add_api_route(OUTSIDE + "/{rest:path}", get, methods=["GET"])
        router.add_api_route("/.well-known/jwt-vc-issuer" + OUTSIDE + "/{rest:path}", get)
        router.add_api_route(OUTSIDE + "/{rest:path}", post, methods=["POST"])
        return router


@dataclass(frozen=True)
class VerifierCa:
    """A CA, and a leaf certificate for ``localhost`` with its key: what an npm verifier
    signs its requests with (x5c)."""

    ca: x509.Certificate
    leaf: x509.Certificate
    leaf_key: ec.EllipticCurvePrivateKey

    def ca_pem(self) -> str:
        return self.ca.public_bytes(serialization.Encoding.PEM).decode()

    def x5c(self) -> list[str]:
        return [base64.b64encode(self.leaf.public_bytes(serialization.Encoding.DER)).decode()]

    def leaf_private_jwk(self) -> dict[str, object]:
        pem = self.leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return json.loads(jwk.JWK.from_pem(pem).export_private())


@pytest.fixture
def ca(clock: FixedClock) -> VerifierCa:
    return VerifierCa(*make_ca_and_leaf(clock.now()))


@pytest.fixture
def outside() -> Outside:
    return Outside()


@pytest.fixture
def app(
    runtime: Runtime,
    tmp_path: Path,
    operator_key: jose.PrivateKey,  # noqa: F811
    outside: Outside,
    ca: VerifierCa,
) -> FastAPI:
    anchors = tmp_path / "wallet-anchors.pem"
    anchors.write_text(ca.ca_pem())
    application = one_process_app(
        runtime, tmp_path, lambda app: TestClient(app, base_url=BASE), wallet_trust_anchors=anchors
    )
    application.include_router(outside.router())  # the app's outbound HTTP reaches it too
    return application
