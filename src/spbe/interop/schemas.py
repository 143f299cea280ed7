"""Shapes of the SPLP management API (``/api/v1/interop/…``), shared by routes, pages and the CLI."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

IDENTIFIER_HELP = "Characters A–Z a–z 0–9 and '()+,-.=? only"


class SubsystemIn(BaseModel):
    """A new subsystem (information system) of the caller's agency."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=255, examples=["SATUSEHAT"], description=IDENTIFIER_HELP)
    name: str = Field(min_length=1, max_length=200, examples=["SATUSEHAT"])
    application_code: str | None = Field(
        default=None, max_length=60, description="The registry application this subsystem is (same agency)."
    )
    agency_code: str | None = Field(
        default=None, max_length=40, description="Only for the coordinator: register for this agency."
    )


class SubsystemOut(BaseModel):
    id: int
    identifier: str = Field(examples=["ID/GOV/KEMENKES/SATUSEHAT"], description="Use as X-Road-Client.")
    name: str
    agency_code: str | None
    application_code: str | None
    created_at: dt.datetime


class ServiceIn(BaseModel):
    """A new REST service; it stays unpublished (not callable, not in the catalogue) until published."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=255, examples=["vaksin"], description=IDENTIFIER_HELP)
    title: str = Field(default="", max_length=200)
    base_url: str = Field(
        max_length=500,
        examples=["https://satusehat.internal/api"],
        description="The only URL the gateway calls; the caller's path and query are appended.",
    )
    timeout_ms: int = Field(default=30_000, ge=100, le=300_000)
    openapi: str | dict[str, Any] = Field(description="OpenAPI 3 document: JSON or YAML text, or a JSON object.")


class ServicePatch(BaseModel):
    """Change a service; omitted fields stay. A new OpenAPI document adds its operations as endpoints."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=200)
    base_url: str | None = Field(default=None, max_length=500)
    timeout_ms: int | None = Field(default=None, ge=100, le=300_000)
    openapi: str | dict[str, Any] | None = None


class EndpointOut(BaseModel):
    method: str
    path: str


class ServiceOut(BaseModel):
    id: int
    identifier: str = Field(examples=["ID/GOV/KEMENKES/SATUSEHAT/vaksin"])
    title: str
    provider: str
    provider_name: str
    base_url: str | None = Field(description="Only shown to the provider's staff and the coordinator.")
    timeout_ms: int
    published: bool
    has_openapi: bool
    endpoints: list[EndpointOut]


class CredentialIn(BaseModel):
    """Which kind of credential to issue; ``params`` are the kind's own (none for ``api_key``)."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(default="api_key", examples=["api_key"])
    params: dict[str, Any] = Field(default_factory=dict)


class CredentialOut(BaseModel):
    kind: str
    credential_id: str
    subsystem: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


class IssuedCredentialOut(CredentialOut):
    """A new credential. ``secret`` is shown this once and never stored in the clear."""

    secret: str | None = None
    usage: str = Field(description="How a caller presents it, e.g. the header to send.")


class GrantOut(BaseModel):
    id: int
    service: str
    subject: str = Field(description="A subsystem identifier, or 'group <name>'.")
    endpoint: str = Field(description="'METHOD /path', or '*' for the whole service.")
    granted_by: str
    granted_at: dt.datetime
    direction: Literal["provided", "held"]


class AccessRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str = Field(examples=["ID/GOV/KEMENKES/SATUSEHAT/vaksin"])
    client: str = Field(examples=["ID/PEMDA/KOTA-32.73/MPP"], description="Your subsystem that will call.")
    endpoints: list[str] = Field(
        default_factory=list, examples=[["GET /riwayat/*"]], description="Empty: the whole service."
    )
    purpose: str = Field(min_length=1, max_length=2000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=2000)


class AccessRequestOut(BaseModel):
    id: int
    service: str
    service_title: str
    provider_agency: str | None
    client: str
    client_agency: str | None
    endpoints: list[str]
    purpose: str
    status: Literal["requested", "approved", "rejected", "withdrawn"]
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    reason: str | None
