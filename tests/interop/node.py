"""Run a Node driver of ``tests/interop`` on a batch of cases.

Each driver (``<name>.mjs``) reads ``{"cases": [...]}`` as JSON on stdin and writes one answer
per case, in order, as a JSON list on stdout: ``{"ok": true, ...}`` or ``{"ok": false, "error":
"..."}`` when the npm library refused the case (a refusal is an outcome the tests assert on).
Anything else — no node, no packages, a crash, a timeout, not JSON — fails the test with a
message that says what to do; it is never a skip (the tests run in CI).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SETUP = "scripts/ensure-node.sh (./run-tests sources it: apt-get nodejs npm, then npm ci)"
TIMEOUT_SECONDS = 120  # a loaded 2-core machine; one batch is a few seconds at most


def node_binary() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.fail(f"no node on PATH: the interop tests need Debian's nodejs; run {SETUP}")
    if not (HERE / "node_modules" / ".package-lock.json").is_file():
        pytest.fail(f"no {HERE / 'node_modules'}: install the pinned npm packages with {SETUP}")
    return found


def run(driver: str, cases: list[dict[str, object]]) -> list[dict[str, object]]:
    """The answers of ``driver`` (``tests/interop/<driver>.mjs``) to ``cases``."""
    script = HERE / f"{driver}.mjs"
    try:
        done = subprocess.run(
            [node_binary(), str(script)],
            input=json.dumps({"cases": cases}),
            capture_output=True,
            text=True,
            cwd=HERE,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{script.name} did not answer within {TIMEOUT_SECONDS} s")
    if done.returncode != 0:
        pytest.fail(f"{script.name} exited with {done.returncode}:\n{done.stderr[-4000:]}")
    try:
        answers = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"{script.name} wrote no JSON:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    assert isinstance(answers, list) and len(answers) == len(cases), answers
    return answers


def ok(answer: dict[str, object]) -> dict[str, object]:
    """An answer that must be a success, with the library's error in the failure message."""
    assert answer["ok"] is True, f"the npm library refused: {answer.get('error')}"
    return answer


def refused(answer: dict[str, object]) -> str:
    """An answer that must be a refusal; its message."""
    assert answer["ok"] is False, f"the npm library accepted what it should refuse: {answer}"
    return str(answer["error"])
