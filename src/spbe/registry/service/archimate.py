"""ArchiMate 3.1 Open Exchange Format: export an agency's or the nation's architecture, and import it back.

Mapping: agency (instansi) → BusinessActor, application → ApplicationComponent, service (layanan) →
ApplicationService, data set → DataObject, infrastructure → Node. Relationships: Association agency →
application (named ``pemilik``, owner: ArchiMate 3.1 allows no Assignment from a BusinessActor to an
ApplicationComponent, and Archi refuses a file holding one), Serving application → service, Access
application → data object, Realization node → application (hosting), Flow application → application
(integrations). Registry fields travel as properties declared in ``propertyDefinitions``. Views are
optional in the standard and not written, so the file opens in Archi (File › Import › Open Exchange XML
Model) with everything in its model tree. ``tests/registry/archimate_rules.py`` checks the schema's rules.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from spbe.core.errors import BadRequest, FieldError, ValidationFailed
from spbe.core.security import Principal
from spbe.registry.models import DataSet, Infrastructure, Service
from spbe.registry.repository import applications as application_repository
from spbe.registry.repository import catalogue as repository
from spbe.registry.schemas.catalogue import CatalogueKind, ServicePatch
from spbe.registry.schemas.exchange import ImportReport
from spbe.registry.service import access, applications, catalogue, exports
from spbe.registry.service.applications import COLUMNS
from spbe.registry.service.imports import import_applications

NS = "http://www.opengroup.org/xsd/archimate/3.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_LOCATION = f"{NS} http://www.opengroup.org/xsd/archimate/3.1/archimate3_Model.xsd"
LANG = "id"
_NOT_NCNAME = re.compile(r"[^A-Za-z0-9._-]")
CONTEXT = "context"  # property of another agency's application shown for its integrations
OWNER = "pemilik"  # the name of the Association agency → application

ET.register_namespace("", NS)
ET.register_namespace("xsi", XSI)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def element_id(prefix: str, code: str) -> str:
    """A valid XML ID (NCName) for a registry object: ``id-app-KOTA-32.73-SIMPEG``."""
    return f"id-{prefix}-{_NOT_NCNAME.sub('_', code)}"


@dataclass
class _Builder:
    """Collects elements, relationships and the property names they use."""

    elements: list[ET.Element] = field(default_factory=list)
    relationships: list[ET.Element] = field(default_factory=list)
    property_names: dict[str, str] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)

    def element(
        self, identifier: str, kind: str, name: str, properties: Mapping[str, Any], documentation: str | None = None
    ) -> None:
        if identifier in self.known:
            return
        self.known.add(identifier)
        node = ET.Element(_q("element"), {"identifier": identifier, f"{{{XSI}}}type": kind})
        _text(node, "name", name)
        if documentation:
            _text(node, "documentation", documentation)
        self._properties(node, properties)
        self.elements.append(node)

    def relationship(self, kind: str, source: str, target: str, name: str | None = None) -> None:
        if source not in self.known or target not in self.known:
            return
        key = f"{kind}|{source}|{target}|{name or ''}"
        identifier = f"id-rel-{uuid.uuid5(uuid.NAMESPACE_URL, key).hex}"
        if identifier in self.known:  # the same integration listed twice
            return
        self.known.add(identifier)
        attributes = {"identifier": identifier, "source": source, "target": target, f"{{{XSI}}}type": kind}
        if kind == "Access":
            attributes["accessType"] = "Access"  # unspecified direction (the schema's default, said explicitly)
        node = ET.Element(_q("relationship"), attributes)
        if name:
            _text(node, "name", name)
        self.relationships.append(node)

    def _properties(self, node: ET.Element, properties: Mapping[str, Any]) -> None:
        values = [(key, _flat(value)) for key, value in properties.items() if value not in (None, "", [])]
        if not values:
            return
        container = ET.SubElement(node, _q("properties"))
        for key, value in values:
            ref = self.property_names.setdefault(key, f"propid-{key}")
            prop = ET.SubElement(container, _q("property"), {"propertyDefinitionRef": ref})
            _text(prop, "value", value)


def _flat(value: Any) -> str:
    return ";".join(value) if isinstance(value, list) else str(value)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    child = ET.SubElement(parent, _q(tag), {XML_LANG: LANG})
    child.text = text
    return child


def export(session: Session, agency_code: str | None, reader: Principal | None) -> bytes:
    """The Open Exchange XML of one agency's architecture (with the agencies it touches) or the nation's."""
    builder = _Builder()
    records = list(exports.records(session, agency_code, reader))
    codes = {a["agency_code"] for a in records} | {a["wali_agency_code"] for a in records if a["wali_agency_code"]}
    _add_agencies(session, builder, codes | ({agency_code} if agency_code else set()))
    _add_catalogue(session, builder, agency_code, records, reader)
    for app in records:
        properties = {name: app[name] for name in COLUMNS if name not in ("name", "description")}
        identifier = element_id("app", app["code"])
        builder.element(identifier, "ApplicationComponent", app["name"], properties, app["description"])
    _add_partners(session, builder, agency_code, reader)
    _relate(session, builder, agency_code, records)
    return _document(builder, agency_code)


def _add_partners(session: Session, builder: _Builder, agency_code: str | None, reader: Principal | None) -> None:
    """Other agencies' applications this agency's applications exchange data with, marked ``context``
    (shown for the Flow relationships, skipped on import)."""
    if agency_code is None:
        return
    for source, target, _channel in application_repository.all_integrations(session, agency_code):
        for code in (source, target):
            if element_id("app", code) not in builder.known:
                partner = applications.get(session, code, reader)
                properties = {
                    "code": code,
                    "agency_code": partner.agency_code,
                    "kind": partner.kind.value,
                    CONTEXT: "true",
                }
                _add_agencies(session, builder, [partner.agency_code])
                builder.element(
                    element_id("app", code), "ApplicationComponent", partner.name, properties, partner.description
                )


def _add_agencies(session: Session, builder: _Builder, codes: Iterable[str]) -> None:
    for agency in repository.agencies_by_codes(session, codes):
        properties = {"code": agency.code, "agency_kind": agency.kind, "region_code": agency.region_code}
        builder.element(element_id("agency", agency.code), "BusinessActor", agency.name, properties)


def _add_catalogue(
    session: Session,
    builder: _Builder,
    agency_code: str | None,
    applications: list[dict[str, Any]],
    reader: Principal | None,
) -> None:
    dataset_codes = {code for app in applications for code in app["datasets"]}
    hosting_codes = {app["hosting"] for app in applications if app["hosting"]}
    for instance, owner in repository.all_of(session, Service, "agency_id", agency_code):
        props = {
            "code": instance.code,
            "agency_code": owner,
            "service_area": instance.service_area,
            "category": instance.category_code,
        }
        builder.element(
            element_id("svc", instance.code), "ApplicationService", instance.name, props, instance.description
        )
    secret = catalogue.secret_readers(reader)
    for dataset, owner in repository.all_of(session, DataSet, "producer_agency_id", None, secret_readers=secret):
        if agency_code is None or owner == agency_code or dataset.code in dataset_codes:
            shown = access.can_read_dataset(reader, owner, dataset.classification or "terbuka") == "all"
            props = {
                "code": dataset.code,
                "agency_code": owner,
                "reference_codes": dataset.reference_codes if shown else None,
                "data_format": dataset.data_format,
                "frequency": dataset.frequency,
                "classification": dataset.classification,
            }
            description = dataset.description if shown else None
            builder.element(element_id("data", dataset.code), "DataObject", dataset.name, props, description)
    for node, owner in repository.all_of(session, Infrastructure, "agency_id", None):
        if agency_code is None or owner == agency_code or node.code in hosting_codes:
            props = {
                "code": node.code,
                "agency_code": owner,
                "infrastructure_kind": node.kind,
                "is_national_data_centre": str(node.is_national_data_centre).lower(),
            }
            builder.element(element_id("node", node.code), "Node", node.name, props, node.description)


def _relate(session: Session, builder: _Builder, agency_code: str | None, applications: list[dict[str, Any]]) -> None:
    for app in applications:
        me = element_id("app", app["code"])
        builder.relationship("Association", element_id("agency", app["agency_code"]), me, OWNER)
        for dataset in app["datasets"]:
            if element_id("data", dataset) in builder.known:  # a rahasia data set the reader may not see
                builder.relationship("Access", me, element_id("data", dataset))
        if app["hosting"]:
            builder.relationship("Realization", element_id("node", app["hosting"]), me)
    for app_code, service_code in repository.serving_pairs(session):
        builder.relationship("Serving", element_id("app", app_code), element_id("svc", service_code))
    for source, target, channel in application_repository.all_integrations(session, agency_code):
        builder.relationship("Flow", element_id("app", source), element_id("app", target), channel)


def _document(builder: _Builder, agency_code: str | None) -> bytes:
    model = ET.Element(
        _q("model"),
        {
            "identifier": f"id-spbe-{_NOT_NCNAME.sub('_', agency_code or 'nasional')}",
            f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION,
        },
    )
    _text(model, "name", f"Arsitektur SPBE {agency_code}" if agency_code else "Arsitektur SPBE Nasional")
    _text(
        model, "documentation", "Exported from the SPBE Platform registry (Perpres 132/2022 reference architectures)."
    )
    # The schema's containers hold at least one child each: an empty one is left out.
    if builder.elements:
        ET.SubElement(model, _q("elements")).extend(builder.elements)
    if builder.relationships:
        ET.SubElement(model, _q("relationships")).extend(builder.relationships)
    if builder.property_names:
        definitions = ET.SubElement(model, _q("propertyDefinitions"))
        for key, ref in builder.property_names.items():
            definition = ET.SubElement(definitions, _q("propertyDefinition"), {"identifier": ref, "type": "string"})
            _text(definition, "name", key)
    ET.indent(model)
    return bytes(ET.tostring(model, encoding="utf-8", xml_declaration=True))


@dataclass(frozen=True)
class ParsedModel:
    """What an exchange file holds, by ArchiMate type: each element's name, documentation and properties."""

    elements: dict[str, list[dict[str, str]]]
    relationships: list[tuple[str, str, str]]  # (type, source code, target code)


