"""Region codes (kode wilayah): loading, listing, look-up and search.

Codes are accepted dotted (``32.73``) or as plain digits (``3273``) and always returned dotted.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

from sqlalchemy.orm import Session

from spbe.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from spbe.core.wilayah import loader, repository
from spbe.core.wilayah.repository import RegionModel
from spbe.core.wilayah.schemas import (
    DistrictOut,
    LevelCount,
    LevelLoad,
    LoadReport,
    Page,
    ProvinceOut,
    RegencyOut,
    RegionDetail,
    RegionLevel,
    RegionList,
    RegionRef,
    SearchHit,
    VillageOut,
)

CODE_LENGTHS = {2: 1, 4: 2, 6: 3, 10: 4}  # digits → dotted parts
MATCHES = ("exact", "prefix", "contains")
SEARCH_MIN_LENGTH = 2


def normalize_code(raw: str, *, field: str, level: RegionLevel | None = None) -> str:
    """``3273`` or ``32.73`` → ``32.73``; anything else raises ``ValidationFailed`` naming ``field``."""
    text = raw.strip()
    dotted = _dotted(text.replace(".", ""))
    if dotted and text in (dotted, dotted.replace(".", "")) and level in (None, RegionLevel.of_code(dotted)):
        return dotted
    wanted = f"a {level} code such as {loader.CODE_EXAMPLES[level]}" if level else "a region code such as 32.73"
    message = f"{text!r} is not {wanted}"
    raise ValidationFailed(f"{field}: {message}.", errors=[FieldError(field, message)])


def _dotted(digits: str) -> str | None:
    parts = CODE_LENGTHS.get(len(digits))
    if parts is None or not (digits.isascii() and digits.isdigit()):
        return None
    return ".".join([digits[0:2], digits[2:4], digits[4:6], digits[6:10]][:parts])


def load_regions(session: Session, data_dir: Path = loader.DATA_DIR, *, full: bool = False) -> LoadReport:
    """Load every level from the CSV files, all validated before anything is written.

    A level whose row count already matches the data is left alone (unless ``full``); otherwise the
    missing rows are inserted and changed ones (name, kind, parent) updated. Nothing is deleted.
    """
    data = loader.read_region_data(data_dir)
    if not repository.tables_exist(session):
        raise Conflict("The database has no region tables yet: run `spbe db upgrade` first.")
    return LoadReport(levels=[_sync_level(session, level, rows, full) for level, rows in data.rows.items()])


def seed_regions(session: Session) -> str:
    """The ``Region codes (Kemendagri)`` seed step."""
    return load_regions(session).summary()


def _sync_level(session: Session, level: RegionLevel, rows: list[loader.Row], full: bool) -> LevelLoad:
    if not full and repository.count(session, level) == len(rows):
        return LevelLoad(level=level, total=len(rows))
    columns = [column for column in (rows[0] if rows else {}) if column != "code"]
    stored = repository.existing_values(session, level, columns)
    missing = [row for row in rows if row["code"] not in stored]
    changed = [row for row in rows if row["code"] in stored and stored[row["code"]] != tuple(row[c] for c in columns)]
    repository.insert_rows(session, level, missing)
    repository.update_rows(session, level, changed)
    return LevelLoad(level=level, total=len(rows), added=len(missing), updated=len(changed))


def regions_loaded(session: Session) -> bool:
    """Whether the database holds region codes (migrated and loaded)."""
    return repository.tables_exist(session) and repository.count(session, RegionLevel.province) > 0


def stats(session: Session) -> list[LevelCount]:
    """Regions per level in the database next to the packaged data."""
    data = loader.read_region_data()
    loaded = repository.tables_exist(session)
    return [
        LevelCount(level=level, in_database=repository.count(session, level) if loaded else 0, in_data=len(rows))
        for level, rows in data.rows.items()
    ]


def list_provinces(session: Session) -> RegionList[ProvinceOut]:
    items = [ProvinceOut.model_validate(row) for row in repository.list_provinces(session)]
    return RegionList[ProvinceOut](items=items, total=len(items))


def list_regencies(session: Session, province: str | None = None) -> RegionList[RegencyOut]:
    code = _existing(session, RegionLevel.province, province, "province") if province is not None else None
    items = [RegencyOut.model_validate(row) for row in repository.list_regencies(session, code)]
    return RegionList[RegencyOut](items=items, total=len(items))


def list_districts(session: Session, regency: str) -> RegionList[DistrictOut]:
    code = _existing(session, RegionLevel.regency, regency, "regency")
    items = [DistrictOut.model_validate(row) for row in repository.list_districts(session, code)]
    return RegionList[DistrictOut](items=items, total=len(items))


def list_villages(session: Session, district: str, *, limit: int = 100, offset: int = 0) -> Page[VillageOut]:
    code = _existing(session, RegionLevel.district, district, "district")
    rows = repository.list_villages(session, code, limit, offset)
    total = repository.count_children(session, RegionLevel.district, code)
    items = [VillageOut.model_validate(row) for row in rows]
    return Page[VillageOut](items=items, total=total, limit=limit, offset=offset)


def _existing(session: Session, level: RegionLevel, raw: str, field: str) -> str:
    code = normalize_code(raw, field=field, level=level)
    if repository.get(session, level, code) is None:
        raise NotFound(f"There is no {level} with code {code}.")
    return code


def get_region(session: Session, raw_code: str) -> RegionDetail:
    """One region at any level, with its parents' names and how many regions it contains."""
    code = normalize_code(raw_code, field="code")
    level = RegionLevel.of_code(code)
    region = repository.get(session, level, code)
    if region is None:
        raise NotFound(f"There is no {level} with code {code}.")
    parents = _parent_refs(code, parent_names(session, [code]))
    children = repository.count_children(session, level, code)
    return RegionDetail(**_region_fields(region, level), parents=parents, children=children)


