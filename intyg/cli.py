"""The ``intyg`` command: migrate, serve, demo and manage issuers.

Every failure is one line on stderr, ``error: <code>: <detail>``, and a non-zero exit code:
2 for a wrong invocation or a database that needs ``intyg db upgrade``, 1 for anything else.
No traceback reaches the operator (``INTYG_DEBUG=1`` shows it, for developers).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from alembic.util import CommandError
from pydantic import ValidationError
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from core.config import Settings
from core.db import create_db_engine, session_scope
from core.errors import IntygError
from core.runtime import Runtime
from intyg import migrate
from intyg.runtime import build_runtime

if TYPE_CHECKING:  # the role's service is imported when a command needs it, not at start-up
    from issuer.service import CreatedIssuer

APP_FACTORY = "intyg.app:create_app"
DEMO_HOST = "127.0.0.1"
DEMO_PORT = 8000
DEMO_SLUG = "demo"
DEMO_NAME = "Demo Yrkeshögskola"
DEMO_ORGANISATION_NUMBER = "5560000001"  # fictitious, with a valid Luhn check digit

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


app = typer.Typer(
    name="intyg",
    help="Intyg: verifiable skill credentials (issuer, wallet, verifier).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
issuer_app = typer.Typer(
    help="Issuers (the education providers this service hosts).", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(issuer_app, name="issuer")


# --- settings, runtime and the schema check -------------------------------------------------


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


def serve_app(host: str, port: int, workers: int) -> None:
    """Run the app in uvicorn; each worker builds it from the environment (factory mode)."""
    import uvicorn

    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers)


# --- commands ---------------------------------------------------------------------------------


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
    runtime = load_runtime()
    try:
        require_current_schema(runtime.engine)
    finally:
        runtime.engine.dispose()
    serve_app(host, port, workers)


@app.command()
def demo(
    serve_too: Annotated[
        bool, typer.Option("--serve/--no-serve", hidden=True, help="Serve after setting up.")
    ] = True,
) -> None:
    """Migrate, create (or re-key) the `demo` issuer, print its API key and serve on :8000."""
    runtime = load_runtime()
    try:
        before, after = run_upgrade(runtime.engine)
        if before != after:
            typer.echo(f"database migrated from {before or '(empty)'} to {after}")
        created = ensure_demo_issuer(runtime)
    finally:
        runtime.engine.dispose()
    typer.echo(f"issuer slug:  {created.slug}")
    typer.echo(f"issuer:       {created.issuer}")
    typer.echo(f"API key:      {created.api_key}")
    typer.echo("(a new API key on every `intyg demo`; it is shown only here)")
    typer.echo(f"API docs:     {runtime.settings.public_url}/docs")
    if serve_too:
        serve_app(DEMO_HOST, DEMO_PORT, 1)


def ensure_demo_issuer(runtime: Runtime) -> CreatedIssuer:
    """The demo issuer with a fresh API key: keys are kept as hashes, so re-key if it exists."""
    from issuer import service

    with session_scope(runtime.engine) as session:
        try:
            created = service.reset_api_key(session, runtime, DEMO_SLUG)
        except service.IssuerNotFound:
            session.rollback()
            created = service.create_issuer(
                session,
                runtime,
                slug=DEMO_SLUG,
                name=DEMO_NAME,
                organisation_number=DEMO_ORGANISATION_NUMBER,
            )
    return created


@issuer_app.command("create")
def issuer_create(
    slug: Annotated[str, typer.Option(help="Short name in URLs, e.g. `yh-stockholm`.")],
    name: Annotated[str, typer.Option(help="The provider's name, shown in credentials.")],
    org_number: Annotated[
        str, typer.Option("--org-number", help="Organisationsnummer, NNNNNN-NNNN.")
    ],
) -> None:
    """Create an issuer; prints its identifier URL and its API key (shown only once)."""
    from issuer import service

    runtime = load_runtime()
    try:
        require_current_schema(runtime.engine)
        with session_scope(runtime.engine) as session:
            created = service.create_issuer(
                session, runtime, slug=slug, name=name, organisation_number=org_number
            )
    finally:
        runtime.engine.dispose()
    typer.echo(f"slug:     {created.slug}")
    typer.echo(f"issuer:   {created.issuer}")
    typer.echo(f"API key:  {created.api_key}")
    typer.echo("(the API key is shown only now: store it)")


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
