"""Schema migrations with Alembic, configured in code: no ``alembic.ini`` at runtime.

The scripts live in ``intyg/migrations`` (shipped as package data). ``env.py`` there takes
its connection from ``config.attributes["connection"]`` and its target metadata from
``target_metadata()`` below, which is the one place that lists every role's tables.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

# Importing a role's models registers its tables on SQLModel.metadata.
# A new role's (or shared part's) tables join the migrations with one line here.
import core.staff.models  # noqa: F401
import issuer.models  # noqa: F401
import verifier.models  # noqa: F401
import wallet.models  # noqa: F401

SCRIPT_LOCATION = Path(__file__).resolve().parent / "migrations"


def target_metadata() -> MetaData:
    """The metadata of every table that the migrations must create."""
    return SQLModel.metadata


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise RuntimeError("no migration scripts found")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; ``None`` for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_known_revision(revision: str) -> bool:
    """Whether this version of Intyg ships the revision (a newer Intyg may have migrated)."""
    script = ScriptDirectory.from_config(alembic_config())
    return any(rev.revision == revision for rev in script.walk_revisions())


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate to ``revision`` (the head by default); return the revisions (from, to)."""
    before = current_revision(engine)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
    return before, current_revision(engine)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)
