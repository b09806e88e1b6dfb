"""The soak, in a short form, on the embedded default: one ``intyg serve`` with two workers
on a SQLite file, four drivers running the whole flow (offer, redeem, request, read, approve,
status, delete) at once for 30 seconds.

The test suite's client serves one request at a time; this is where requests meet: the
wallet fetching from the issuer on the same server, two workers taking turns at SQLite's one
writer lock. It guards against the deadlock an earlier version had (a route on the event loop
waiting for a writer lock that only the loop could release): the run must finish with no
errors and every credential accounted for.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_whole_flow_under_concurrent_load_on_sqlite() -> None:
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "soak.py"),
            *("--workers", "2", "--concurrency", "4", "--minutes", "0.5", "--warmup", "5"),
            # 25 s after a 5 s warm-up measure the end of warming up, not a leak.
            *("--max-growth", "50"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"[-6000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["database"] == "sqlite" and figures["ok"] is True
    assert figures["errors"] == 0, figures["errors_by_step"]
    assert figures["flows_measured"] > 0
    audit = figures["audit"]
    assert audit["duplicated"] == 0 and audit["lost"] == 0 and audit["unexplained"] == 0
    assert audit["credentials"] == audit["successful_redemptions"] == figures["flows_total"]
