"""SPLP caller trust: the platform CA, issued certificates and IKD machine clients linked to subsystems.

interop trust

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 01:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import spbe.core.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interop_ca",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("certificate_pem", sa.Text(), nullable=False),
        sa.Column("sealed_private_key", sa.Text(), nullable=False),
        sa.Column("fingerprint_sha256", sa.String(length=64), nullable=False),
        sa.Column("not_after", spbe.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_at", spbe.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interop_ca")),
        sa.UniqueConstraint("fingerprint_sha256", name=op.f("uq_interop_ca_fingerprint_sha256")),
        sa.UniqueConstraint("kid", name=op.f("uq_interop_ca_kid")),
    )
    op.create_table(
        "interop_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("fingerprint_sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subsystem_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("ca_id", sa.Integer(), nullable=False),
        sa.Column("not_before", spbe.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("not_after", spbe.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("issued_at", spbe.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", spbe.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ca_id"], ["interop_ca.id"], name=op.f("fk_interop_certificate_ca_id_interop_ca"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["subsystem_id"],
            ["interop_subsystem.id"],
            name=op.f("fk_interop_certificate_subsystem_id_interop_subsystem"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interop_certificate")),
        sa.UniqueConstraint("fingerprint_sha256", name=op.f("uq_interop_certificate_fingerprint_sha256")),
        sa.UniqueConstraint("serial", name=op.f("uq_interop_certificate_serial")),
    )
    with op.batch_alter_table("interop_certificate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interop_certificate_ca_id"), ["ca_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_interop_certificate_subsystem_id"), ["subsystem_id"], unique=False)
    op.create_table(
        "interop_oauth_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=80), nullable=False),
        sa.Column("subsystem_id", sa.Integer(), nullable=False),
        sa.Column("created_at", spbe.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subsystem_id"],
            ["interop_subsystem.id"],
            name=op.f("fk_interop_oauth_client_subsystem_id_interop_subsystem"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interop_oauth_client")),
        sa.UniqueConstraint("client_id", name=op.f("uq_interop_oauth_client_client_id")),
    )
    with op.batch_alter_table("interop_oauth_client", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interop_oauth_client_subsystem_id"), ["subsystem_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("interop_oauth_client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interop_oauth_client_subsystem_id"))
    op.drop_table("interop_oauth_client")
    with op.batch_alter_table("interop_certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interop_certificate_subsystem_id"))
        batch_op.drop_index(batch_op.f("ix_interop_certificate_ca_id"))
    op.drop_table("interop_certificate")
    op.drop_table("interop_ca")
