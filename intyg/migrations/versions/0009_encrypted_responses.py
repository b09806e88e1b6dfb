"""encrypted presentation responses (direct_post.jwt): the verifier's mode and each request's
sealed decryption key; the wallet keeps the key and enc it answers with

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Verifiers and requests made before this revision keep answering in the clear.
    with op.batch_alter_table("verifier_tenant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "response_mode", sa.String(length=16), nullable=False, server_default="direct_post"
            )
        )
    with op.batch_alter_table("verifier_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "response_mode", sa.String(length=16), nullable=False, server_default="direct_post"
            )
        )
        batch_op.add_column(sa.Column("sealed_response_key", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("wallet_presentation_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response_encryption", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("wallet_presentation_request", schema=None) as batch_op:
        batch_op.drop_column("response_encryption")
    with op.batch_alter_table("verifier_request", schema=None) as batch_op:
        batch_op.drop_column("sealed_response_key")
        batch_op.drop_column("response_mode")
    with op.batch_alter_table("verifier_tenant", schema=None) as batch_op:
        batch_op.drop_column("response_mode")
