"""``docs/tutorial.md`` works: its bash blocks, run in order in one bash process, against a
real ``intyg demo`` server (on a free loopback port, with its own database and key files).

The server listens on 127.0.0.1 and is addressed as ``localhost`` (INTYG_PUBLIC_URL), as the
demo's verifier's certificate names ``localhost``.
Both run in a scratch git checkout that ignores what the repository ignores, so the test can
tell that the tutorial leaves no new file behind.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import wait_until_serving

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = REPO / "docs" / "tutorial.md"
BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.DOTALL | re.MULTILINE)

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("bash", "curl", "git")),
    reason="needs bash, curl and git",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tutorial_blocks() -> list[str]:
    return BASH_BLOCK.findall(TUTORIAL.read_text(encoding="utf-8"))


def clean_environment(folder: Path, base: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTYG_")}
    env.update(
        {
            "INTYG_DATABASE_URL": f"sqlite:///{folder / 'intyg.db'}",
            "INTYG_PUBLIC_URL": base,
            "PYTHONPATH": str(REPO),
            "PYTHONUNBUFFERED": "1",
            "TMPDIR": str(folder.parent),  # the tutorial's temporary files, cleaned up with it
            # the venv's `intyg` first, then whatever the machine has
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        }
    )
    return env


def untracked_files(checkout: Path) -> list[str]:
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    )
    return status.stdout.splitlines()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """An empty git checkout that ignores what the repository's .gitignore ignores."""
    folder = tmp_path / "checkout"
    folder.mkdir()
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    shutil.copyfile(REPO / ".gitignore", folder / ".git" / "info" / "exclude")
    assert untracked_files(folder) == []
    return folder


@pytest.fixture
def demo_server(tmp_path: Path, checkout: Path) -> Iterator[tuple[dict[str, str], list[str]]]:
    """``intyg demo`` serving; yields the environment and the ``export`` lines it printed."""
    port = free_port()
    base = f"http://localhost:{port}"
    env = clean_environment(checkout, base)
    out, err = (tmp_path / "demo.out").open("wb"), (tmp_path / "demo.err").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "intyg", "demo", "--port", str(port)],
        cwd=checkout,
        env=env,
        stdout=out,
        stderr=err,
    )
    try:
        wait_until_serving(base, process, log=tmp_path / "demo.err")
        printed = (tmp_path / "demo.out").read_text(encoding="utf-8")
        exports = [line for line in printed.splitlines() if line.startswith("export ")]
        yield env, exports
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        out.close()
        err.close()


def test_the_tutorial_runs_as_written(
    demo_server: tuple[dict[str, str], list[str]], checkout: Path
) -> None:
    env, exports = demo_server
    assert [line.split("=", 1)[0] for line in exports] == [
        "export INTYG",
        "export ISSUER_KEY",
        "export VERIFIER_KEY",
        "export WALLET_USER",
        "export WALLET_PASSWORD",
    ]
    blocks = tutorial_blocks()
    assert len(blocks) >= 8
    script = "\n".join(["set -euo pipefail", *exports, *blocks])
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout
    assert done.returncode == 0, f"stdout:\n{output[-3000:]}\nstderr:\n{done.stderr[-3000:]}"

    # step 5: fulfilled, with exactly the approved selectively disclosable claims
    first, _, after_revocation = output.partition("\nINVALID\n")
    assert "request: fulfilled" in first
    claims_line = next(line for line in first.splitlines() if line.startswith("claims:"))
    assert '"given_name": "Alva"' in claims_line and '"assessment_grade": "VG"' in claims_line
    assert "birthdate" not in claims_line and "learner_identification" not in claims_line
    # step 6: the exported credential verifies
    assert "verdict:  VALID" in first
    # step 7: revoked, rejected by the status check; the file no longer verifies
    assert "request: rejected" in after_revocation
    assert "failed check: status" in after_revocation
    assert "code: credential_revoked" in after_revocation
    assert "verdict:  INVALID" in after_revocation
    assert "exit status 1" in after_revocation
    assert "error: credential_invalid: the status check failed" in done.stderr
    # the demo's files are ignored; the tutorial wrote nothing else into the checkout
    assert untracked_files(checkout) == []
