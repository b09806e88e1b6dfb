"""``intyg issuer staff`` and ``intyg verifier staff``: the staff accounts of an issuer or a
verifier (the people who sign in to its pages), written once for both.

A password is never a command-line argument (it would stay in the shell history and in the
process list): it is read from the first line of standard input with ``--password-stdin``,
or asked for twice at a prompt that does not echo it.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlmodel import Session

from core.db import session_scope
from intyg.commands.common import CliFailure, migrated_runtime

SlugOption = Annotated[str, typer.Option(help="The tenant's slug.")]
UsernameOption = Annotated[
    str, typer.Option(help="3-254 characters of a-z, 0-9 and . _ @ + - (lower case).")
]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input."
    ),
]


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CliFailure("invalid_input", "--password-stdin: standard input has no password")
        return password
    prompted: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return prompted


def staff_app(kind: str) -> typer.Typer:
    """The ``staff`` command group of ``kind`` (``issuer`` or ``verifier``)."""
    app = typer.Typer(
        help=f"Staff accounts of {kind}s: people who sign in to its pages.", no_args_is_help=True
    )

    def tenant_id(session: Session, slug: str) -> str:
        from intyg.staff_api import TENANTS

        _, tenant_of = TENANTS[kind]
        found, _ = tenant_of(session, slug)
        return found

    @app.command("add")
    def add(
        slug: SlugOption,
        username: UsernameOption,
        display_name: Annotated[
            str | None, typer.Option(help="The name the pages show (default: the username).")
        ] = None,
        password_stdin: PasswordStdin = False,
    ) -> None:
        """Create a staff account; the password is asked for (or read with --password-stdin)."""
        from core.staff import service

        password = read_password(password_stdin)
        with migrated_runtime() as runtime, session_scope(runtime.engine) as session:
            made = service.create_account(
                session, runtime, kind, tenant_id(session, slug), username, password, display_name
            )
            sign_in = f"{runtime.settings.public_url}/{kind}s/{slug}/sign-in"
        typer.echo(f"username: {made.username}")
        typer.echo(f"sign in:  {sign_in}")

    @app.command("list")
    def list_(slug: SlugOption) -> None:
        """List the staff accounts: username, display name, created (UTC)."""
        from core.staff import service

        with migrated_runtime() as runtime, session_scope(runtime.engine) as session:
            rows = service.list_accounts(session, kind, tenant_id(session, slug))
        if not rows:
            typer.echo(f"{slug} has no staff accounts")
        for row in rows:
            typer.echo(f"{row.username}\t{row.display_name or ''}\t{_utc(row.created_at)}")

    @app.command("reset-password")
    def reset_password(
        slug: SlugOption, username: UsernameOption, password_stdin: PasswordStdin = False
    ) -> None:
        """Set a new password: ends the account's sessions and lifts a sign-in lockout."""
        from core.staff import service

        password = read_password(password_stdin)
        with migrated_runtime() as runtime, session_scope(runtime.engine) as session:
            row = service.reset_password(
                session, kind, tenant_id(session, slug), username, password
            )
        typer.echo(f"new password set for {row.username}; its sessions are ended")

    @app.command("remove")
    def remove(slug: SlugOption, username: UsernameOption) -> None:
        """Remove a staff account and end its sessions."""
        from core.staff import service

        with migrated_runtime() as runtime, session_scope(runtime.engine) as session:
            service.remove_account(session, kind, tenant_id(session, slug), username)
        typer.echo(f"removed {username.strip().lower()}")

    return app


def _utc(timestamp: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M")
