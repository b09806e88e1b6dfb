"""``intyg verify FILE`` with a published SD-JWT VC whose header names no ``kid``.

Vector: ``ietf-sd-jwt-vc/examples.json`` §2.3.2 (the presentation without key binding) and
``issuer_public_jwk.json`` (provenance in ``SOURCES.md`` beside them). The issuer's JWT VC
Issuer Metadata, publishing that key as given (no ``kid``), is served in process; the CLI's
outbound HTTP is routed there (``in_process_http``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import APIRouter, Request
from fastapi.testclient import TestClient

from core.standards import sd_jwt_vc
from tests.test_cli_commands import (  # noqa: F401  (fixtures)
    cli_env,
    create_verifier,
    in_process_http,
    run,
)
from tests.vectorpath import VECTORS

VC_DIR = VECTORS / "ietf-sd-jwt-vc"
ISSUER = "https://example.com/issuer"


def serve_issuer_metadata(client: TestClient, jwk: dict[str, object]) -> None:
    router = APIRouter()

    @router.get("/.well-known/jwt-vc-issuer/issuer")
    def metadata(request: Request) -> dict[str, object]:
        assert request.headers["host"] == "example.com"
        return sd_jwt_vc.issuer_metadata(ISSUER, [jwk])

    client.app.include_router(router)  # type: ignore[attr-defined]


def install_trust_list(capsys: pytest.CaptureFixture[str], tmp_path: Path, vct: str) -> None:
    key, document, token = (tmp_path / n for n in ("op.jwk", "list.json", "list.jwt"))
    steps = [
        ("trust-list", "keygen", "--out", str(key)),
        ("trust-list", "create", "--issuer", ISSUER, "Example", vct, "--out", str(document)),
        ("trust-list", "sign", str(document), "--key", str(key), "--out", str(token)),
        ("trust-list", "install", "--verifier", "employer", str(token)),
    ]
    for step in steps:
        code, _, err = run(capsys, *step)
        assert (code, err) == (0, ""), (step, err)


def test_cli_verify_sd_jwt_vc_2_3_2_without_kid(
    in_process_http: TestClient,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    examples = json.loads((VC_DIR / "examples.json").read_text())["examples"]
    example = next(e for e in examples if e["id"] == "2.3.2-presentation-nokb-2")
    assert "kid" not in example["issuer_signed_jwt_header"]
    serve_issuer_metadata(
        in_process_http, json.loads((VC_DIR / "issuer_public_jwk.json").read_text())
    )
    monkeypatch.setenv("INTYG_FETCH_ALLOWED_HOSTS", '["example.com"]')  # connected by name
    create_verifier(capsys)
    install_trust_list(capsys, tmp_path, "https://credentials.example.com/identity_credential")
    presentation = tmp_path / "vector.sd-jwt"
    presentation.write_text(example["sd_jwt"] + "\n")

    code, out, err = run(capsys, "verify", str(presentation))

    assert (code, err) == (0, ""), out
    result = json.loads(out)
    assert result["verdict"] == "valid"
    assert result["issuer"] == {"id": ISSUER, "name": "Example", "trusted": True}
    assert result["claims"] == {
        k: v for k, v in example["expected_processed_payload"].items() if k != "cnf"
    }
