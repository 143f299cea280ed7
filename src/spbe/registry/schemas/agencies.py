"""Shapes of registry data shared by routes, service and repository."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from spbe.registry.models import AgencyKind


class AgencyData(BaseModel):
    """The seeded fields of one agency (instansi), from the CSV file or derived from a region."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    short_name: str | None = None
    kind: AgencyKind
    region_code: str | None = None
    province_code: str | None = None


class AgencyOut(BaseModel):
    """An agency (instansi): a ministry, an agency or a regional government."""

    model_config = ConfigDict(from_attributes=True)

    code: str = Field(examples=["KEMENDAGRI", "KOTA-32.73"])
    name: str = Field(examples=["Kementerian Dalam Negeri"])
    short_name: str | None = Field(default=None, examples=["Kemendagri"])
    kind: AgencyKind
    region_code: str | None = Field(default=None, description="Kemendagri code of a regional government")
    province_code: str | None = None


class AgencyPage(BaseModel):
    items: list[AgencyOut]
    total: int
    limit: int
    offset: int


class AgencySeedSummary(BaseModel):
    """What ``seed_agencies`` did."""

    by_kind: dict[AgencyKind, int]
    added: int = 0
    updated: int = 0

    def text(self) -> str:
        """``48 kementerian, 26 LPNK, 30 lembaga, 552 regional governments (…) (already seeded)``."""
        count = self.by_kind.get
        regional = sum(count(kind, 0) for kind in AgencyKind if kind.is_regional)
        parts = [
            f"{count(AgencyKind.kementerian, 0)} kementerian",
            f"{count(AgencyKind.lpnk, 0)} LPNK",
            f"{count(AgencyKind.lembaga, 0)} lembaga",
            f"{regional} regional governments ({count(AgencyKind.provinsi, 0)} provinces, "
            f"{count(AgencyKind.kabupaten, 0)} kabupaten, {count(AgencyKind.kota, 0)} kota)",
        ]
        return f"{', '.join(parts)} ({self._change_note()})"

    def _change_note(self) -> str:
        if not (self.added or self.updated):
            return "already seeded"
        notes = [f"{self.added} added"] if self.added else []
        return ", ".join(notes + ([f"{self.updated} updated"] if self.updated else []))
