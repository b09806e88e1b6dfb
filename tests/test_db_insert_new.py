"""``core.db.insert_new``: one ``INSERT … ON CONFLICT DO NOTHING`` that says whether the row
went in, on the engine under test (SQLite in one pass, PostgreSQL in the other)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, func, select
from sqlalchemy.engine import Engine

from core.db import insert_new, write_scope

metadata = MetaData()
SEEN = Table(
    "test_insert_new",
    metadata,
    Column("key", Text, primary_key=True),
    Column("n", Integer, nullable=False),
)


@pytest.fixture
def table(engine: Engine) -> Iterator[Table]:
    metadata.create_all(engine)
    yield SEEN
    metadata.drop_all(engine)


def test_the_first_insert_wins_and_a_repeat_changes_nothing(engine: Engine, table: Table) -> None:
    with write_scope(engine) as connection:
        assert insert_new(connection, table, {"key": "a", "n": 1})
        assert not insert_new(connection, table, {"key": "a", "n": 2})
        assert insert_new(connection, table, {"key": "b", "n": 3})  # the transaction goes on
    with engine.connect() as connection:
        rows = connection.execute(select(table.c.key, table.c.n).order_by(table.c.key)).all()
    assert [tuple(r) for r in rows] == [("a", 1), ("b", 3)]


def test_write_scope_rolls_back_when_the_block_raises(engine: Engine, table: Table) -> None:
    with pytest.raises(RuntimeError), write_scope(engine) as connection:
        insert_new(connection, table, {"key": "a", "n": 1})
        raise RuntimeError("after the insert")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(table)).scalar_one() == 0
