"""Where a verifier's certificate comes from, and which keys may sign trust lists.

Development: a local CA (``INTYG_VERIFIER_CA_DIR``: ``ca.pem`` and the CA key sealed under the
master key in ``ca-key.sealed``) is created on first use and issues each new verifier an
``x509_san_dns`` certificate for its DNS name; wallets trust ``ca.pem``. Production: install
the CA you are given in the same place (or replace a verifier's chain), and point wallets at
the real anchor.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509

from core import jose
from core import x509 as certs
from core.files import write_whole
from core.runtime import Runtime

CA_NAME = "Intyg development verifier CA"


def load_or_create(rt: Runtime) -> tuple[x509.Certificate, jose.PrivateKey]:
    """The development CA, created on first use.

    Creation holds an exclusive lock on ``.create.lock`` in the folder and looks again once it
    has it, so two workers starting together make one CA, not a key from one and a
    certificate from the other. The key is written before the certificate, each file whole
    (written aside, then renamed): a readable ``ca.pem`` means the CA is complete.
    """
    folder = rt.settings.verifier_ca_dir
    cert_file = folder / "ca.pem"
    if not cert_file.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _exclusive(folder / ".create.lock"):
            if not cert_file.exists():
                return _create(rt, folder)
    cert = certs.certificate_from_pem(cert_file.read_bytes())
    key = jose.PrivateKey.from_jwk(
        json.loads(rt.master_key.open((folder / "ca-key.sealed").read_bytes(), "verifier-dev-ca"))
    )
    return cert, key


def _create(rt: Runtime, folder: Path) -> tuple[x509.Certificate, jose.PrivateKey]:
    cert, key = certs.create_dev_ca(CA_NAME, rt.clock.now())
    sealed = rt.master_key.seal(json.dumps(key.private_jwk()).encode(), "verifier-dev-ca")
    write_whole(folder / "ca-key.sealed", sealed, mode=0o600)
    write_whole(folder / "ca.pem", certs.certificate_to_pem(cert).encode(), mode=0o644)
    return cert, key


@contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released when the descriptor closes
        yield
    finally:
        os.close(fd)
