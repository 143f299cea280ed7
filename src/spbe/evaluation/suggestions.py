"""Evidence suggested to the assessor from the platform's own records (never overriding a level).

Each ``EvidenceSource`` covers some indicators and answers with a ``Suggestion`` that cites the records it
used. Where the module a source needs is not built yet, the suggestion says "no data" and why. A suggestion
is only shown next to the levels; nothing here writes a level (see ``tests/evaluation/test_suggestions.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from spbe.core.i18n import gettext as _
from spbe.interop import catalogue as interop_catalogue
from spbe.registry.duplicates import service as registry_duplicates
from spbe.registry.duplicates.schemas import GroupSummary
from spbe.registry.service import applications as registry_applications

NO_DATA = "no data"
CATALOGUE_PAGE = "/interop"  # the SPLP service catalogue page


@dataclass(frozen=True)
class Citation:
    """A record a suggestion rests on: which module, what kind of record, its id and a label."""

    module: str
    record_type: str
    record_id: str
    label: str
    url: str | None = None  # the record's page, where the module has one


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
    """Indicator 18 (Penggunaan Sistem Penghubung Layanan): services the agency publishes on SPLP and the other
    agencies' services its subsystems may call (by access right), from the SPLP catalogue.

    The level it points to is a hint for the assessor: both directions → 3, one direction → 2.
    """

    name: str = "interop"
    indicators: tuple[int, ...] = (18,)

    def suggest(self, session: Session, agency_code: str, indicator: int) -> Suggestion:
        published = interop_catalogue.services_of_agency(session, agency_code)
        consumed = interop_catalogue.services_consumed_by_agency(session, agency_code)
        if not published and not consumed:
            return _no_data(
                indicator,
                self.name,
                _("The agency neither publishes nor may call any service on the SPLP gateway yet."),
            )
        citations = tuple(
            Citation("interop", "service", str(s.id), s.service_id, CATALOGUE_PAGE) for s in published
        ) + tuple(
            Citation(
                "interop",
                "access-right",
                str(c.service.id),
                f"{c.service.service_id} ← {c.client} ({c.via})",
                CATALOGUE_PAGE,
            )
            for c in consumed
        )
        summary = _("%(published)s SPLP service(s) published; may call %(consumed)s service(s) of other agencies") % {
            "published": len(published),
            "consumed": len({c.service.id for c in consumed}),
        }
        level = 3 if published and consumed else 2
        return Suggestion(indicator, self.name, "suggested", summary, level, citations)


@dataclass(frozen=True)
class RegistryApplications:
    """Indicator 15 (Pembangunan Aplikasi SPBE): the agency's registry applications and the duplicate groups
    (consolidation candidates) they fall in, from the registry's services. No level is suggested."""

    name: str = "registry"
    indicators: tuple[int, ...] = (15,)
    max_groups: int = 50

    def suggest(self, session: Session, agency_code: str, indicator: int) -> Suggestion:
        applications = registry_applications.list_applications(session, agency_code=agency_code)
        if not applications:
            return _no_data(
                indicator, self.name, _("The agency has no application in the Arsitektur SPBE registry yet.")
            )
        groups = registry_duplicates.list_groups(session, agency=agency_code, limit=self.max_groups)
        citations = tuple(
            Citation("registry", "application", a.code, str(a.name), f"/registry/applications/{a.code}")
            for a in applications
        ) + tuple(
            Citation("registry", "duplicate-group", g.key, _group_label(g), f"/registry/duplicates/{g.key}")
            for g in groups.items
        )
        summary = _(
            "%(applications)s application(s) in the Arsitektur SPBE registry; %(groups)s duplicate group(s) "
            "(consolidation candidates) hold one or more of them"
        ) % {"applications": len(applications), "groups": groups.total}
        return Suggestion(indicator, self.name, "suggested", summary, None, citations)


def _group_label(group: GroupSummary) -> str:
    target = f"; Aplikasi Umum {group.umum_target}" if group.umum_target else ""
    counts = _("%(applications)s applications in %(agencies)s agencies") % {
        "applications": group.applications,
        "agencies": group.agencies,
    }
    return f"{group.label}: {counts}{target}"


@dataclass(frozen=True)
class PublicService:
    """A public service of an agency as the portal (MPP Digital) would report it."""

    id: str
    name: str
    channel: str  # e.g. "online", "counter"
    indicators: tuple[int, ...]  # the evaluation indicators it is evidence for (42–47)


class PublicServiceCatalogue(Protocol):
    """What the portal module will provide: an agency's public services. Wired in by the composition root
    (``spbe.app``), since the evaluation never imports the portal."""

    def services_of_agency(self, session: Session, agency_code: str) -> Sequence[PublicService]: ...


def portal_not_built() -> str:
    """Why indicators 42–47 have no data (in the reader's language)."""
    return _(
        "No data: the portal module (MPP Digital) is not built yet, so the platform has no record of the "
        "agency's public services."
    )


@dataclass(frozen=True)
class PortalServices:
    """Indicators 42–47 (Layanan Publik): the agency's public services in MPP Digital.

    ``catalogue`` is None until the portal publishes its service catalogue; the suggestion then says "no data"
    and why. With a catalogue, each indicator cites the services tagged with it.
    """

    name: str = "portal"
    indicators: tuple[int, ...] = (42, 43, 44, 45, 46, 47)
    catalogue: PublicServiceCatalogue | None = None

    def suggest(self, session: Session, agency_code: str, indicator: int) -> Suggestion:
        if self.catalogue is None:
            return _no_data(indicator, self.name, portal_not_built())
        services = [s for s in self.catalogue.services_of_agency(session, agency_code) if indicator in s.indicators]
        if not services:
            return _no_data(
                indicator, self.name, _("The agency offers no public service for this indicator in MPP Digital.")
            )
        citations = tuple(Citation("portal", "service", s.id, f"{s.name} ({s.channel})") for s in services)
        return Suggestion(
            indicator,
            self.name,
            "suggested",
            _("%(count)s public service(s) in MPP Digital") % {"count": len(services)},
            None,
            citations,
        )


DEFAULT_SOURCES: tuple[EvidenceSource, ...] = (SplpServices(), RegistryApplications(), PortalServices())


def suggestions_for(
    session: Session, agency_code: str, sources: Sequence[EvidenceSource] = DEFAULT_SOURCES
) -> list[Suggestion]:
    """Every source's suggestion for the agency, in indicator order."""
    found = [source.suggest(session, agency_code, number) for source in sources for number in source.indicators]
    return sorted(found, key=lambda s: s.indicator)
