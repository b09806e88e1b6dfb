"""The ``intyg`` command: migrate, serve, demo, and manage issuers, verifiers and trust lists.

Every failure is one line on stderr, ``error: <code>: <detail>``, and a non-zero exit code:
2 for a wrong invocation or a database that needs ``intyg db upgrade``, 1 for anything else.
No traceback reaches the operator (``INTYG_DEBUG=1`` shows it, for developers). The command
groups live in ``intyg.commands``; this module assembles them and reports their failures.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Annotated, NoReturn

import typer
from alembic.util import CommandError
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from core.db import create_db_engine
from core.errors import IntygError
from intyg.commands.common import (
    APP_FACTORY,
    EXIT_FAILURE,
    EXIT_NEEDS_MIGRATION,
    EXIT_USAGE,
    CliFailure,
    describe_database,
    load_runtime,
    load_settings,
    require_current_schema,
    require_existing_database,
    require_free_port,
    run_upgrade,
    serve_app,
)
from intyg.commands.demo import demo
from intyg.commands.issuer import issuer_app
from intyg.commands.staff import staff_app
from intyg.commands.trust_list import trust_list_app
from intyg.commands.verifier import dev_ca_app, verifier_app, verify

__all__ = [
    "APP_FACTORY",
    "EXIT_FAILURE",
    "EXIT_NEEDS_MIGRATION",
    "EXIT_USAGE",
    "CliFailure",
    "app",
    "load_runtime",
    "load_settings",
    "main",
    "serve_app",
]

app = typer.Typer(
    name="intyg",
    help="Intyg: verifiable skill credentials (issuer, wallet, verifier).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(issuer_app, name="issuer")
app.add_typer(verifier_app, name="verifier")
issuer_app.add_typer(staff_app("issuer"), name="staff")
verifier_app.add_typer(staff_app("verifier"), name="staff")
app.add_typer(trust_list_app, name="trust-list")
app.add_typer(dev_ca_app, name="dev-ca")
app.command("demo")(demo)
app.command("verify")(verify)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate INTYG_DATABASE_URL to this version's schema."""
    settings = load_settings()
    engine = create_db_engine(settings.database_url)
    try:
        before, after = run_upgrade(engine)
    finally:
        engine.dispose()
    where = describe_database(engine)
    if before == after:
        typer.echo(f"{where}: already at revision {after} (head)")
    else:
        typer.echo(f"{where}: migrated from {before or '(empty)'} to {after}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the HTTP APIs (refuses a database that needs `intyg db upgrade`)."""
    require_existing_database(load_settings())
    require_free_port(host, port, hint="stop the server that uses it, or choose --port N")
    runtime = load_runtime()
    try:
        require_current_schema(runtime.engine)
    finally:
        runtime.engine.dispose()
    serve_app(host, port, workers)


# --- the entry point: one line per failure ---------------------------------------------------


def fail(code: str, detail: str, exit_code: int = EXIT_FAILURE) -> NoReturn:
    one_line = " ".join(detail.split())
    typer.echo(f"error: {code}: {one_line}", err=True)
    raise SystemExit(exit_code)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="intyg", standalone_mode=False)
    except typer.TyperException as exc:  # Typer's (vendored click's) usage errors
        if type(exc).__name__ == "NoArgsIsHelpError":  # `intyg` or `intyg db` alone: help
            typer.echo(exc.format_message())
            raise SystemExit(0) from None
        fail("usage", exc.format_message(), exc.exit_code)
    except typer.Abort:
        fail("aborted", "aborted")
    except CliFailure as exc:
        fail(exc.code, exc.detail, exc.exit_code)
    except IntygError as exc:
        fail(exc.code, exc.detail)
    except ValidationError as exc:
        fail(
            "invalid_input",
            "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in exc.errors()
            ),
        )
    except CommandError as exc:
        fail("migration_failed", str(exc))
    except OperationalError as exc:
        if os.environ.get("INTYG_DEBUG"):
            raise
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        fail("database_unavailable", reason)
    except SQLAlchemyError as exc:
        if os.environ.get("INTYG_DEBUG"):
            raise
        fail("database_error", f"{type(exc).__name__}: the database could not be used")
    except OSError as exc:
        fail("os_error", f"{exc.strerror or type(exc).__name__}: {exc.filename or ''}".strip())
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except Exception as exc:
        if os.environ.get("INTYG_DEBUG"):
            raise
        fail(
            "internal_error", f"unexpected {type(exc).__name__} (INTYG_DEBUG=1 shows the traceback)"
        )
    raise SystemExit(result if isinstance(result, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
