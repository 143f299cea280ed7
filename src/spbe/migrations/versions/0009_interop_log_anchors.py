"""SPLP message-log anchors: the last signed, durable position of each stream, outside the log directory.

interop log anchors

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 02:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import spbe.core.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interop_log_anchor",
        sa.Column("stream", sa.String(length=200), nullable=False),
        sa.Column("node_id", sa.String(length=100), nullable=False),
        sa.Column("segment", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("opened_at", spbe.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", spbe.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_interop_log_anchor")),
    )
    op.create_index(op.f("ix_interop_log_anchor_node_id"), "interop_log_anchor", ["node_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_interop_log_anchor_node_id"), table_name="interop_log_anchor")
    op.drop_table("interop_log_anchor")
