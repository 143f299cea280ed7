"""Shapes of the duplicate finder's API: groups, the consolidation plan, and the single check."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Reason(BaseModel):
    """One reason two or more applications look alike; ``text`` is in the caller's language."""

    code: str = Field(
        description="shared_words, same_concept, same_affairs, same_category, same_service_area, similar_name"
    )
    values: list[str] = []
    text: str


class MemberOut(BaseModel):
    code: str
    name: str
    acronym: str | None
    agency_code: str
    agency_name: str
    integrations: int
    users: int | None
    functional_fit: int | None
    technical_fit: int | None
    status: str


class GroupSummary(BaseModel):
    key: str = Field(description="Stable key of the group: the smallest application code in it")
    label: str = Field(description="What the group does, in the words its members share")
    score: float = Field(description="Mean similarity of the group's linked pairs, 0–1")
    applications: int
    agencies: int
    affairs: list[str]
    umum_target: str | None = Field(description="The Aplikasi Umum already covering this job, if any")
    reasons: list[Reason]


class GroupOut(GroupSummary):
    members: list[MemberOut]


class GroupPage(BaseModel):
    items: list[GroupSummary]
    total: int
    applications_in_groups: int
    limit: int
    offset: int


class PlanStep(BaseModel):
    order: int
    wave: int = Field(description="1: no integrations, 2: one or two, 3: more (migrate leaves first)")
    application: MemberOut


class PlanItem(BaseModel):
    group_key: str
    label: str
    action: str = Field(description="migrate (to an Aplikasi Umum) or consolidate (into a new shared application)")
    target_code: str | None
    target_name: str
    applications: int
    agencies: int
    summary: str
    steps: list[PlanStep]


class PlanOut(BaseModel):
    items: list[PlanItem]
    migrate_applications: int
    consolidate_applications: int


class CheckIn(BaseModel):
    """A proposed new application, before an agency may register it."""

    name: str = Field(min_length=2, max_length=200)
    acronym: str | None = Field(default=None, max_length=60)
    description: str | None = Field(default=None, max_length=4000)
    affairs: list[str] = Field(default_factory=list, max_length=20, description="Proses Bisnis codes SS.UU")
    agency_code: str | None = Field(
        default=None, max_length=40, description="The proposing agency (its own apps are shown too)"
    )
    category: str | None = Field(default=None, max_length=40)
    service_area: str | None = Field(default=None, max_length=20)
    limit: int = Field(default=10, ge=1, le=50)


class Match(BaseModel):
    application: MemberOut
    score: float
    reasons: list[Reason]
    group_key: str | None


class CheckOut(BaseModel):
    verdict: str = Field(description="duplicate (score ≥ 0.6), similar (≥ 0.4) or new")
    umum_target: str | None
    matches: list[Match]
    took_ms: float
