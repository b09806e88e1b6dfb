"""issuer certificates: where an issuer's x5c comes from, and each signing key's chain

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Issuers created before keep signing as they did: kid and metadata, no x5c.
    with op.batch_alter_table("issuer_tenant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("certificate", sa.String(length=16), nullable=False, server_default="none")
        )
    with op.batch_alter_table("issuer_signing_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("x5c", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("issuer_signing_key", schema=None) as batch_op:
        batch_op.drop_column("x5c")
    with op.batch_alter_table("issuer_tenant", schema=None) as batch_op:
        batch_op.drop_column("certificate")
