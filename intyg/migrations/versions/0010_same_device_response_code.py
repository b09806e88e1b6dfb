"""same-device presentation requests: the front end's redirect_uri and the one-time
response_code that releases the result

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("verifier_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("redirect_uri", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("response_code_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("response_code_redeemed_at", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_verifier_request_response_code_hash"),
            ["response_code_hash"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("verifier_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verifier_request_response_code_hash"))
        batch_op.drop_column("response_code_redeemed_at")
        batch_op.drop_column("response_code_hash")
        batch_op.drop_column("redirect_uri")
