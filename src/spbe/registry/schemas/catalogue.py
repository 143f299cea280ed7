"""Shapes of applications, services, data sets and infrastructure (in, out, pages, change log)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from spbe.registry.duplicates.schemas import CheckOut
from spbe.registry.models import ApplicationKind, LifecycleStatus, ServiceArea


class TimeDisposition(StrEnum):
    """LeanIX TIME: from functional fit × technical fit (1–4, 3 and 4 count as high)."""

    tolerate = "tolerate"
    invest = "invest"
    migrate = "migrate"
    eliminate = "eliminate"


def time_disposition(functional_fit: int | None, technical_fit: int | None) -> TimeDisposition | None:
    """Tolerate = technical high, functional low; Invest = both high; Migrate = functional high only; Eliminate."""
    if functional_fit is None or technical_fit is None:
        return None
    functional, technical = functional_fit >= 3, technical_fit >= 3
    if functional:
        return TimeDisposition.invest if technical else TimeDisposition.migrate
    return TimeDisposition.tolerate if technical else TimeDisposition.eliminate


Fit = Field(default=None, ge=1, le=4)


class ApplicationIn(BaseModel):
    """An application (aplikasi) as written: the same fields as a row of the bulk-import file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(
        min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$", examples=["KOTA-32.73-SIMPEG"]
    )
    name: str = Field(min_length=1, max_length=200, examples=["Sistem Informasi Manajemen Kepegawaian"])
    acronym: str | None = Field(default=None, max_length=60, examples=["SIMPEG"])
    description: str | None = Field(default=None, max_length=5000)
    agency_code: str = Field(min_length=1, max_length=40, description="Owner agency (instansi) code")
    kind: ApplicationKind = ApplicationKind.khusus
    wali_agency_code: str | None = Field(default=None, max_length=40, description="Wali layanan of an Aplikasi Umum")
    category: str | None = Field(
        default=None, max_length=40, description="Referensi Arsitektur Aplikasi code (RAA.x.y)"
    )
    affairs: list[str] = Field(default_factory=list, description="Proses Bisnis affairs (urusan) SS.UU")
    service_area: ServiceArea | None = None
    status: LifecycleStatus = LifecycleStatus.production
    hosting: str | None = Field(default=None, max_length=60, description="Infrastructure code, e.g. PDN")
    technology: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=500)
    users: int | None = Field(default=None, ge=0)
    functional_fit: int | None = Fit
    technical_fit: int | None = Fit
    datasets: list[str] = Field(default_factory=list, description="Codes of the data sets it uses")


class ApplicationPatch(BaseModel):
    """A change to an application: only the fields given change; ``version`` must be the current one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    version: int = Field(ge=1, description="The version read; a stale version is refused with 409")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    acronym: str | None = Field(default=None, max_length=60)
    description: str | None = Field(default=None, max_length=5000)
    agency_code: str | None = Field(default=None, max_length=40)
    kind: ApplicationKind | None = None
    wali_agency_code: str | None = Field(default=None, max_length=40)
    category: str | None = Field(default=None, max_length=40)
    affairs: list[str] | None = None
    service_area: ServiceArea | None = None
    status: LifecycleStatus | None = None
    hosting: str | None = Field(default=None, max_length=60)
    technology: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=500)
    users: int | None = Field(default=None, ge=0)
    functional_fit: int | None = Fit
    technical_fit: int | None = Fit
    datasets: list[str] | None = None


class ApplicationOut(BaseModel):
    """An application as read. ``url`` of internal applications, ``technology`` and ``hosting`` are
    confidential: ``null`` for anonymous readers."""

    id: int
    code: str
    name: str
    acronym: str | None
    description: str | None
    agency_code: str
    agency_name: str
    agency_kind: str
    province_code: str | None
    kind: ApplicationKind
    wali_agency_code: str | None
    category: str | None
    affairs: list[str]
    service_area: ServiceArea | None
    status: LifecycleStatus
    hosting: str | None
    technology: str | None
    url: str | None
    users: int | None
    functional_fit: int | None
    technical_fit: int | None
    time: TimeDisposition | None
    datasets: list[str]
    version: int
    updated_at: dt.datetime | None = None


class ApplicationCreated(ApplicationOut):
    """A registered application with the duplicate check run on it just before (it does not block)."""

    duplicate_check: CheckOut | None = Field(
        default=None,
        description="The closest existing applications and a verdict (duplicate, similar, new); null when skipped",
    )


class ApplicationPage(BaseModel):
    items: list[ApplicationOut]
    total: int
    page: int
    per_page: int
    corrected_query: str | None = Field(
        default=None, description="The query searched instead when the words as typed found nothing (typos)"
    )

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class IntegrationOut(BaseModel):
    direction: str  # "out" | "in"
    code: str
    name: str
    agency_code: str
    channel: str


class ChangeOut(BaseModel):
    """One entry of an object's change log."""

    model_config = ConfigDict(from_attributes=True)

    occurred_at: dt.datetime
    actor: str
    action: str
    source: str
    audit_seq: int | None
    data: dict[str, Any]


