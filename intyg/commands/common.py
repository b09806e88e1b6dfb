"""What every command shares: the one-line failure, settings, the runtime, the database and
schema checks, private files, and serving (after a check that the port is free)."""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.engine import URL, Engine, make_url

from core.config import Settings
from core.runtime import Runtime
from intyg import migrate
from intyg.runtime import build_runtime

APP_FACTORY = "intyg.app:create_app"

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NEEDS_MIGRATION = 2


class CliFailure(Exception):
    """A failure the CLI reports as one line, with its own code and exit status."""

    def __init__(self, code: str, detail: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.exit_code = exit_code


def load_settings() -> Settings:
    """Settings from the environment, checked; a bad value is one ``invalid_settings`` line."""
    try:
        return Settings().checked()
    except ValidationError as exc:
        problems = "; ".join(
            f"INTYG_{'_'.join(str(part) for part in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise CliFailure("invalid_settings", problems) from None
    except ValueError as exc:  # Settings.checked(): the public URL
        raise CliFailure("invalid_settings", f"INTYG_PUBLIC_URL: {exc}") from None


def load_runtime() -> Runtime:
    return build_runtime(load_settings())


@contextmanager
def migrated_runtime() -> Iterator[Runtime]:
    """The runtime of a command that works on the database: refused unless it is current."""
    require_existing_database(load_settings())
    runtime = load_runtime()
    try:
        require_current_schema(runtime.engine)
        yield runtime
    finally:
        runtime.engine.dispose()


def describe_database(engine: Engine) -> str:
    return describe_url(engine.url)


def describe_url(url: str | URL) -> str:
    """The database as an operator finds it: a SQLite file's absolute path, else the URL
    without its password."""
    path = sqlite_file(url)
    if path is not None:
        return str(path.resolve())
    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str | URL) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database or another engine."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # a URI filename (as core.db: no writer lock either)
        return None
    return Path(database)


def require_existing_database(settings: Settings) -> None:
    """Refuse, before anything is created, a SQLite file that does not exist.

    Opening it would create an empty database (and its writer lock) wherever the command
    happens to run; the operator most likely meant another folder or another URL.
    """
    path = sqlite_file(settings.database_url)
    if path is None or path.exists():
        return
    raise CliFailure(
        "database_not_found",
        f"no database at {path.resolve()}; set INTYG_DATABASE_URL to the database you mean "
        "(or run this in its folder), or create one here with `intyg db upgrade`",
        EXIT_NEEDS_MIGRATION,
    )


def require_current_schema(engine: Engine) -> None:
    """Refuse to work on a database that is not at this version's head revision."""
    current = migrate.current_revision(engine)
    head = migrate.head_revision()
    if current == head:
        return
    if current is None:
        raise CliFailure(
            "database_not_migrated",
            f"{describe_database(engine)} has no Intyg schema; run `intyg db upgrade`",
            EXIT_NEEDS_MIGRATION,
        )
    if not migrate.is_known_revision(current):
        raise CliFailure(
            "database_too_new",
            f"the database is at revision {current}, unknown to this version of Intyg "
            f"(head {head}); upgrade Intyg",
            EXIT_NEEDS_MIGRATION,
        )
    raise CliFailure(
        "database_out_of_date",
        f"the database is at revision {current}, this version needs {head}; run `intyg db upgrade`",
        EXIT_NEEDS_MIGRATION,
    )


def run_upgrade(engine: Engine) -> tuple[str | None, str | None]:
    current = migrate.current_revision(engine)
    if current is not None and not migrate.is_known_revision(current):
        raise CliFailure(
            "database_too_new",
            f"the database is at revision {current}, unknown to this version of Intyg; "
            "upgrade Intyg",
        )
    return migrate.upgrade(engine)


def write_private(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write a file that only its owner may read (mode 0600 from the first byte)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def require_free_port(host: str, port: int, *, hint: str) -> None:
    """Refuse a port that something already listens on, before anything else changes.

    ``hint`` names what to do about it. A test bind, with SO_REUSEADDR as uvicorn uses:
    only a listening socket (not one in TIME_WAIT) makes it fail.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        raise CliFailure("usage", f"--host {host}: not an address of this machine", 2) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CliFailure(
                    "port_in_use", f"{host}:{port} is already in use; {hint}"
                ) from None
            raise CliFailure(
                "port_unavailable", f"cannot listen on {host}:{port}: {exc.strerror}"
            ) from None


def serve_app(host: str, port: int, workers: int) -> None:
    """Run the app in uvicorn; each worker builds it from the environment (factory mode)."""
    import uvicorn

    from core.logs import uvicorn_log_config

    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=uvicorn_log_config(),
    )
