"""SPLP self-service onboarding: access requests, and a subsystem's link to its registry application.

interop access requests

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 01:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import spbe.core.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interop_access_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("consumer_subsystem_id", sa.Integer(), nullable=False),
        sa.Column("endpoints", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("open_key", sa.String(length=40), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_at", spbe.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", spbe.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consumer_subsystem_id"],
            ["interop_subsystem.id"],
            name=op.f("fk_interop_access_request_consumer_subsystem_id_interop_subsystem"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["interop_service.id"],
            name=op.f("fk_interop_access_request_service_id_interop_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interop_access_request")),
        sa.UniqueConstraint("open_key", name=op.f("uq_interop_access_request_open_key")),
    )
    with op.batch_alter_table("interop_access_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interop_access_request_consumer_subsystem_id"), ["consumer_subsystem_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_interop_access_request_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_interop_access_request_status"), ["status"], unique=False)
    with op.batch_alter_table("interop_subsystem", schema=None) as batch_op:
        batch_op.add_column(sa.Column("application_code", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interop_subsystem", schema=None) as batch_op:
        batch_op.drop_column("application_code")
    with op.batch_alter_table("interop_access_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interop_access_request_status"))
        batch_op.drop_index(batch_op.f("ix_interop_access_request_service_id"))
        batch_op.drop_index(batch_op.f("ix_interop_access_request_consumer_subsystem_id"))
    op.drop_table("interop_access_request")
