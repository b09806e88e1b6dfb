"""issuer records: credentials bound to a personal identity number, collected after sign-in;
deferred issuance (OpenID4VCI 1.0 §9) and notifications (§11)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=f"fk_{table}_{column}_{referred}"
    )


def _id(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=36), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "issuer_record",
        _id("id"),
        _id("issuer_id"),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("person_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_person", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_claims", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_issuer_record"),
        sa.UniqueConstraint(
            "issuer_id", "idempotency_key", name="uq_issuer_record_issuer_id_idempotency_key"
        ),
        _fk("issuer_record", "issuer_id", "issuer_tenant"),
    )
    op.create_index("ix_issuer_record_issuer_id", "issuer_record", ["issuer_id"])
    op.create_index("ix_issuer_record_state", "issuer_record", ["state"])
    op.create_index(
        "ix_issuer_record_issuer_id_person_hash", "issuer_record", ["issuer_id", "person_hash"]
    )
    op.create_table(
        "issuer_issuance",
        _id("id"),
        _id("issuer_id"),
        _id("record_id", nullable=True),
        _id("offer_id", nullable=True),
        sa.Column("notification_hash", sa.String(length=64), nullable=False),
        sa.Column("bound_hash", sa.String(length=64), nullable=False),
        sa.Column("credentials", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_issuer_issuance"),
        _fk("issuer_issuance", "issuer_id", "issuer_tenant"),
        _fk("issuer_issuance", "record_id", "issuer_record"),
        _fk("issuer_issuance", "offer_id", "issuer_offer"),
    )
    for column in ("issuer_id", "record_id", "offer_id"):
        op.create_index(f"ix_issuer_issuance_{column}", "issuer_issuance", [column])
    op.create_index(
        "ix_issuer_issuance_notification_hash",
        "issuer_issuance",
        ["notification_hash"],
        unique=True,
    )
    op.create_table(
        "issuer_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        _id("issuer_id"),
        _id("issuance_id"),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_issuer_notification"),
        _fk("issuer_notification", "issuer_id", "issuer_tenant"),
        _fk("issuer_notification", "issuance_id", "issuer_issuance"),
    )
    for column in ("issuer_id", "issuance_id"):
        op.create_index(f"ix_issuer_notification_{column}", "issuer_notification", [column])
    op.create_table(
        "issuer_deferral",
        sa.Column("transaction_hash", sa.String(length=64), nullable=False),
        _id("issuer_id"),
        _id("record_id"),
        sa.Column("holder_jwks", sa.JSON(), nullable=False),
        sa.Column("bound_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("transaction_hash", name="pk_issuer_deferral"),
        _fk("issuer_deferral", "issuer_id", "issuer_tenant"),
        _fk("issuer_deferral", "record_id", "issuer_record"),
    )
    for column in ("issuer_id", "record_id"):
        op.create_index(f"ix_issuer_deferral_{column}", "issuer_deferral", [column])
    with op.batch_alter_table("issuer_credential", schema=None) as batch_op:
        batch_op.add_column(_id("issuance_id", nullable=True))
        batch_op.add_column(_id("record_id", nullable=True))
        batch_op.create_foreign_key(
            "fk_issuer_credential_issuance_id_issuer_issuance",
            "issuer_issuance",
            ["issuance_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            "fk_issuer_credential_record_id_issuer_record", "issuer_record", ["record_id"], ["id"]
        )
        batch_op.create_index("ix_issuer_credential_issuance_id", ["issuance_id"])
        batch_op.create_index("ix_issuer_credential_record_id", ["record_id"])
    with op.batch_alter_table("issuer_batch", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="offers")
        )
    with op.batch_alter_table("issuer_batch_row", schema=None) as batch_op:
        batch_op.add_column(_id("record_id", nullable=True))
        batch_op.create_foreign_key(
            "fk_issuer_batch_row_record_id_issuer_record", "issuer_record", ["record_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("issuer_batch_row", schema=None) as batch_op:
        batch_op.drop_constraint("fk_issuer_batch_row_record_id_issuer_record", type_="foreignkey")
        batch_op.drop_column("record_id")
    with op.batch_alter_table("issuer_batch", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("issuer_credential", schema=None) as batch_op:
        batch_op.drop_index("ix_issuer_credential_record_id")
        batch_op.drop_index("ix_issuer_credential_issuance_id")
        batch_op.drop_constraint("fk_issuer_credential_record_id_issuer_record", type_="foreignkey")
        batch_op.drop_constraint(
            "fk_issuer_credential_issuance_id_issuer_issuance", type_="foreignkey"
        )
        batch_op.drop_column("record_id")
        batch_op.drop_column("issuance_id")
    for table in ("issuer_deferral", "issuer_notification", "issuer_issuance", "issuer_record"):
        op.drop_table(table)
