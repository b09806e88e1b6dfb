"""The ``intyg`` command: one line per failure, never a traceback; serve refuses old schemas."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from core.db import create_db_engine
from intyg import cli, migrate
from intyg.commands import common

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


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port that something listens on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_refuses_an_unmigrated_database(cli_env: dict[str, str], tmp_path: Path) -> None:
    sqlite_path(cli_env["INTYG_DATABASE_URL"]).touch()  # there, but never migrated
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
    port = free_port()
    code, _, err = run(capsys, "serve", "--host", "0.0.0.0", "--port", str(port), "--workers", "3")
    assert (code, err) == (0, "")
    assert started == [("0.0.0.0", port, 3)]


def test_serve_on_a_busy_port_is_one_line(
    cli_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    busy_port: int,
) -> None:
    started: list[int] = []
    monkeypatch.setattr(cli, "serve_app", lambda host, port, workers: started.append(port))
    run(capsys, "db", "upgrade")
    code, out, err = run(capsys, "serve", "--port", str(busy_port))
    assert code == 1
    assert_one_error_line(err, "port_in_use")
    assert f"127.0.0.1:{busy_port} is already in use" in err and "--port N" in err
    assert started == []


def test_a_second_demo_on_a_busy_port_changes_nothing(
    cli_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    busy_port: int,
) -> None:
    code, _, err = run(capsys, "demo", "--no-serve")
    assert (code, err) == (0, "")
    engine = create_db_engine(cli_env["INTYG_DATABASE_URL"])
    secrets_query = text(
        "SELECT (SELECT api_key_hash FROM issuer_tenant WHERE slug = 'demo'),"
        " (SELECT api_key_hash FROM verifier_tenant WHERE slug = 'demo-verifier'),"
        " (SELECT password_hash FROM wallet_holder), (SELECT trust_list FROM verifier_tenant)"
    )
    with engine.connect() as connection:
        before = connection.execute(secrets_query).one()
    served: list[int] = []
    monkeypatch.setattr(common, "serve_app", lambda host, port, workers: served.append(port))

    code, out, err = run(capsys, "demo", "--port", str(busy_port))

    assert code == 1
    assert_one_error_line(err, "port_in_use")
    assert "the demo may already be running" in err and "--port N" in err
    assert out == "" and served == []
    with engine.connect() as connection:
        assert connection.execute(secrets_query).one() == before
    engine.dispose()


def test_demo_help_shows_host_and_port(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "--help")
    assert code == 0
    assert "--host" in out and "--port" in out


def test_demo_on_another_port_prints_urls_with_that_port(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INTYG_PUBLIC_URL")
    code, out, err = run(capsys, "demo", "--no-serve", "--port", "8123")
    assert (code, err) == (0, "")
    assert "export INTYG=http://localhost:8123" in out
    assert "issuer:       http://localhost:8123/issuers/demo" in out


@pytest.mark.parametrize(
    "command",
    [
        ("serve",),
        ("issuer", "create", "--slug", "ok", "--name", "X", "--org-number", "556000-0001"),
        ("verify", "credential.sd-jwt"),
        ("trust-list", "install", "--verifier", "v", "list.jwt"),
        ("issuer", "batch", "--slug", "s", "learners.csv", "--out", "offers"),
    ],
)
def test_a_command_never_creates_a_missing_database(
    cli_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: tuple[str, ...],
) -> None:
    (tmp_path / "credential.sd-jwt").write_text("x~")
    (tmp_path / "list.jwt").write_text("x.y.z")
    (tmp_path / "learners.csv").write_text(
        "given_name,family_name,achievement_title,achievement_kind\nAlva,L,Svetsare,course\n"
    )
    monkeypatch.delenv("INTYG_MASTER_KEY")  # the key file is not made either
    monkeypatch.setenv("INTYG_DATABASE_URL", "sqlite:///intyg.db")  # in the working folder
    before = sorted(tmp_path.rglob("*"))

    code, _, err = run(capsys, *command)

    assert code == 2
    assert_one_error_line(err, "database_not_found")
    assert f"no database at {tmp_path.resolve() / 'intyg.db'};" in err
    assert "INTYG_DATABASE_URL" in err and "intyg db upgrade" in err
    assert sorted(tmp_path.rglob("*")) == before  # no .db, no .writer-lock, no .intyg/


def test_database_messages_never_show_a_password() -> None:
    assert common.describe_url("postgresql://intyg:s3cret@db.example:5432/intyg") == (
        "postgresql://intyg:***@db.example:5432/intyg"
    )


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
    sqlite_path(cli_env["INTYG_DATABASE_URL"]).touch()
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
    sqlite_path(cli_env["INTYG_DATABASE_URL"]).touch()
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


def test_demo_prints_sign_in_pages_and_fresh_staff_passwords(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    from core.signin import password_matches

    runs = []
    for _ in range(2):  # the second run resets the passwords of the accounts the first made
        code, out, err = run(capsys, "demo", "--no-serve")
        assert (code, err) == (0, ""), err
        lines = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
        runs.append({label: value.strip() for label, value in lines.items()})
    first, second = runs
    base = "http://localhost:8000"
    assert second["wallet sign-in"] == f"{base}/wallet/sign-in"
    assert second["issuer sign-in"] == f"{base}/issuers/demo/sign-in"
    assert second["verifier sign-in"] == f"{base}/verifiers/demo-verifier/sign-in"
    engine = create_db_engine(cli_env["INTYG_DATABASE_URL"])
    for kind in ("issuer", "verifier"):
        username, password = second[f"{kind} staff"].split("  password ")
        old_password = first[f"{kind} staff"].split("  password ")[1]
        assert password != old_password
        with engine.connect() as connection:
            (stored,) = connection.execute(
                text("SELECT password_hash FROM staff_account WHERE kind = :k AND username = :u"),
                {"k": kind, "u": username},
            ).one()
        assert password_matches(stored, password)
        assert not password_matches(stored, old_password)
    engine.dispose()


@pytest.mark.parametrize(
    ("public_url", "dns"),
    [
        ("http://localhost:8000", "localhost"),
        ("http://127.0.0.1:8000", "localhost"),
        ("https://intyg-demo.example.se", "intyg-demo.example.se"),
        ("https://abc123.trycloudflare.com/", "abc123.trycloudflare.com"),
    ],
)
def test_the_demo_verifier_is_named_by_the_public_host(public_url: str, dns: str) -> None:
    """Behind a public https name, the verifier's certificate (x509_san_dns) names that host,
    or wallets refuse its response_uri (docs/pages.md)."""
    from intyg.commands.demo import demo_verifier_dns

    assert demo_verifier_dns(public_url) == dns
