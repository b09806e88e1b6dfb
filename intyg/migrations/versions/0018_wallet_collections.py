"""wallet collections through the authorization code flow (OpenID4VCI 1.0 §5): the pending
sign-in (PKCE verifier, state, DPoP key) and then the grant (refresh token, pending records)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wallet_collection",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("holder_id", sa.String(length=36), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_collection"),
        sa.UniqueConstraint("state_hash", name="uq_wallet_collection_state_hash"),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["wallet_holder.id"], name="fk_wallet_collection_holder_id_wallet_holder"
        ),
    )
    op.create_index("ix_wallet_collection_holder_id", "wallet_collection", ["holder_id"])


def downgrade() -> None:
    op.drop_index("ix_wallet_collection_holder_id", table_name="wallet_collection")
    op.drop_table("wallet_collection")
