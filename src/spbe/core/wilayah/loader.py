"""Read and validate the packaged Kemendagri region codes (``data/*.csv``, ODbL, see ``data/README.md``).

Every file is checked completely before anything is written: a bad row raises ``ValidationFailed``
naming the file, the row (its line number, the header being line 1) and the reason. Kinds are derived
from the codes: a regency numbered 01–69 is a kabupaten, 71–99 a kota; a village whose number starts
with 1 is a kelurahan, 2 a desa, 3 a desa adat.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from spbe.core.errors import FieldError, ValidationFailed
from spbe.core.wilayah.schemas import RegionLevel

DATA_DIR = Path(__file__).parent / "data"
MAX_REPORTED_ERRORS = 20
NAME_MAX_LENGTH = 100
VILLAGE_KINDS = {"1": "kelurahan", "2": "desa", "3": "desa adat"}

Row = dict[str, str]
Problem = tuple[str, str]  # (column, reason)
CODE_EXAMPLES = {
    RegionLevel.province: "32",
    RegionLevel.regency: "32.73",
    RegionLevel.district: "32.73.05",
    RegionLevel.village: "32.73.05.1001",
}


@dataclass(frozen=True)
class LevelFile:
    """The CSV file of one level: its columns and the shape of its codes."""

    level: RegionLevel
    filename: str
    parent_column: str | None
    pattern: re.Pattern[str]

    @property
    def columns(self) -> list[str]:
        return ["code", *([self.parent_column] if self.parent_column else []), "name"]


LEVEL_FILES = (
    LevelFile(RegionLevel.province, "provinces.csv", None, re.compile(r"\d{2}")),
    LevelFile(RegionLevel.regency, "regencies.csv", "province_code", re.compile(r"\d{2}\.\d{2}")),
    LevelFile(RegionLevel.district, "districts.csv", "regency_code", re.compile(r"\d{2}\.\d{2}\.\d{2}")),
    LevelFile(RegionLevel.village, "villages.csv", "district_code", re.compile(r"\d{2}\.\d{2}\.\d{2}\.\d{4}")),
)


@dataclass
class RegionData:
    """Validated rows of every level, ready to insert (``kind`` already derived)."""

    rows: dict[RegionLevel, list[Row]] = field(default_factory=dict)

    def codes(self, level: RegionLevel) -> set[str]:
        return {row["code"] for row in self.rows.get(level, [])}


class _Problems:
    """Collects row problems; stops reading once enough are found to be useful."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, file: LevelFile, line: int, column: str, message: str) -> None:
        self.errors.append(FieldError(field=f"{file.filename}: {column}", message=message, row=line))

    @property
    def full(self) -> bool:
        return len(self.errors) >= MAX_REPORTED_ERRORS


def read_region_data(data_dir: Path = DATA_DIR, *, levels: int = 4) -> RegionData:
    """Read and validate the first ``levels`` levels (4 = down to villages); raise on any bad row."""
    data = RegionData()
    problems = _Problems()
    for file in LEVEL_FILES[:levels]:
        parents = data.codes(file.level.parent) if file.level.parent else set()
        data.rows[file.level] = _read_level(data_dir, file, parents, problems)
    if problems.errors:
        count = f"{len(problems.errors)}{'+' if problems.full else ''}"
        raise ValidationFailed(f"The region data has {count} problem(s); nothing was loaded.", errors=problems.errors)
    return data


@lru_cache(maxsize=1)
def packaged_region_names() -> dict[str, str]:
    """Names of every province, regency and district by code, straight from the packaged CSV files."""
    data = read_region_data(levels=3)
    return {row["code"]: row["name"] for rows in data.rows.values() for row in rows}


def _read_level(data_dir: Path, file: LevelFile, parents: set[str], problems: _Problems) -> list[Row]:
    path = data_dir / file.filename
    if not path.is_file():
        problems.add(file, 0, "file", f"{path} is missing")
        return []
    rows: list[Row] = []
    seen: set[str] = set()
    for line, raw in _csv_rows(path, file, problems):
        if problems.full:
            break
        row = _validate_row(file, line, raw, parents, problems)
        if row is None:
            continue
        if row["code"] in seen:
            problems.add(file, line, "code", f"code {row['code']} appears twice")
            continue
        seen.add(row["code"])
        rows.append(row)
    return rows


def _csv_rows(path: Path, file: LevelFile, problems: _Problems) -> Iterator[tuple[int, list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if header != file.columns:
            problems.add(file, 1, "header", f"expected columns {','.join(file.columns)}, found {header}")
            return
        for raw in reader:
            yield reader.line_num, raw


def _validate_row(file: LevelFile, line: int, raw: list[str], parents: set[str], problems: _Problems) -> Row | None:
    if len(raw) != len(file.columns):
        problems.add(file, line, "row", f"has {len(raw)} values, expected {len(file.columns)}")
        return None
    row = dict(zip(file.columns, (value.strip() for value in raw), strict=True))
    problem = _code_problem(file, row, parents) or _name_problem(row["name"]) or _derive_kind(file.level, row)
    if problem is not None:
        problems.add(file, line, *problem)
        return None
    return row


def _code_problem(file: LevelFile, row: Row, parents: set[str]) -> Problem | None:
    code = row["code"]
    if not file.pattern.fullmatch(code):
        return "code", f"{code!r} is not a {file.level} code like {CODE_EXAMPLES[file.level]}"
    if file.parent_column is None:
        return None
    parent = row[file.parent_column]
    if code.rsplit(".", 1)[0] != parent:
        return "code", f"{code} does not belong to its {file.parent_column} {parent!r}"
    if parent not in parents:
        return file.parent_column, f"{parent} is not in the {file.level.parent} file"
    return None


def _name_problem(name: str) -> Problem | None:
    if not name:
        return "name", "is empty"
    if len(name) > NAME_MAX_LENGTH:
        return "name", f"has {len(name)} characters, at most {NAME_MAX_LENGTH} allowed"
    return None


def _derive_kind(level: RegionLevel, row: Row) -> Problem | None:
    """Set ``row["kind"]`` from the code; return the problem when the code allows no kind."""
    if level is RegionLevel.regency:
        return _regency_kind(row)
    if level is RegionLevel.village:
        kind = VILLAGE_KINDS.get(row["code"][-4])
        if kind is None:
            return "code", f"village number {row['code'][-4:]} does not start with 1, 2 or 3"
        row["kind"] = kind
    return None


def _regency_kind(row: Row) -> Problem | None:
    number = int(row["code"][-2:])
    kind = "kabupaten" if 1 <= number <= 69 else "kota" if 71 <= number <= 99 else None
    if kind is None:
        return "code", f"regency number {number:02d} is neither a kabupaten (01–69) nor a kota (71–99)"
    if not row["name"].lower().startswith(kind):
        return "name", f"{row['name']!r} does not start with {kind.title()} (code {row['code']})"
    row["kind"] = kind
    return None
