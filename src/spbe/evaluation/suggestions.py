"""Evidence suggested to the assessor from the platform's own records (never overriding a level).

Each ``EvidenceSource`` covers some indicators and answers with a ``Suggestion`` that cites the records it
used. Where the module a source needs is not deployed yet, the suggestion says "no data".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from spbe.interop import catalogue as interop_catalogue
from spbe.registry.service import applications as registry_applications

NO_DATA = "no data"


@dataclass(frozen=True)
class Citation:
    """A record a suggestion rests on: which module, what kind of record, its id and a label."""

    module: str
    record_type: str
    record_id: str
    label: str


@dataclass(frozen=True)
class Suggestion:
    indicator: int
    source: str
    status: str  # "suggested" | "no data"
    summary: str
    suggested_level: int | None = None
    citations: tuple[Citation, ...] = field(default_factory=tuple)


class EvidenceSource(Protocol):
    """A provider of suggestions for some indicators."""

    @property
    def name(self) -> str: ...

    @property
    def indicators(self) -> tuple[int, ...]: ...

    def suggest(self, session: Session, agency_code: str, indicator: int) -> Suggestion: ...


def _no_data(indicator: int, source: str, reason: str) -> Suggestion:
    return Suggestion(indicator, source, NO_DATA, reason)


@dataclass(frozen=True)
class SplpServices:
    """Indicator 18 (Penggunaan Sistem Penghubung Layanan): services the agency publishes and consumes on SPLP."""

    name: str = "interop"
    indicators: tuple[int, ...] = (18,)

    def suggest(self, session: Session, agency_code: str, indicator: int) -> Suggestion:
        services = interop_catalogue.services_of_agency(session, agency_code)
        if not services:
            return _no_data(indicator, self.name, "The agency publishes no service on the SPLP gateway yet.")
        citations = tuple(Citation("interop", "service", str(s.id), s.service_id) for s in services)
        level = min(5, 1 + len(services) // 2) if services else None
        summary = f"{len(services)} SPLP service(s) published"
        return Suggestion(indicator, self.name, "suggested", summary, level, citations)


@dataclass(frozen=True)
class RegistryApplications:
    """Indicator 15 (Pembangunan Aplikasi SPBE): the agency's registry applications and consolidation candidates."""

    name: str = "registry"
    indicators: tuple[int, ...] = (15,)

    def suggest(self, session: Session, agency_code: str, indicator: int) -> Suggestion:
        applications = registry_applications.list_applications(session, agency_code=agency_code)
        citations = tuple(Citation("registry", "application", str(a.id), str(a.name)) for a in applications)
        summary = f"{len(applications)} application(s) registered in the Arsitektur SPBE"
        return Suggestion(indicator, self.name, "suggested" if applications else NO_DATA, summary, None, citations)


@dataclass(frozen=True)
class PortalServices:
    """Indicators 42–47 (Layanan Publik): the agency's public services in MPP Digital."""

    name: str = "portal"
    indicators: tuple[int, ...] = (42, 43, 44, 45, 46, 47)

    def suggest(self, session: Session, agency_code: str, indicator: int) -> Suggestion:
        return _no_data(indicator, self.name, "MPP Digital (portal) publishes no service data to the evaluation yet.")


DEFAULT_SOURCES: tuple[EvidenceSource, ...] = (SplpServices(), RegistryApplications(), PortalServices())


def suggestions_for(
    session: Session, agency_code: str, sources: Sequence[EvidenceSource] = DEFAULT_SOURCES
) -> list[Suggestion]:
    """Every source's suggestion for the agency, in indicator order."""
    found = [source.suggest(session, agency_code, number) for source in sources for number in source.indicators]
    return sorted(found, key=lambda s: s.indicator)
