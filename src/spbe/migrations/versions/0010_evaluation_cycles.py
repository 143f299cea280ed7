"""Evaluation cycles: an explicit period per year, opened and closed by the coordinator.

Existing data: a year whose assessments are all final becomes a closed (published) cycle, a year with a
draft or submitted assessment an open one — the picture the platform showed before stays the same.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import spbe.core.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "eval_cycle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_at", spbe.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("closed_at", spbe.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eval_cycle")),
        sa.UniqueConstraint("year", name=op.f("uq_eval_cycle_year")),
    )
    _cycles_from_existing_assessments()


def _cycles_from_existing_assessments() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT year, SUM(CASE WHEN status = 'final' THEN 0 ELSE 1 END) AS unfinished, MAX(updated_at) AS at "
            "FROM eval_assessment GROUP BY year"
        )
    ).all()
    cycle = sa.table(
        "eval_cycle",
        sa.column("year", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("opened_at", spbe.core.db.UtcDateTime(timezone=True)),
        sa.column("opened_by", sa.String()),
        sa.column("closed_at", spbe.core.db.UtcDateTime(timezone=True)),
        sa.column("closed_by", sa.String()),
    )
    now = spbe.core.db.utcnow()
    values = [
        {
            "year": year,
            "status": "open" if unfinished else "closed",
            "opened_at": now,
            "opened_by": "migration",
            "closed_at": None if unfinished else now,
            "closed_by": None if unfinished else "migration",
        }
        for year, unfinished, _at in rows
    ]
    if values:
        op.bulk_insert(cycle, values)


def downgrade() -> None:
    op.drop_table("eval_cycle")
