"""Pydantic schemas of the evaluation API (levels are checked against the instrument by the service)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError


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


LINK = re.compile(r"https?://[^\s/]+\S*")
MAX_LINK = 2000


def link_problem(url: str) -> str | None:
    """Why a link cannot be evidence, in words (None when it can): the API and the form say the same."""
    if len(url) > MAX_LINK:
        return f"the link must be at most {MAX_LINK} characters"
    if not LINK.fullmatch(url):
        return "the link must be a web address starting with http:// or https://, without spaces"
    return None


class EvidenceLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicator: int
    url: str

    @field_validator("url")
    @classmethod
    def _readable_link(cls, url: str) -> str:
        problem = link_problem(url.strip())
        if problem:
            raise PydanticCustomError("evidence_link", problem)
        return url.strip()


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
