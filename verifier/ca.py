"""Where a verifier's certificate comes from, and which keys may sign trust lists.

Development: a local CA (``INTYG_VERIFIER_CA_DIR``: ``ca.pem`` and the CA key sealed under the
master key in ``ca-key.sealed``) is created on first use and issues each new verifier an
``x509_san_dns`` certificate for its DNS name; wallets trust ``ca.pem``. Production: install
the CA you are given in the same place (or replace a verifier's chain), and point wallets at
the real anchor.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography import x509

from core import jose
from core import x509 as certs
from core.runtime import Runtime

CA_NAME = "Intyg development verifier CA"


def load_or_create(rt: Runtime) -> tuple[x509.Certificate, jose.PrivateKey]:
    folder = rt.settings.verifier_ca_dir
    cert_file, key_file = folder / "ca.pem", folder / "ca-key.sealed"
    if not cert_file.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        cert, key = certs.create_dev_ca(CA_NAME, rt.clock.now())
        sealed = rt.master_key.seal(json.dumps(key.private_jwk()).encode(), "verifier-dev-ca")
        _write_private(key_file, sealed)
        cert_file.write_text(certs.certificate_to_pem(cert))
        return cert, key
    cert = certs.certificate_from_pem(cert_file.read_bytes())
    key = jose.PrivateKey.from_jwk(
        json.loads(rt.master_key.open(key_file.read_bytes(), "verifier-dev-ca"))
    )
    return cert, key


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