def parse(data: bytes) -> ParsedModel:
    """Read an Open Exchange file (only the parts the registry maps)."""
    try:
        root = ET.fromstring(data)  # noqa: S314 (the stdlib parser does not resolve external entities)
    except ET.ParseError as error:
        raise BadRequest(f"Not a well-formed XML file: {error}.") from None
    if root.tag != _q("model"):
        raise BadRequest(f"Not an ArchiMate exchange model (root element {root.tag}).")
    names = {d.get("identifier"): (d.findtext(_q("name")) or "") for d in root.iter(_q("propertyDefinition"))}
    elements: dict[str, list[dict[str, str]]] = {}
    codes: dict[str, str] = {}
    for node in root.iter(_q("element")):
        item = _element_data(node, names)
        elements.setdefault(node.get(f"{{{XSI}}}type", ""), []).append(item)
        codes[node.get("identifier", "")] = item.get("code", "")
    relationships = [
        (r.get(f"{{{XSI}}}type", ""), codes.get(r.get("source", ""), ""), codes.get(r.get("target", ""), ""))
        for r in root.iter(_q("relationship"))
    ]
    return ParsedModel(elements, relationships)


def _element_data(node: ET.Element, names: Mapping[str | None, str]) -> dict[str, str]:
    item = {"name": node.findtext(_q("name")) or "", "description": node.findtext(_q("documentation")) or ""}
    for prop in node.iter(_q("property")):
        item[names.get(prop.get("propertyDefinitionRef"), "")] = prop.findtext(_q("value")) or ""
    return item


