"""request templates: the DCQL trusted_authorities kinds filled from the trust list

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("verifier_request_template", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("trusted_authorities", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("verifier_request_template", schema=None) as batch_op:
        batch_op.drop_column("trusted_authorities")
