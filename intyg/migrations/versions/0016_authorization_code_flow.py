"""issuer: the authorization code flow (OpenID4VCI 1.0 §5, RFC 9126 PAR, RFC 7636 PKCE):
pushed requests, eID sign-ins under way, authorizations with their codes, grant tokens

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _issuer_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["issuer_id"], ["issuer_tenant.id"], name=f"fk_{table}_issuer_id_issuer_tenant"
    )


def _hash(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=64), nullable=False)


def _id(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=36), nullable=False)


def upgrade() -> None:
    op.create_table(
        "issuer_pushed_request",
        _hash("request_hash"),
        _id("issuer_id"),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2048), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=1024), nullable=True),
        sa.Column("configuration_ids", sa.JSON(), nullable=False),
        sa.Column("by_details", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("request_hash", name="pk_issuer_pushed_request"),
        _issuer_fk("issuer_pushed_request"),
    )
    op.create_index("ix_issuer_pushed_request_issuer_id", "issuer_pushed_request", ["issuer_id"])
    op.create_table(
        "issuer_sign_in",
        _hash("cookie_hash"),
        _id("issuer_id"),
        _hash("request_hash"),
        sa.Column("sealed_pending", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("cookie_hash", name="pk_issuer_sign_in"),
        _issuer_fk("issuer_sign_in"),
        sa.ForeignKeyConstraint(
            ["request_hash"],
            ["issuer_pushed_request.request_hash"],
            name="fk_issuer_sign_in_request_hash_issuer_pushed_request",
        ),
    )
    for column in ("issuer_id", "request_hash"):
        op.create_index(f"ix_issuer_sign_in_{column}", "issuer_sign_in", [column])
    op.create_table(
        "issuer_authorization",
        _id("id"),
        _id("issuer_id"),
        _hash("code_hash"),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2048), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("configuration_ids", sa.JSON(), nullable=False),
        sa.Column("sealed_person", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("code_expires_at", sa.Integer(), nullable=False),
        sa.Column("code_used_at", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_issuer_authorization"),
        _issuer_fk("issuer_authorization"),
    )
    op.create_index("ix_issuer_authorization_issuer_id", "issuer_authorization", ["issuer_id"])
    op.create_index(
        "ix_issuer_authorization_code_hash", "issuer_authorization", ["code_hash"], unique=True
    )
    op.create_table(
        "issuer_grant_token",
        _hash("token_hash"),
        _id("authorization_id"),
        sa.Column("kind", sa.String(length=16), nullable=False),
        _hash("dpop_jkt"),
        sa.Column("expires_at", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_issuer_grant_token"),
        sa.ForeignKeyConstraint(
            ["authorization_id"],
            ["issuer_authorization.id"],
            name="fk_issuer_grant_token_authorization_id_issuer_authorization",
        ),
    )
    op.create_index(
        "ix_issuer_grant_token_authorization_id", "issuer_grant_token", ["authorization_id"]
    )


def downgrade() -> None:
    for table in (
        "issuer_grant_token",
        "issuer_authorization",
        "issuer_sign_in",
        "issuer_pushed_request",
    ):
        op.drop_table(table)
