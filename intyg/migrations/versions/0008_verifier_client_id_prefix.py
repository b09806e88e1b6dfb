"""verifiers choose their client identifier prefix (x509_hash or x509_san_dns); each request
keeps the client_id it was signed under

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Verifiers made before this revision keep the client_id wallets know them by.
    with op.batch_alter_table("verifier_tenant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "client_id_prefix",
                sa.String(length=16),
                nullable=False,
                server_default="x509_san_dns",
            )
        )
    with op.batch_alter_table("verifier_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.String(length=1024), nullable=True))
    op.execute(
        "UPDATE verifier_request SET client_id = 'x509_san_dns:' || (SELECT dns_name"
        " FROM verifier_tenant WHERE verifier_tenant.id = verifier_request.tenant_id)"
    )
    with op.batch_alter_table("verifier_request", schema=None) as batch_op:
        batch_op.alter_column("client_id", existing_type=sa.String(length=1024), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("verifier_request", schema=None) as batch_op:
        batch_op.drop_column("client_id")
    with op.batch_alter_table("verifier_tenant", schema=None) as batch_op:
        batch_op.drop_column("client_id_prefix")
