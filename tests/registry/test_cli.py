"""``spbe registry import FILE [--dry-run]``, ``export`` and ``archimate`` against a database of their own."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from spbe.cli.main import app as cli
from spbe.core.db import session_scope
from spbe.registry.models import Application
from tests.core.fresh_database import cli_database
from tests.registry.archimate_rules import check_model
from tests.registry.conftest import app_row, csv_text

NS = "{http://www.opengroup.org/xsd/archimate/3.0/}"


@pytest.fixture
def factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    """A fresh database with the reference data (agencies, taxonomy, Aplikasi Umum) the CLI points at."""
    with cli_database(tmp_path, monkeypatch, reference=True) as session_factory:
        yield session_factory


def _count(factory: sessionmaker[Session], agency_prefix: str = "KOTA-32.73-") -> int:
    with session_scope(factory, write=False) as session:
        query = select(func.count(Application.id)).where(Application.code.like(f"{agency_prefix}%"))
        return int(session.execute(query).scalar_one())


def _rows() -> list[dict[str, str]]:
    return [
        app_row("KOTA-32.73-SIMPEG"),
        app_row("KOTA-32.73-LAPOR", acronym="LAPOR-BDG", name="Pengaduan Bandung", service_area="publik"),
    ]


def _write_csv(tmp_path: Path, rows: list[dict[str, str]], name: str = "apps.csv") -> Path:
    path = tmp_path / name
    path.write_text(csv_text(rows), encoding="utf-8")
    return path


def _invoke(*arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["registry", *arguments], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_dry_run_reports_and_writes_nothing(factory: sessionmaker[Session], tmp_path: Path) -> None:
    code, output = _invoke("import", str(_write_csv(tmp_path, _rows())), "--dry-run")
    assert code == 0, output
    assert "dry run" in output
    assert "would create 2" in output
    assert _count(factory) == 0


def test_import_applies_and_reimport_changes_nothing(factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = _write_csv(tmp_path, _rows())
    code, output = _invoke("import", str(path))
    assert code == 0, output
    assert "created 2" in output
    assert _count(factory) == 2
    code, output = _invoke("import", str(path))
    assert code == 0, output
    assert "created 0" in output
    assert "unchanged 2" in output
    assert _count(factory) == 2


def test_import_with_problems_names_row_and_column_and_writes_nothing(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [*_rows(), app_row("KOTA-32.73-BAD", functional_fit="7"), app_row("NOWHERE-X", agency_code="NOWHERE")]
    code, output = _invoke("import", str(_write_csv(tmp_path, rows)))
    assert code == 1
    assert "functional_fit" in output
    assert "agency_code" in output
    assert "NOWHERE" in output
    assert "2 problem(s)" in output
    assert "nothing was written" in output
    assert _count(factory) == 0


def test_import_of_a_missing_or_malformed_file_fails_cleanly(factory: sessionmaker[Session], tmp_path: Path) -> None:
    code, _output = _invoke("import", str(tmp_path / "absent.csv"))
    assert code != 0
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    code, output = _invoke("import", str(broken))
    assert code != 0
    assert "Traceback" not in output
    assert _count(factory) == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_writes_the_import_format_and_reimports_unchanged(
    factory: sessionmaker[Session], tmp_path: Path, fmt: str
) -> None:
    assert _invoke("import", str(_write_csv(tmp_path, _rows())))[0] == 0
    output_file = tmp_path / f"export.{fmt}"
    code, output = _invoke("export", str(output_file), "--format", fmt, "--agency", "kota-32.73")
    assert code == 0, output
    data = output_file.read_bytes()
    if fmt == "json":
        codes = {item["code"] for item in json.loads(data)["applications"]}
        assert codes == {"KOTA-32.73-SIMPEG", "KOTA-32.73-LAPOR"}
        return
    if fmt == "xlsx":
        sheet = load_workbook(output_file, read_only=True).active
        assert sheet is not None
        assert len(list(sheet.iter_rows())) == 3  # header + 2 rows
    code, output = _invoke("import", str(output_file))
    assert code == 0, output
    assert "unchanged 2" in output


def test_archimate_export_of_an_agency_and_the_nation(factory: sessionmaker[Session], tmp_path: Path) -> None:
    assert _invoke("import", str(_write_csv(tmp_path, _rows())))[0] == 0
    for arguments in (["--agency", "KOTA-32.73"], []):
        output_file = tmp_path / "model.xml"
        code, output = _invoke("archimate", str(output_file), *arguments)
        assert code == 0, output
        root = ET.fromstring(output_file.read_bytes())
        assert check_model(root) == []
        names = {e.findtext(f"{NS}name") for e in root.iter(f"{NS}element")}
        assert "Sistem Informasi Manajemen Kepegawaian" in names
