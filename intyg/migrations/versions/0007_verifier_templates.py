"""verifier request templates, and the template a request was started from

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "verifier_request_template",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=1000), nullable=False),
        sa.Column("dcql", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["verifier_tenant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "name"),
    )
    with op.batch_alter_table("verifier_request_template", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verifier_request_template_tenant_id"), ["tenant_id"], unique=False
        )
    with op.batch_alter_table("verifier_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_name", sa.String(length=200), nullable=True))
        batch_op.create_index(
            "ix_verifier_request_tenant_created", ["tenant_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("verifier_request", schema=None) as batch_op:
        batch_op.drop_index("ix_verifier_request_tenant_created")
        batch_op.drop_column("template_name")
    with op.batch_alter_table("verifier_request_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verifier_request_template_tenant_id"))
    op.drop_table("verifier_request_template")
