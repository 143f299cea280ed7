"""Exports (CSV, XLSX, JSON) re-import unchanged; ArchiMate Open Exchange export is well formed and round-trips."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.core.security import SYSTEM
from spbe.registry.schemas.catalogue import CatalogueKind, DataSetIn, ServiceIn
from spbe.registry.schemas.exchange import ExportFormat
from spbe.registry.service import applications, archimate, catalogue, exports, imports
from tests.registry.archimate_rules import check_model
from tests.registry.conftest import COLUMNS, COORDINATOR, STAFF, app_row, auth

NS = {"a": "http://www.opengroup.org/xsd/archimate/3.0/"}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def _seed(session: Session) -> None:
    rows = [
        app_row("KOTA-32.73-SIMPEG"),
        app_row(
            "KOTA-32.73-LAPOR",
            acronym="LAPOR-BDG",
            name="Pengaduan Bandung",
            service_area="publik",
            affairs="09.06;09.03",
        ),
    ]
    assert imports.import_applications(session, rows, actor=SYSTEM, dry_run=False).applied
    applications.connect(session, SYSTEM, "KOTA-32.73-LAPOR", "AU-SP4N-LAPOR")


@pytest.mark.parametrize("fmt", [ExportFormat.csv, ExportFormat.xlsx])
def test_export_reimports_unchanged(db_session: Session, fmt: ExportFormat) -> None:
    _seed(db_session)
    data = exports.export(db_session, fmt, "KOTA-32.73", SYSTEM)
    report = imports.import_file(db_session, data, actor=SYSTEM, dry_run=False, filename=f"x.{fmt.value}")
    assert (report.created, report.updated, report.unchanged, report.problems) == (0, 0, 2, [])


def test_export_api_hides_confidential_columns_from_anonymous(api: TestClient, db_session: Session) -> None:
    _seed(db_session)
    anonymous = api.get("/api/v1/registry/export", params={"format": "json", "agency": "KOTA-32.73"})
    staff = api.get("/api/v1/registry/export", params={"format": "json", "agency": "KOTA-32.73"}, headers=auth(STAFF))
    assert anonymous.headers["content-type"].startswith("application/json")
    hidden = {a["code"]: a for a in anonymous.json()["applications"]}
    shown = {a["code"]: a for a in staff.json()["applications"]}
    assert hidden["KOTA-32.73-SIMPEG"]["technology"] is None
    assert shown["KOTA-32.73-SIMPEG"]["technology"] == "PHP/Laravel"
    assert anonymous.json()["columns"] == COLUMNS
    csv_response = api.get("/api/v1/registry/export", params={"format": "csv"})
    assert csv_response.text.splitlines()[0] == ",".join(COLUMNS)


def test_archimate_export_is_well_formed_with_required_parts(api: TestClient, db_session: Session) -> None:
    _seed(db_session)
    response = api.get("/api/v1/registry/archimate", params={"agency": "KOTA-32.73"}, headers=auth(STAFF))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "{http://www.opengroup.org/xsd/archimate/3.0/}model"
    assert root.get("identifier")
    assert root.find("a:name", NS) is not None
    children = [child.tag.split("}")[1] for child in root]
    assert children == ["name", "documentation", "elements", "relationships", "propertyDefinitions"]
    types = {e.get(XSI_TYPE) for e in root.iterfind("a:elements/a:element", NS)}
    assert {"BusinessActor", "ApplicationComponent", "Node"} <= types
    ids = {e.get("identifier") for e in root.iterfind("a:elements/a:element", NS)}
    relations = root.findall("a:relationships/a:relationship", NS)
    assert {r.get(XSI_TYPE) for r in relations} >= {"Association", "Realization", "Flow"}
    assert "Assignment" not in {r.get(XSI_TYPE) for r in relations}  # not allowed BusinessActor → component
    assert all(r.get("source") in ids and r.get("target") in ids for r in relations)
    definitions = {d.get("identifier") for d in root.iterfind("a:propertyDefinitions/a:propertyDefinition", NS)}
    refs = {p.get("propertyDefinitionRef") for p in root.iter("{http://www.opengroup.org/xsd/archimate/3.0/}property")}
    assert refs <= definitions
    assert "propid-code" in definitions
    assert all(i[0].isalpha() for i in ids | {r.get("identifier") for r in relations})


def test_archimate_round_trip(db_session: Session) -> None:
    _seed(db_session)
    data = archimate.export(db_session, "KOTA-32.73", SYSTEM)
    parsed = archimate.parse(data)
    codes = {item["code"] for item in parsed.elements["ApplicationComponent"]}
    assert codes == {"KOTA-32.73-SIMPEG", "KOTA-32.73-LAPOR", "AU-SP4N-LAPOR"}
    assert ("Flow", "KOTA-32.73-LAPOR", "AU-SP4N-LAPOR") in parsed.relationships
    report = archimate.import_model(db_session, data, actor=COORDINATOR, dry_run=False)
    assert (report.created, report.updated, report.unchanged, report.problems) == (0, 0, 2, [])


def test_archimate_import_creates_applications(api: TestClient, db_session: Session) -> None:
    _seed(db_session)
    data = archimate.export(db_session, "KOTA-32.73", SYSTEM).replace(b"KOTA-32.73-SIMPEG", b"KOTA-32.73-SIMPEG2")
    response = api.post(
        "/api/v1/registry/archimate",
        params={"dry_run": "false"},
        files={"file": ("model.xml", data, "application/xml")},
        headers=auth(STAFF),
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1
    bad = api.post(
        "/api/v1/registry/archimate", files={"file": ("x.xml", b"<model", "application/xml")}, headers=auth(STAFF)
    )
    assert bad.status_code == 400


def test_json_export_lists_affairs_as_lists(db_session: Session) -> None:
    _seed(db_session)
    body = json.loads(exports.export(db_session, ExportFormat.json, "KOTA-32.73", None))
    lapor = next(a for a in body["applications"] if a["code"] == "KOTA-32.73-LAPOR")
    assert lapor["affairs"] == ["09.03", "09.06"]


def test_archimate_import_adds_catalogue_objects_and_relationships(db_session: Session) -> None:
    _seed(db_session)
    catalogue.create(
        db_session,
        SYSTEM,
        CatalogueKind.datasets,
        DataSetIn(code="DS-1", name="Data ASN", agency_code="KOTA-32.73", data_format="csv"),
    )
    imports.import_applications(
        db_session, [app_row("KOTA-32.73-SIMPEG", datasets="DS-1")], actor=SYSTEM, dry_run=False
    )
    catalogue.create(
        db_session,
        SYSTEM,
        CatalogueKind.services,
        ServiceIn(
            code="SVC-1", name="Layanan Kepegawaian", agency_code="KOTA-32.73", applications=["KOTA-32.73-SIMPEG"]
        ),
    )
    data = archimate.export(db_session, "KOTA-32.73", SYSTEM).replace(b"DS-1", b"DS-2").replace(b"SVC-1", b"SVC-2")

    dry = archimate.import_model(db_session, data, actor=COORDINATOR, dry_run=True)
    assert dry.catalogue_created == {"services": 1, "datasets": 1}
    assert not catalogue.exists(db_session, CatalogueKind.datasets, "DS-2")

    done = archimate.import_model(db_session, data, actor=COORDINATOR, dry_run=False)
    assert done.applied
    assert (done.created, done.updated) == (0, 1)
    assert catalogue.get(db_session, CatalogueKind.datasets, "DS-2").fields["data_format"] == "csv"
    assert catalogue.get(db_session, CatalogueKind.services, "SVC-2").fields["applications"] == ["KOTA-32.73-SIMPEG"]
    assert applications.get(db_session, "KOTA-32.73-SIMPEG").datasets == ["DS-2"]


def _full_landscape(session: Session) -> None:
    """Applications with a data set, a service, hosting and integrations: every relationship the export writes."""
    _seed(session)
    catalogue.create(session, SYSTEM, CatalogueKind.datasets,
                     DataSetIn(code="DS-1", name="Data ASN", agency_code="KOTA-32.73", data_format="csv"))  # fmt: skip
    imports.import_applications(session, [app_row("KOTA-32.73-SIMPEG", datasets="DS-1")], actor=SYSTEM, dry_run=False)
    catalogue.create(session, SYSTEM, CatalogueKind.services,
                     ServiceIn(code="SVC-1", name="Layanan Kepegawaian", agency_code="KOTA-32.73",
                               applications=["KOTA-32.73-SIMPEG"]))  # fmt: skip
    applications.connect(session, SYSTEM, "KOTA-32.73-SIMPEG", "KOTA-32.73-LAPOR")


@pytest.mark.parametrize("agency", ["KOTA-32.73", None], ids=["agency", "national"])
def test_archimate_export_keeps_the_exchange_schema_rules(db_session: Session, agency: str | None) -> None:
    _full_landscape(db_session)
    root = ET.fromstring(archimate.export(db_session, agency, SYSTEM))
    assert check_model(root) == []
    kinds = {r.get(XSI_TYPE) for r in root.iter(f"{{{NS['a']}}}relationship")}
    assert {"Association", "Access", "Serving", "Realization", "Flow"} <= kinds


def test_archimate_export_of_an_unknown_agency_is_still_valid(db_session: Session) -> None:
    root = ET.fromstring(archimate.export(db_session, "NOWHERE", SYSTEM))
    assert check_model(root) == []  # no empty <elements> or <propertyDefinitions>


def test_archimate_export_round_trips_through_import_with_everything(db_session: Session) -> None:
    _full_landscape(db_session)
    data = archimate.export(db_session, "KOTA-32.73", SYSTEM)
    report = archimate.import_model(db_session, data, actor=COORDINATOR, dry_run=False)
    assert (report.created, report.updated, report.problems, report.catalogue_created) == (0, 0, [], {})
    assert archimate.export(db_session, "KOTA-32.73", SYSTEM) == data  # nothing changed, same file


BROKEN = {
    "identifier starting with a digit": (b'identifier="id-app-KOTA-32.73-SIMPEG"', b'identifier="1-app"'),
    "assignment actor to component": (b'xsi:type="Association"', b'xsi:type="Assignment"'),
    "unknown property definition": (b'propertyDefinitionRef="propid-code"', b'propertyDefinitionRef="propid-nope"'),
    "bad data type": (b'type="string"', b'type="text"'),
}


@pytest.mark.parametrize("change", BROKEN.values(), ids=BROKEN.keys())
def test_the_schema_rules_catch_broken_exports(db_session: Session, change: tuple[bytes, bytes]) -> None:
    _full_landscape(db_session)
    data = archimate.export(db_session, "KOTA-32.73", SYSTEM)
    assert change[0] in data
    assert check_model(ET.fromstring(data.replace(change[0], change[1], 1))) != []


def test_the_schema_rules_catch_misplaced_children(db_session: Session) -> None:
    _full_landscape(db_session)
    root = ET.fromstring(archimate.export(db_session, "KOTA-32.73", SYSTEM))
    elements = root.find("a:elements", NS)
    assert elements is not None
    root.remove(elements)
    root.append(elements)  # after propertyDefinitions
    assert any("after" in problem for problem in check_model(root))
