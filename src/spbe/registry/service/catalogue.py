"""Services (layanan), data sets and infrastructure: one generic create/read/update/delete.

Each kind declares its model, its input schema and which column holds the owner agency; writes are
authorised, versioned (optimistic locking) and logged like applications.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from spbe.core.db import Base
from spbe.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from spbe.core.security import Principal
from spbe.registry.models import DataSet, Infrastructure, Service
from spbe.registry.repository import applications as application_repository
from spbe.registry.repository import catalogue as repository
from spbe.registry.schemas.catalogue import (
    CatalogueKind,
    CatalogueOut,
    CataloguePage,
    ChangeOut,
    DataSetIn,
    InfrastructureIn,
    ServiceIn,
)
from spbe.registry.service import access, changes, redaction


@dataclass(frozen=True)
class KindSpec:
    """How one catalogue kind maps between its schema and its table."""

    object_type: str
    model: type[Base]
    schema: type[BaseModel]
    owner_column: str
    renamed: tuple[tuple[str, str], ...] = ()  # (schema field, model column)


SPECS = {
    CatalogueKind.services: KindSpec("service", Service, ServiceIn, "agency_id", (("category", "category_code"),)),
    CatalogueKind.datasets: KindSpec("dataset", DataSet, DataSetIn, "producer_agency_id"),
    CatalogueKind.infrastructure: KindSpec("infrastructure", Infrastructure, InfrastructureIn, "agency_id"),
}
LINK_FIELDS = {"applications"}


def _snapshot(session: Session, spec: KindSpec, instance: Any, agency_code: str) -> dict[str, Any]:
    data: dict[str, Any] = {"agency_code": agency_code}
    columns = dict(spec.renamed)
    for name in spec.schema.model_fields:
        if name == "agency_code":
            continue
        if name == "applications":
            data[name] = repository.service_application_codes(session, instance.id)
        else:
            value = getattr(instance, columns.get(name, name))
            data[name] = value.value if hasattr(value, "value") else value
    return data


def _out(spec: KindSpec, data: dict[str, Any], version: int) -> CatalogueOut:
    fields = {k: v for k, v in data.items() if k not in ("code", "name", "agency_code")}
    return CatalogueOut(
        code=data["code"], name=data["name"], agency_code=data["agency_code"], version=version, fields=fields
    )


def _load(session: Session, spec: KindSpec, code: str) -> tuple[Any, str]:
    instance = repository.get(session, spec.model, code)
    if instance is None:
        raise NotFound(f"There is no {spec.object_type} with code {code!r}.")
    return instance, repository.agency_codes(session)[getattr(instance, spec.owner_column)]


def exists(session: Session, kind: CatalogueKind, code: str) -> bool:
    return repository.get(session, SPECS[kind].model, code) is not None


def secret_readers(reader: Principal | None) -> tuple[str, ...] | None:
    """Whose ``rahasia`` data sets ``reader`` may see: ``None`` for all (coordinators), else their agency's."""
    if access.is_coordinator(reader):
        return None
    if reader is not None and reader.kind == "staff" and reader.agency_code:
        return (reader.agency_code,)
    return ()


def _readable(spec: KindSpec, instance: Any, owner: str, reader: Principal | None) -> str:
    """``all``, ``metadata`` or ``none``: only data sets are restricted (by their classification)."""
    if spec.model is not DataSet:
        return "all"
    return access.can_read_dataset(reader, owner, instance.classification or "terbuka")


def _visible_out(spec: KindSpec, data: dict[str, Any], version: int, level: str) -> CatalogueOut:
    if level == "metadata":
        data = {**data, **dict.fromkeys(redaction.DATASET_RESTRICTED)}
    return _out(spec, data, version)


def _load_readable(session: Session, spec: KindSpec, code: str, reader: Principal | None) -> tuple[Any, str, str]:
    instance, owner = _load(session, spec, code)
    level = _readable(spec, instance, owner, reader)
    if level == "none":
        raise NotFound(f"There is no {spec.object_type} with code {code!r}.")
    return instance, owner, level


def get(session: Session, kind: CatalogueKind, code: str, reader: Principal | None = None) -> CatalogueOut:
    """One object as ``reader`` may see it (a restricted data set's fields hidden, a secret one 404)."""
    spec = SPECS[kind]
    instance, owner, level = _load_readable(session, spec, code, reader)
    return _visible_out(spec, _snapshot(session, spec, instance, owner), instance.version, level)


def list_page(
    session: Session,
    kind: CatalogueKind,
    *,
    agency_code: str | None,
    page: int,
    per_page: int,
    reader: Principal | None = None,
) -> CataloguePage:
    spec = SPECS[kind]
    rows, total = repository.page(
        session,
        spec.model,
        spec.owner_column,
        agency_code,
        per_page,
        (page - 1) * per_page,
        secret_readers=secret_readers(reader),
    )
    items = [
        _visible_out(
            spec,
            _snapshot(session, spec, item, owner),
            cast(Any, item).version,
            _readable(spec, item, owner, reader),
        )
        for item, owner in rows
    ]
    return CataloguePage(items=items, total=total, page=page, per_page=per_page)


