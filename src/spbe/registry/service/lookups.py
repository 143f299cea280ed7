"""Reference data an application is checked against, loaded once per request or import."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from spbe.registry.repository import catalogue as repository

AFFAIR_REFERENCE = "probis"
CATEGORY_REFERENCE = "aplikasi"


@dataclass
class Lookups:
    """Codes known to the registry: agencies, affairs, categories, infrastructure, data sets."""

    agencies: dict[str, int]
    affairs: dict[str, str]
    categories: dict[str, str]
    infrastructure: dict[str, int]
    datasets: dict[str, int]
    agency_codes: dict[int, str] = field(default_factory=dict)
    infrastructure_codes: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.agency_codes = {ident: code for code, ident in self.agencies.items()}
        self.infrastructure_codes = {ident: code for code, ident in self.infrastructure.items()}


def load(session: Session) -> Lookups:
    return Lookups(
        agencies=repository.agency_ids(session),
        affairs=repository.term_codes(session, AFFAIR_REFERENCE, level=2),
        categories=repository.term_codes(session, CATEGORY_REFERENCE),
        infrastructure=repository.infrastructure_ids(session),
        datasets=repository.dataset_ids(session),
    )
