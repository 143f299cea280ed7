"""Identity features: passkeys (WebAuthn credentials) and the pending WebAuthn challenge of a login session.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 01:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import spbe.core.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identity_passkey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=700), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("transports", sa.JSON(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("created_at", spbe.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", spbe.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["identity_account.id"], name=op.f("fk_identity_passkey_account_id_identity_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_passkey")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_identity_passkey_credential_id")),
    )
    with op.batch_alter_table("identity_passkey", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_passkey_account_id"), ["account_id"], unique=False)
    with op.batch_alter_table("identity_login_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("challenge", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("challenge_expires_at", spbe.core.db.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identity_login_session", schema=None) as batch_op:
        batch_op.drop_column("challenge_expires_at")
        batch_op.drop_column("challenge")
    with op.batch_alter_table("identity_passkey", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_passkey_account_id"))
    op.drop_table("identity_passkey")