def search(session: Session, q: str, *, level: RegionLevel | None = None, limit: int = 20) -> list[SearchHit]:
    """Regions whose name contains ``q`` (any case): exact matches first, then prefixes, then the rest;
    within a rank, provinces before regencies before districts before villages."""
    needle = " ".join(q.split()).lower()
    if len(needle) < SEARCH_MIN_LENGTH:
        message = f"needs at least {SEARCH_MIN_LENGTH} characters"
        raise ValidationFailed(f"q: {message}.", errors=[FieldError("q", message)])
    hits = [
        (rank, lvl.depth, region, lvl)
        for lvl in ([level] if level else list(RegionLevel))
        for region, rank in repository.search(session, lvl, needle, limit)
    ]
    hits.sort(key=lambda hit: hit[:2])
    top = hits[:limit]
    names = parent_names(session, [region.code for _, _, region, _ in top])
    return [
        SearchHit(**_region_fields(region, lvl), parents=_parent_refs(region.code, names), match=MATCHES[rank])
        for rank, _, region, lvl in top
    ]


def _region_fields(region: RegionModel, level: RegionLevel) -> dict[str, object]:
    return {"code": region.code, "name": region.name, "level": level, "kind": getattr(region, "kind", None)}


def _parent_codes(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[:depth]) for depth in range(1, len(parts))]


def _parent_refs(code: str, names: dict[str, str]) -> list[RegionRef]:
    return [
        RegionRef(code=parent, name=names.get(parent, "?"), level=RegionLevel.of_code(parent))
        for parent in _parent_codes(code)
    ]


def parent_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """Names of every parent of ``codes`` (stored regions), by code."""
    return _stored_names(session, {parent for code in codes for parent in _parent_codes(code)})


def region_names(session: Session, codes: Collection[str]) -> dict[str, str]:
    """``{code: name}`` for the known ones of ``codes`` (any level, dotted).

    Reads the database; when it holds no region codes yet (fresh or never migrated), provinces,
    regencies and districts come straight from the packaged CSV files.
    """
    if not regions_loaded(session):
        packaged = loader.packaged_region_names()
        return {code: packaged[code] for code in codes if code in packaged}
    return _stored_names(session, codes)


def _stored_names(session: Session, codes: Collection[str]) -> dict[str, str]:
    by_level: dict[RegionLevel, set[str]] = {}
    for code in codes:
        by_level.setdefault(RegionLevel.of_code(code), set()).add(code)
    names: dict[str, str] = {}
    for level, level_codes in by_level.items():
        names.update(repository.names_of(session, level, level_codes))
    return names
