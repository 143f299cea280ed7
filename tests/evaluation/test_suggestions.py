"""Evidence suggested from the platform's records: indicator 18 from SPLP, 15 from the registry, 42–47 from
the portal (not built yet: "no data" and why). Each cites its records; none ever changes a level."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spbe.core.i18n import use_locale
from spbe.core.security import SYSTEM, Principal
from spbe.evaluation.models import AssessmentItem
from spbe.evaluation.suggestions import (
    NO_DATA,
    PortalServices,
    PublicService,
    RegistryApplications,
    SplpServices,
    suggestions_for,
)
from spbe.interop.seed import seed_demo_interop
from spbe.registry.service.applications import COLUMNS
from spbe.registry.service.imports import import_applications
from tests.evaluation.conftest import ASSESSOR, STAFF_A

Act = Callable[[Principal], None]
MAIL = "Pengelolaan surat masuk dan surat keluar, disposisi pimpinan dan tanda tangan elektronik naskah dinas."
APPS = [
    ("T-001", "e-Office Kabupaten Garut", "", "KAB-32.05"),
    ("T-002", "Tata Naskah Dinas Elektronik", "TNDE", "KOTA-32.73"),
    ("T-003", "e-Surat", "", "KAB-32.01"),
]
HTML = {"accept": "text/html", "accept-language": "en"}


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Suggestions are worded in the reader's language; these tests read English."""
    with use_locale("en"):
        yield


def _row(code: str, name: str, acronym: str, agency: str) -> dict[str, str]:
    values = {"code": code, "name": name, "acronym": acronym, "description": MAIL, "agency_code": agency,
              "kind": "khusus", "category": "RAA.2.2", "affairs": "09.07", "service_area": "administrasi",
              "status": "production", "users": "120", "functional_fit": "3", "technical_fit": "2"}  # fmt: skip
    return {column: values.get(column, "") for column in COLUMNS}


def test_indicator_18_cites_published_and_consumed_splp_services(db_session: Session) -> None:
    seed_demo_interop(db_session)
    provider = SplpServices().suggest(db_session, "KEMENDAGRI", 18)
    assert provider.status == "suggested"
    assert provider.suggested_level == 2  # publishes, consumes nothing
    assert [(c.record_type, c.label) for c in provider.citations] == [
        ("service", "ID/GOV/KEMENDAGRI/DUKCAPIL/penduduk")
    ]
    consumer = SplpServices().suggest(db_session, "KOTA-32.73", 18)
    assert consumer.status == "suggested"
    assert consumer.summary == "0 SPLP service(s) published; may call 1 service(s) of other agencies"
    labels = [c.label for c in consumer.citations]
    assert labels == ["ID/GOV/KEMENDAGRI/DUKCAPIL/penduduk ← ID/PEMDA/KOTA-32.73/MPP (class:PEMDA)"]
    absent = SplpServices().suggest(db_session, "KEMENKEU", 18)
    assert absent.status == NO_DATA
    assert absent.citations == ()
    assert "SPLP" in absent.summary


def test_indicator_15_cites_applications_and_duplicate_groups(db_session: Session) -> None:
    report = import_applications(db_session, [_row(*app) for app in APPS], actor=SYSTEM, dry_run=False)
    assert report.problems == []
    db_session.flush()
    suggestion = RegistryApplications().suggest(db_session, "KOTA-32.73", 15)
    assert suggestion.status == "suggested"
    assert suggestion.suggested_level is None
    cited = {(c.record_type, c.record_id) for c in suggestion.citations}
    assert ("application", "T-002") in cited
    groups = [c for c in suggestion.citations if c.record_type == "duplicate-group"]
    assert len(groups) == 1
    assert "3 applications in 3 agencies" in groups[0].label
    assert suggestion.summary.startswith("1 application(s) in the Arsitektur SPBE registry; 1 duplicate group(s)")
    none = RegistryApplications().suggest(db_session, "KAB-32.04", 15)
    assert none.status == NO_DATA
    assert "no application" in none.summary


def test_indicators_42_to_47_say_no_data_until_the_portal_exists(db_session: Session) -> None:
    portal = [s for s in suggestions_for(db_session, "KEMENDAGRI") if s.source == "portal"]
    assert [s.indicator for s in portal] == [42, 43, 44, 45, 46, 47]
    assert all(s.status == NO_DATA for s in portal)
    assert all("the portal module (MPP Digital) is not built yet" in s.summary for s in portal)


class _Catalogue:
    """What the portal will implement (``PublicServiceCatalogue``): a fixed list, here."""

    def services_of_agency(self, session: Session, agency_code: str) -> Sequence[PublicService]:
        if agency_code != "KOTA-32.73":
            return []
        return [PublicService("MPP-17", "Pengaduan warga", "online", (42,))]


def test_the_portal_interface_is_ready(db_session: Session) -> None:
    source = PortalServices(catalogue=_Catalogue())
    complaint = source.suggest(db_session, "KOTA-32.73", 42)
    assert complaint.status == "suggested"
    assert [(c.module, c.record_id, c.label) for c in complaint.citations] == [
        ("portal", "MPP-17", "Pengaduan warga (online)")
    ]
    assert source.suggest(db_session, "KOTA-32.73", 43).status == NO_DATA
    assert source.suggest(db_session, "KEMENDAGRI", 42).status == NO_DATA


def _levels(session: Session) -> list[tuple[int, int | None, int | None]]:
    session.expire_all()
    rows = session.scalars(select(AssessmentItem).order_by(AssessmentItem.indicator_number)).all()
    return [(row.indicator_number, row.self_level, row.validated_level) for row in rows]


def test_a_suggestion_never_changes_a_level(client: TestClient, act_as: Act, db_session: Session) -> None:
    seed_demo_interop(db_session)  # SPLP points indicator 18 of KEMENDAGRI to level 2
    url = "/api/v1/evaluation/assessments/KEMENDAGRI/2025"
    act_as(STAFF_A)
    assert client.put(url + "/levels", json={"items": [{"indicator": n, "level": 1} for n in range(1, 48)]}).is_success
    assert client.post(url + "/submit").is_success
    before = _levels(db_session)
    assert (18, 1, None) in before

    act_as(ASSESSOR)
    offered = {s["indicator"]: s for s in client.get(url + "/suggestions").json()}
    assert offered[18]["suggested_level"] == 2
    review = client.get("/evaluation/agencies/KEMENDAGRI/2025/review", headers=HTML)
    assert review.status_code == 200
    assert 'data-testid="suggestion-18"' in review.text
    assert "Level the records point to: 2" in review.text
    selected = re.search(r'id="level-18".*?</select>', review.text, re.S)
    assert selected is not None
    assert 'value="1" selected' in selected.group(0)  # the form offers the agency's level, not the suggestion
    assert 'value="2" selected' not in selected.group(0)
    assert client.get("/evaluation/agencies/KEMENDAGRI?year=2025", headers=HTML).status_code == 200
    assert _levels(db_session) == before

    final = client.post(url + "/finalize").json()
    assert final["score"]["index"] == "1.00"  # the levels given, untouched by the suggestion
    assert _levels(db_session) == before
