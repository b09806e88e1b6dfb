"""What every command shares: the one-line failure, settings, the runtime, the schema check,
private files, and serving."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.engine import Engine, make_url

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
    runtime = load_runtime()
    try:
        require_current_schema(runtime.engine)
        yield runtime
    finally:
        runtime.engine.dispose()


def describe_database(engine: Engine) -> str:
    return make_url(str(engine.url)).render_as_string(hide_password=True)


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
