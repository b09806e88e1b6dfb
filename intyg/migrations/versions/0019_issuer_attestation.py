"""issuers can require wallet and key attestations, with a trust list of wallet providers

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("issuer_tenant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "require_wallet_attestation",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch_op.add_column(sa.Column("key_attestation_min", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("wallet_trust_list", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("issuer_tenant", schema=None) as batch_op:
        batch_op.drop_column("wallet_trust_list")
        batch_op.drop_column("key_attestation_min")
        batch_op.drop_column("require_wallet_attestation")
