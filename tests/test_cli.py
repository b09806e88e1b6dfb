"""The ``intyg`` command: one line per failure, never a traceback; serve refuses old schemas."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from core.db import create_db_engine
from intyg import cli, migrate

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, master_key_text: str, tmp_sqlite_url: str
) -> dict[str, str]:
    """A clean INTYG_ environment in a scratch directory, on an empty SQLite file."""
    for name in list(os.environ):
        if name.startswith("INTYG_") and name != "INTYG_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    env = {
        "INTYG_DATABASE_URL": tmp_sqlite_url,
        "INTYG_PUBLIC_URL": "http://localhost:8000",
        "INTYG_MASTER_KEY": master_key_text,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        cli.main(list(args))
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


def assert_one_error_line(err: str, code: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: {code}: "), err
    assert "Traceback" not in err


def test_serve_refuses_an_unmigrated_database(cli_env: dict[str, str], tmp_path: Path) -> None:
    # A real process: what the operator sees, exit status and all.
    env = {**os.environ, **cli_env, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "intyg", "serve", "--port", "8999"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert_one_error_line(done.stderr, "database_not_migrated")
    assert "run `intyg db upgrade`" in done.stderr
    assert done.stdout == ""


def test_db_upgrade_migrates_then_reports_head(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    head = migrate.head_revision()
    code, out, err = run(capsys, "db", "upgrade")
    assert (code, err) == (0, "")
    assert f"migrated from (empty) to {head}" in out
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0
    assert f"already at revision {head}" in out


def test_serve_starts_on_a_current_database(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[tuple[str, int, int]] = []
    monkeypatch.setattr(
        cli, "serve_app", lambda host, port, workers: started.append((host, port, workers))
    )
    run(capsys, "db", "upgrade")
    code, _, err = run(capsys, "serve", "--host", "0.0.0.0", "--port", "8123", "--workers", "3")
    assert (code, err) == (0, "")
    assert started == [("0.0.0.0", 8123, 3)]


def test_serve_refuses_a_database_from_a_newer_intyg(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    engine = create_db_engine(cli_env["INTYG_DATABASE_URL"])
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    engine.dispose()
    code, _, err = run(capsys, "serve")
    assert code == 2
    assert_one_error_line(err, "database_too_new")
    code, _, err = run(capsys, "db", "upgrade")
    assert code == 1
    assert_one_error_line(err, "database_too_new")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("INTYG_PUBLIC_URL", "http://example.com"),
        ("INTYG_STATUS_LIST_BITS", "3"),
        ("INTYG_MASTER_KEY", "dG9vIHNob3J0"),
    ],
)
def test_bad_settings_are_one_line(
    cli_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    value: str,
) -> None:
    monkeypatch.setenv(name, value)
    code, _, err = run(capsys, "serve")
    assert code == 1
    assert err.startswith("error: ")
    assert_one_error_line(err, err.split(":")[1].strip())
    assert value not in err or name == "INTYG_PUBLIC_URL"  # a secret is never echoed


def test_unreachable_database_is_one_line(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTYG_DATABASE_URL", "sqlite:////nonexistent-dir/intyg.db")
    code, _, err = run(capsys, "db", "upgrade")
    assert code == 1
    assert_one_error_line(err, "database_unavailable")


def test_usage_errors_are_one_line(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "issuer", "create", "--slug", "x")
    assert code == 2
    assert_one_error_line(err, "usage")
    code, _, err = run(capsys, "serve", "--port", "not-a-port")
    assert code == 2
    assert_one_error_line(err, "usage")


def test_issuer_create_prints_the_api_key_once(
    cli_env: dict[str, str],
    database_url: str,
    engine: Engine,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTYG_DATABASE_URL", database_url)
    args = (
        "issuer",
        "create",
        "--slug",
        "yh-norr",
        "--name",
        "YH Norr",
        "--org-number",
        "556000-0001",
    )
    code, out, err = run(capsys, *args)
    assert (code, err) == (0, "")
    assert "slug:     yh-norr" in out
    assert "issuer:   http://localhost:8000/" in out
    key_lines = [line for line in out.splitlines() if line.startswith("API key:")]
    assert len(key_lines) == 1
    api_key = key_lines[0].split(":", 1)[1].strip()
    assert len(api_key) >= 32
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT api_key_hash FROM issuer_tenant")).scalar_one()
    assert api_key not in stored

    code, out, err = run(capsys, *args)
    assert code == 1
    assert_one_error_line(err, "conflict" if "conflict" in err else err.split(":")[1].strip())
    assert api_key not in out + err


def test_issuer_create_rejects_bad_input_in_one_line(
    cli_env: dict[str, str],
    database_url: str,
    engine: Engine,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTYG_DATABASE_URL", database_url)
    code, out, err = run(
        capsys,
        "issuer",
        "create",
        "--slug",
        "Bad Slug!",
        "--name",
        "X",
        "--org-number",
        "556000-0001",
    )
    assert code == 1
    assert_one_error_line(err, "invalid_input")
    code, out, err = run(
        capsys, "issuer", "create", "--slug", "ok", "--name", "X", "--org-number", "556000-0002"
    )
    assert code == 1
    assert_one_error_line(err, "invalid_input")
    assert "API key" not in out


def test_issuer_create_on_an_unmigrated_database_names_the_fix(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "issuer", "create", "--slug", "ok", "--name", "X", "--org-number", "556000-0001"
    )
    assert code == 2
    assert_one_error_line(err, "database_not_migrated")
    assert "run `intyg db upgrade`" in err


def test_demo_sets_up_and_re_keys_the_demo_issuer(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    keys = []
    for _ in range(2):
        code, out, err = run(capsys, "demo", "--no-serve")
        assert (code, err) == (0, "")
        assert "issuer slug:  demo" in out
        keys.append(
            next(
                line.split(":", 1)[1].strip()
                for line in out.splitlines()
                if line.startswith("API key:")
            )
        )
    assert keys[0] != keys[1]
