"""The issuer's pages: its log of status changes, and the batches staff upload.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=f"fk_{table}_{column}_{referred}"
    )


def upgrade() -> None:
    op.create_table(
        "issuer_status_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_issuer_status_event"),
        _fk("issuer_status_event", "issuer_id", "issuer_tenant"),
        _fk("issuer_status_event", "credential_id", "issuer_credential"),
    )
    op.create_index("ix_issuer_status_event_issuer_id", "issuer_status_event", ["issuer_id"])
    op.create_index(
        "ix_issuer_status_event_credential_id", "issuer_status_event", ["credential_id"]
    )
    op.create_table(
        "issuer_batch",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_issuer_batch"),
        _fk("issuer_batch", "issuer_id", "issuer_tenant"),
    )
    op.create_index("ix_issuer_batch_issuer_id", "issuer_batch", ["issuer_id"])
    op.create_table(
        "issuer_batch_row",
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.String(length=200), nullable=True),
        sa.Column("sealed_learner", sa.LargeBinary(), nullable=True),
        sa.Column("offer_id", sa.String(length=36), nullable=True),
        sa.Column("replayed", sa.Boolean(), nullable=False),
        sa.Column("sealed_tx_code", sa.LargeBinary(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_detail", sa.String(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("batch_id", "line", name="pk_issuer_batch_row"),
        _fk("issuer_batch_row", "batch_id", "issuer_batch"),
        _fk("issuer_batch_row", "offer_id", "issuer_offer"),
    )


def downgrade() -> None:
    for table in ("issuer_batch_row", "issuer_batch", "issuer_status_event"):
        op.drop_table(table)
