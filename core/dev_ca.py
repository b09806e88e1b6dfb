"""A development CA kept in a folder: ``ca.pem`` and its key sealed under the master key in
``ca-key.sealed``, created on first use. The verifier's (``verifier.ca``) issues verifier
certificates, the issuer's (``issuer.ca``) issuer certificates; in production the operator
installs the CA it is given in the same place (or imports certificates another way).

Creation holds an exclusive lock on ``.create.lock`` in the folder and looks again once it has
it, so two workers starting together make one CA, not a key from one and a certificate from
the other. The key is written before the certificate, each file whole (written aside, then
renamed): a readable ``ca.pem`` means the CA is complete.
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


def load_or_create(
    rt: Runtime, folder: Path, name: str, label: str
) -> tuple[x509.Certificate, jose.PrivateKey]:
    """The CA in ``folder`` (its key sealed with ``label`` as associated data), created on
    first use with ``name`` as its subject."""
    cert_file = folder / "ca.pem"
    if not cert_file.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _exclusive(folder / ".create.lock"):
            if not cert_file.exists():
                return _create(rt, folder, name, label)
    cert = certs.certificate_from_pem(cert_file.read_bytes())
    key = jose.PrivateKey.from_jwk(
        json.loads(rt.master_key.open((folder / "ca-key.sealed").read_bytes(), label))
    )
    return cert, key


def _create(
    rt: Runtime, folder: Path, name: str, label: str
) -> tuple[x509.Certificate, jose.PrivateKey]:
    cert, key = certs.create_dev_ca(name, rt.clock.now())
    sealed = rt.master_key.seal(json.dumps(key.private_jwk()).encode(), label)
    write_whole(folder / "ca-key.sealed", sealed, mode=0o600)
    write_whole(folder / "ca.pem", certs.certificate_to_pem(cert).encode(), mode=0o644)
    return cert, key


def load_or_create_key(rt: Runtime, folder: Path, label: str) -> jose.PrivateKey:
    """A signing key alone (no certificate) in ``folder``/``key.sealed``, sealed with
    ``label`` as associated data, created on first use under the same lock as a CA."""
    key_file = folder / "key.sealed"
    if not key_file.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _exclusive(folder / ".create.lock"):
            if not key_file.exists():
                key = jose.PrivateKey.generate()
                sealed = rt.master_key.seal(json.dumps(key.private_jwk()).encode(), label)
                write_whole(key_file, sealed, mode=0o600)
                return key
    return jose.PrivateKey.from_jwk(json.loads(rt.master_key.open(key_file.read_bytes(), label)))


@contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released when the descriptor closes
        yield
    finally:
        os.close(fd)