CATALOGUE_TYPES = {
    "ApplicationService": (CatalogueKind.services, ("service_area", "category")),
    "DataObject": (CatalogueKind.datasets, ("reference_codes", "data_format", "frequency", "classification")),
    "Node": (CatalogueKind.infrastructure, ("is_national_data_centre",)),
}


def import_model(session: Session, data: bytes, *, actor: Principal, dry_run: bool) -> ImportReport:
    """Import an exchange file: missing services, data sets and infrastructure are added, then the
    ApplicationComponents go through the bulk import (same checks), then Serving and Flow relationships.
    All or nothing: it runs in a savepoint that is rolled back on a dry run or any problem."""
    parsed = parse(data)
    components = [item for item in parsed.elements.get("ApplicationComponent", []) if item.get(CONTEXT) != "true"]
    rows = [{name: item.get(name, "") for name in COLUMNS} for item in components]
    savepoint = session.begin_nested()
    try:
        created = _import_catalogue(session, parsed, actor)
        report = import_applications(session, rows, actor=actor, dry_run=dry_run, encoding="archimate")
        if report.applied:
            _import_relationships(session, parsed, actor)
    except BaseException:
        savepoint.rollback()
        raise
    if dry_run or not report.applied:
        savepoint.rollback()
    else:
        savepoint.commit()
    report.catalogue_created = created
    return report


def _import_catalogue(session: Session, parsed: ParsedModel, actor: Principal) -> dict[str, int]:
    created: dict[str, int] = {}
    for archimate_type, (kind, fields) in CATALOGUE_TYPES.items():
        for item in parsed.elements.get(archimate_type, []):
            if not item.get("code") or not item.get("agency_code") or catalogue.exists(session, kind, item["code"]):
                continue
            values = {
                name: item[name] for name in ("code", "name", "description", "agency_code", *fields) if item.get(name)
            }
            if kind is CatalogueKind.infrastructure and item.get("infrastructure_kind"):
                values["kind"] = item["infrastructure_kind"]
            catalogue.create(session, actor, kind, _validated(kind, values))
            created[kind.value] = created.get(kind.value, 0) + 1
    return created


def _validated(kind: CatalogueKind, values: dict[str, str]) -> BaseModel:
    try:
        return catalogue.SPECS[kind].schema.model_validate(values)
    except ValidationError as error:
        errors = [FieldError(f"{values.get('code')}: {e['loc'][0]}", e["msg"]) for e in error.errors()]
        raise ValidationFailed(
            f"The {kind.value} {values.get('code')} in the model is invalid.", errors=errors
        ) from None


def _import_relationships(session: Session, parsed: ParsedModel, actor: Principal) -> None:
    serving: dict[str, set[str]] = {}
    for kind, source, target in parsed.relationships:
        if kind == "Flow" and source and target:
            applications.connect(session, actor, source, target)
        elif kind == "Serving" and source and target:
            serving.setdefault(target, set()).add(source)
    for service_code, application_codes in serving.items():
        current = catalogue.get(session, CatalogueKind.services, service_code)
        linked = set(current.fields.get("applications", []))
        if not application_codes <= linked:
            update = ServicePatch(version=current.version, applications=sorted(linked | application_codes))
            catalogue.update(session, actor, CatalogueKind.services, service_code, update)
