"""Shapes of bulk import reports and exports."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class ImportProblem(BaseModel):
    """One problem of an import file: the row (header = 1), the column and why."""

    row: int
    column: str
    message: str


class ImportReport(BaseModel):
    """What an import found (dry run) or did (apply). Apply is all-or-nothing: ``applied`` is false
    when there is any problem, and then nothing was written."""

    dry_run: bool
    applied: bool = False
    encoding: str | None = Field(default=None, description="utf-8, utf-8-sig (with BOM), cp1252 or xlsx")
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[ImportProblem] = Field(default_factory=list)
    audit_seq: int | None = None
    catalogue_created: dict[str, int] = Field(
        default_factory=dict, description="Services, data sets and infrastructure an ArchiMate import added"
    )

    def summary(self) -> str:
        verb = "would create" if not self.applied else "created"
        return (
            f"{self.rows} rows ({self.encoding}): {verb} {self.created}, "
            f"{'would update' if not self.applied else 'updated'} {self.updated}, unchanged {self.unchanged}, "
            f"{len(self.problems)} problem(s)"
        )


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"
