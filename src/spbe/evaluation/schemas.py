"""Pydantic schemas of the evaluation API (levels are checked against the instrument by the service)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LevelEntry(BaseModel):
    """The agency's own level for one indicator (penilaian mandiri)."""

    model_config = ConfigDict(extra="forbid")

    indicator: int
    level: int
    justification: str | None = Field(default=None, max_length=10_000)


class SelfAssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[LevelEntry] = Field(min_length=1)


class ReviewEntry(BaseModel):
    """The assessor's validated level and note for one indicator (penilaian asesor)."""

    model_config = ConfigDict(extra="forbid")

    indicator: int
    level: int
    note: str | None = Field(default=None, max_length=10_000)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[ReviewEntry] = Field(min_length=1)


class EvidenceLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicator: int
    url: str = Field(min_length=8, max_length=2000, pattern=r"^https?://\S+$")


class ItemOut(BaseModel):
    indicator: int
    name: str
    domain: str
    aspect: str
    weight: str
    self_level: int | None
    justification: str | None
    validated_level: int | None
    assessor_note: str | None
    level_name: str | None


class EvidenceOut(BaseModel):
    id: int
    indicator: int
    kind: str
    url: str | None
    filename: str | None
    content_type: str | None
    size: int | None
    sha256: str | None


class ScoreOut(BaseModel):
    index: str
    predikat: str
    domains: dict[str, str]
    aspects: dict[str, str]


class AssessmentOut(BaseModel):
    agency_code: str
    agency_kind: str
    year: int
    instrument: str
    status: str
    missing: list[int]
    score: ScoreOut | None
    items: list[ItemOut]
    evidence: list[EvidenceOut]