class CatalogueKind(StrEnum):
    """The simple catalogue objects besides applications."""

    services = "services"
    datasets = "datasets"
    infrastructure = "infrastructure"


class ServiceIn(BaseModel):
    """Layanan SPBE."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    agency_code: str = Field(min_length=1, max_length=40)
    service_area: ServiceArea = ServiceArea.publik
    category: str | None = Field(default=None, max_length=40, description="Referensi Arsitektur Layanan code")
    applications: list[str] = Field(default_factory=list, description="Codes of the applications delivering it")


class DataSetIn(BaseModel):
    """A data set with Satu Data Indonesia metadata."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    agency_code: str = Field(min_length=1, max_length=40, description="Producer (walidata) agency")
    reference_codes: str | None = Field(default=None, max_length=200)
    data_format: str | None = Field(default=None, max_length=40)
    frequency: str | None = Field(default=None, max_length=40)
    classification: str = Field(default="terbuka", pattern="^(terbuka|terbatas|rahasia)$")


class InfrastructureIn(BaseModel):
    """Infrastruktur SPBE: a data centre, a network or a cloud platform."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(default="data_centre", pattern="^(data_centre|network|cloud)$")
    agency_code: str = Field(min_length=1, max_length=40)
    region_code: str | None = Field(default=None, max_length=13)
    is_national_data_centre: bool = False
    tier: str | None = Field(default=None, max_length=20)
    description: str | None = Field(default=None, max_length=5000)


class _PatchBase(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    version: int = Field(ge=1, description="The version read; a stale version is refused with 409")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    agency_code: str | None = Field(default=None, min_length=1, max_length=40)


class ServicePatch(_PatchBase):
    """A change to a service: only the fields given change."""

    service_area: ServiceArea | None = None
    category: str | None = Field(default=None, max_length=40)
    applications: list[str] | None = None


class DataSetPatch(_PatchBase):
    """A change to a data set: only the fields given change."""

    reference_codes: str | None = Field(default=None, max_length=200)
    data_format: str | None = Field(default=None, max_length=40)
    frequency: str | None = Field(default=None, max_length=40)
    classification: str | None = Field(default=None, pattern="^(terbuka|terbatas|rahasia)$")


class InfrastructurePatch(_PatchBase):
    """A change to an infrastructure: only the fields given change."""

    kind: str | None = Field(default=None, pattern="^(data_centre|network|cloud)$")
    region_code: str | None = Field(default=None, max_length=13)
    is_national_data_centre: bool | None = None
    tier: str | None = Field(default=None, max_length=20)


class CatalogueOut(BaseModel):
    """A service, data set or infrastructure as read: its fields plus ``version``."""

    code: str
    name: str
    agency_code: str
    version: int
    fields: dict[str, Any]


class CataloguePage(BaseModel):
    items: list[CatalogueOut]
    total: int
    page: int
    per_page: int


class ClassificationIn(BaseModel):
    reference: str = Field(pattern="^(probis|data|layanan|aplikasi|infrastruktur|keamanan)$")
    code: str = Field(max_length=40)


class TaxonomyTermOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    reference: str
    version: str
    code: str
    name: str
    parent_code: str | None
    level: int
    description: str | None
