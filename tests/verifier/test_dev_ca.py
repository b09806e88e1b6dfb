"""The development CA (``verifier.ca``): made once, whole, however many workers start at once."""

from __future__ import annotations

import secrets
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

from core import jose
from core import x509 as certs
from core.clock import FixedClock
from core.crypto import MasterKey
from tests.conftest import FIXED_NOW
from verifier import ca


def runtime(folder: Path, master_key: MasterKey) -> SimpleNamespace:
    """What ``ca.load_or_create`` reads of a Runtime."""
    return SimpleNamespace(
        settings=SimpleNamespace(verifier_ca_dir=folder),
        clock=FixedClock(FIXED_NOW),
        master_key=master_key,
    )


def test_workers_starting_together_make_one_ca_whose_key_matches_its_certificate(
    tmp_path: Path,
) -> None:
    rt = runtime(tmp_path / "ca", MasterKey(secrets.token_bytes(32)))
    barrier = threading.Barrier(8)

    def start() -> tuple[bytes, jose.PrivateKey]:
        barrier.wait()
        cert, key = ca.load_or_create(rt)  # type: ignore[arg-type]
        return cert.fingerprint(cert.signature_hash_algorithm), key  # type: ignore[arg-type]

    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda _: start(), range(8)))
    assert len({fingerprint for fingerprint, _ in made}) == 1
    assert len({key.kid for _, key in made}) == 1
    cert, key = ca.load_or_create(rt)  # type: ignore[arg-type]
    assert certs.public_key_of(cert).kid == key.kid  # the certificate is the key's
    assert key.kid == made[0][1].kid


def test_the_ca_files_are_whole_and_only_the_key_is_private(tmp_path: Path) -> None:
    folder = tmp_path / "ca"
    ca.load_or_create(runtime(folder, MasterKey(secrets.token_bytes(32))))  # type: ignore[arg-type]
    names = sorted(p.name for p in folder.iterdir())
    assert names == [".create.lock", "ca-key.sealed", "ca.pem"]  # no temporary file left
    assert stat.S_IMODE((folder / "ca-key.sealed").stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "ca.pem").stat().st_mode) == 0o644
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