def _assign(session: Session, spec: KindSpec, instance: Any, data: dict[str, Any]) -> None:
    agencies = repository.agency_ids(session)
    if data["agency_code"] not in agencies:
        raise ValidationFailed(
            "Unknown agency.", errors=[FieldError("agency_code", f"unknown agency code {data['agency_code']!r}")]
        )
    setattr(instance, spec.owner_column, agencies[data["agency_code"]])
    columns = dict(spec.renamed)
    for name, value in data.items():
        if name not in ("agency_code", *LINK_FIELDS):
            setattr(instance, columns.get(name, name), value)


def _link(session: Session, instance: Any, data: dict[str, Any]) -> None:
    if "applications" not in data:
        return
    ids = application_repository.code_to_id(session, data["applications"])
    unknown = [code for code in data["applications"] if code not in ids]
    if unknown:
        raise ValidationFailed(
            "Unknown applications.",
            errors=[FieldError("applications", f"unknown application code {c!r}") for c in unknown],
        )
    repository.set_service_applications(session, instance.id, ids.values())


def create(session: Session, actor: Principal, kind: CatalogueKind, record: BaseModel) -> CatalogueOut:
    spec = SPECS[kind]
    data = record.model_dump(mode="json")
    access.require_write(
        session,
        actor,
        action=f"registry.{spec.object_type}.create",
        object_type=spec.object_type,
        object_id=data["code"],
        owners=[data["agency_code"]],
    )
    if repository.get(session, spec.model, data["code"]) is not None:
        raise Conflict(f"A {spec.object_type} with code {data['code']!r} already exists.")
    instance: Any = spec.model()
    _assign(session, spec, instance, data)
    repository.add(session, instance)
    _link(session, instance, data)
    after = _snapshot(session, spec, instance, data["agency_code"])
    changes.record(
        session, actor, object_type=spec.object_type, code=data["code"], action="create", before=None, after=after
    )
    return _out(spec, after, instance.version)


def _merge(spec: KindSpec, before: dict[str, Any], given: dict[str, Any], code: str) -> dict[str, Any]:
    """The record after the change, checked again as a whole (a required field sent as null is a 422)."""
    try:
        return spec.schema.model_validate({**before, **given, "code": code}).model_dump(mode="json")
    except ValidationError as error:
        errors = [FieldError(".".join(str(p) for p in e["loc"]) or "body", e["msg"]) for e in error.errors()]
        raise ValidationFailed(f"The change to {code} is not valid.", errors=errors) from None


def update(session: Session, actor: Principal, kind: CatalogueKind, code: str, patch: BaseModel) -> CatalogueOut:
    """Change the given fields; ``patch.version`` must be the current version (else 409)."""
    spec = SPECS[kind]
    instance, owner = _load(session, spec, code)
    before = _snapshot(session, spec, instance, owner)
    given = patch.model_dump(mode="json", exclude_unset=True)
    version = given.pop("version", None)
    merged = _merge(spec, before, given, code)
    access.require_write(
        session,
        actor,
        action=f"registry.{spec.object_type}.update",
        object_type=spec.object_type,
        object_id=code,
        owners={owner, merged["agency_code"]},
    )
    if version != instance.version:
        raise Conflict(
            f"{code} was changed meanwhile (version {instance.version}, you sent {version}); reload and retry."
        )
    if merged != before:
        _assign(session, spec, instance, merged)
        instance.version += 1
        session.flush()
        _link(session, instance, merged)
        changes.record(
            session, actor, object_type=spec.object_type, code=code, action="update", before=before, after=merged
        )
    return _out(spec, merged, instance.version)


def delete(session: Session, actor: Principal, kind: CatalogueKind, code: str) -> None:
    spec = SPECS[kind]
    instance, owner = _load(session, spec, code)
    access.require_write(
        session,
        actor,
        action=f"registry.{spec.object_type}.delete",
        object_type=spec.object_type,
        object_id=code,
        owners=[owner],
    )
    before = _snapshot(session, spec, instance, owner)
    repository.clear_classifications(session, spec.object_type, instance.id)
    repository.remove(session, instance)
    changes.record(session, actor, object_type=spec.object_type, code=code, action="delete", before=before, after=None)


def history(session: Session, kind: CatalogueKind, code: str, reader: Principal | None = None) -> list[ChangeOut]:
    """The change log, hidden where ``get`` hides (a deleted object's log stays readable by its rules)."""
    spec = SPECS[kind]
    entries = changes.history(session, spec.object_type, code)
    instance = repository.get(session, spec.model, code)
    if spec.model is not DataSet:
        if not entries and instance is None:
            raise NotFound(f"There is no {spec.object_type} with code {code!r}.")
        return entries
    owner: str | None
    if instance is not None:
        _, owner, _level = _load_readable(session, spec, code, reader)
        current = cast(DataSet, instance).classification or "terbuka"
    else:
        owner, current = _last_known(entries, "agency_code"), _last_known(entries, "classification") or "rahasia"
        if not entries or access.can_read_dataset(reader, owner or "", current) == "none":
            raise NotFound(f"There is no {spec.object_type} with code {code!r}.")
    return redaction.dataset_history(entries, reader, owner or "", current)


def _last_known(entries: list[ChangeOut], name: str) -> str | None:
    for entry in reversed(entries):
        for side in (entry.data.get("after"), entry.data.get("before")):
            if isinstance(side, dict) and side.get(name):
                return str(side[name])
    return None


def object_ref(session: Session, kind: CatalogueKind, code: str) -> tuple[str, int, str]:
    """(object type, id, owner agency code) for classification."""
    spec = SPECS[kind]
    instance, owner = _load(session, spec, code)
    return spec.object_type, instance.id, owner
