"""issuer eID connection: each issuer's registration at its OpenID Connect eID broker

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "issuer_eid_connection",
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("discovery_url", sa.String(length=2048), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("auth_method", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=1000), nullable=False),
        sa.Column("identity_claim", sa.String(length=255), nullable=False),
        sa.Column("sealed_secret", sa.LargeBinary(), nullable=True),
        sa.Column("sealed_client_key", sa.LargeBinary(), nullable=True),
        sa.Column("client_public_jwk", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("issuer_id", name="pk_issuer_eid_connection"),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuer_tenant.id"],
            name="fk_issuer_eid_connection_issuer_id_issuer_tenant",
        ),
    )


def downgrade() -> None:
    op.drop_table("issuer_eid_connection")
