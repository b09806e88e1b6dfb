"""wallet credentials keep what they need to notify their issuer (OpenID4VCI 1.0 §11)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("wallet_credential", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_notification", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("wallet_credential", schema=None) as batch_op:
        batch_op.drop_column("sealed_notification")
