"""Alembic environment for Intyg, driven from ``intyg.migrate`` (no ``alembic.ini``).

The caller passes an open connection in ``config.attributes["connection"]``; the target
metadata is every role's tables, as listed in ``intyg.migrate``.
"""

from __future__ import annotations

from alembic import context

from intyg.migrate import target_metadata

config = context.config


def run_migrations_offline() -> None:
    """``--sql`` mode: render the SQL for the URL in ``sqlalchemy.url`` without connecting."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata(),
        literal_binds=True,
        render_as_batch=bool(url and url.startswith("sqlite")),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "intyg migrations run through intyg.migrate (or `intyg db upgrade`), "
            "which passes config.attributes['connection']"
        )
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        # SQLite cannot ALTER most things: later migrations use batch mode there.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
