"""The SPLP service catalogue as agencies and the evaluation read it (through this service layer)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from spbe.interop import repository


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
