"""The SPLP service catalogue as agencies and the evaluation read it (through this service layer)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from spbe.interop import repository
from spbe.interop.models import Member


@dataclass(frozen=True)
class CatalogueEntry:
    """One published service with its provider and operations."""

    id: int
    service_id: str  # INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE
    title: str
    provider_name: str
    provider_agency_code: str | None
    operations: tuple[str, ...]


def catalogue(session: Session) -> list[CatalogueEntry]:
    """Every enabled service, ordered by provider and code."""
    members = {member.id: member for member in repository.all_members(session)}
    subsystems = {subsystem.id: subsystem for subsystem in repository.all_subsystems(session)}
    operations: dict[int, list[str]] = {}
    for endpoint in repository.all_endpoints(session):
        operations.setdefault(endpoint.service_id, []).append(f"{endpoint.method} {endpoint.path}")
    entries = []
    for service in repository.all_services(session):
        if not service.enabled:
            continue
        subsystem = subsystems[service.subsystem_id]
        member = members[subsystem.member_id]
        identifier = "/".join((member.instance, member.member_class, member.member_code, subsystem.code, service.code))
        entries.append(
            CatalogueEntry(
                id=service.id,
                service_id=identifier,
                title=service.title or service.code,
                provider_name=member.name,
                provider_agency_code=member.agency_code,
                operations=tuple(sorted(operations.get(service.id, []))),
            )
        )
    return sorted(entries, key=lambda entry: entry.service_id)


def services_of_agency(session: Session, agency_code: str) -> list[CatalogueEntry]:
    """The services an agency publishes on SPLP (evidence for evaluation indicator 18)."""
    return [entry for entry in catalogue(session) if entry.provider_agency_code == agency_code]


@dataclass(frozen=True)
class ConsumedEntry:
    """A service an agency's subsystem may call, and the access right that allows it."""

    service: CatalogueEntry
    client: str  # INSTANCE/CLASS/MEMBER/SUBSYSTEM of the agency's subsystem
    via: str  # "subsystem" (granted by name) or the group granted: all, class:PEMDA, province:32


def services_consumed_by_agency(session: Session, agency_code: str) -> list[ConsumedEntry]:
    """Other agencies' services that the agency's subsystems may call by an access right (evidence for
    evaluation indicator 18); an agency without a subsystem on SPLP consumes nothing."""
    members = {m.id: m for m in repository.all_members(session) if m.agency_code == agency_code}
    own = {s.id: s for s in repository.all_subsystems(session) if s.member_id in members}
    services = {entry.id: entry for entry in catalogue(session) if entry.provider_agency_code != agency_code}
    found: dict[tuple[int, int], ConsumedEntry] = {}
    for right in repository.all_grants(session):
        for subsystem in own.values():
            via = _grant_covers(
                right.subject_subsystem_id, right.subject_group, subsystem.id, members[subsystem.member_id]
            )
            if via and right.service_id in services and (right.service_id, subsystem.id) not in found:
                member = members[subsystem.member_id]
                client = "/".join((member.instance, member.member_class, member.member_code, subsystem.code))
                found[(right.service_id, subsystem.id)] = ConsumedEntry(services[right.service_id], client, via)
    return sorted(found.values(), key=lambda entry: (entry.service.service_id, entry.client))


def _grant_covers(subsystem_id: int | None, group: str | None, own_id: int, member: Member) -> str | None:
    if subsystem_id is not None:
        return "subsystem" if subsystem_id == own_id else None
    if group is None:
        return None
    kind, _, value = group.partition(":")
    covered = group == "all" or (kind == "class" and member.member_class == value)
    covered = covered or (kind == "province" and member.province_code == value)
    return group if covered else None
