"""request templates: the registered purpose a request started from one names (purpose_id)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-15
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("verifier_request_template", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("verifier_request_template", schema=None) as batch_op:
        batch_op.drop_column("purpose_id")
