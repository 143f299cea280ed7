"""Parse a NIK (Nomor Induk Kependudukan) — pure functions, no database.

A NIK is 16 digits ``PP KK CC DDMMYY SSSS``: the province, regency/city and district where the person
was first registered, the birth date (day + 40 for women) and a serial 0001–9999. There is no check
digit. Region names come from a ``RegionLookup``; split regions keep their historical codes, so an
unknown regency or district is only a warning while an unknown province makes the NIK invalid.

Every problem has a stable machine ``code`` (``nik.length`` …) and an English message; a user interface
translates by code. Never log a NIK: show it through ``mask_nik``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple, Protocol

from spbe.core.logging import mask_nik

__all__ = [
    "NIK_LENGTH",
    "NikFields",
    "NikProblem",
    "NikResult",
    "RegionLookup",
    "RegionNames",
    "Sex",
    "compose_nik",
    "mask_nik",
    "normalize_nik",
    "parse_nik",
    "region_codes",
]

NIK_LENGTH = 16
FEMALE_DAY_OFFSET = 40
SEPARATORS = re.compile(r"[\s.\-‐‑–—]+")
DIGITS = frozenset("0123456789")
MAX_LISTED_CHARACTERS = 5
MASK_KEEP = 4  # digits shown at each end
MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


class Sex(StrEnum):
    male = "male"
    female = "female"


class RegionLookup(Protocol):
    """Names regions by dotted Kemendagri code (``32``, ``32.73``, ``32.73.05``)."""

    def name_of(self, code: str) -> str | None:
        """The region's name, or None when the code is unknown."""


@dataclass(frozen=True)
class RegionNames:
    """A ``RegionLookup`` over a mapping of code → name."""

    names: dict[str, str]

    def name_of(self, code: str) -> str | None:
        return self.names.get(code)


@dataclass(frozen=True)
class NikProblem:
    """Why a NIK is invalid (an error) or doubtful (a warning)."""

    code: str
    message: str


@dataclass(frozen=True)
class NikFields:
    """What a NIK encodes: everything needed to compose one."""

    district_code: str  # dotted, 32.73.05
    birth_date: dt.date
    sex: Sex
    serial: int


@dataclass(frozen=True)
class NikResult:
    """The outcome of ``parse_nik``; fields are None where the NIK was too malformed to read them."""

    nik: str
    province_code: str | None = None
    province_name: str | None = None
    regency_code: str | None = None
    regency_name: str | None = None
    district_code: str | None = None
    district_name: str | None = None
    birth_date: dt.date | None = None
    sex: Sex | None = None
    serial: int | None = None
    errors: tuple[NikProblem, ...] = ()
    warnings: tuple[NikProblem, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def masked(self) -> str:
        """The NIK for display: ``3273********0009``; other long input is masked the same way."""
        if len(self.nik) <= 2 * MASK_KEEP:
            return self.nik
        if len(self.nik) == NIK_LENGTH and DIGITS.issuperset(self.nik):
            return mask_nik(self.nik)
        return self.nik[:MASK_KEEP] + "*" * (len(self.nik) - 2 * MASK_KEEP) + self.nik[-MASK_KEEP:]

    @property
    def fields(self) -> NikFields | None:
        """The encoded fields of a valid NIK (the inverse of ``compose_nik``)."""
        district, birth_date, sex, serial = self.district_code, self.birth_date, self.sex, self.serial
        if not self.valid or district is None or birth_date is None or sex is None or serial is None:
            return None
        return NikFields(district, birth_date, sex, serial)


@dataclass
class _Findings:
    errors: list[NikProblem] = field(default_factory=list)
    warnings: list[NikProblem] = field(default_factory=list)

    def error(self, code: str, message: str) -> None:
        self.errors.append(NikProblem(code, message))

    def warn(self, code: str, message: str) -> None:
        self.warnings.append(NikProblem(code, message))


def normalize_nik(raw: str) -> str:
    """Drop the spaces, dots and dashes people type: ``3273 0560-1090.0009`` → ``3273056010900009``."""
    return SEPARATORS.sub("", raw)


def region_codes(nik: str) -> list[str]:
    """The dotted province, regency and district codes a normalized NIK starts with (if it can)."""
    head = nik[:6]
    if len(head) < 6 or not DIGITS.issuperset(head):
        return []
    return [head[:2], f"{head[:2]}.{head[2:4]}", f"{head[:2]}.{head[2:4]}.{head[4:6]}"]


def compose_nik(fields: NikFields) -> str:
    """The NIK encoding ``fields`` (the inverse of ``parse_nik``)."""
    day = fields.birth_date.day + (FEMALE_DAY_OFFSET if fields.sex is Sex.female else 0)
    birth = f"{day:02d}{fields.birth_date.month:02d}{fields.birth_date.year % 100:02d}"
    return f"{fields.district_code.replace('.', '')}{birth}{fields.serial:04d}"


def parse_nik(raw: str, regions: RegionLookup, *, today: dt.date | None = None) -> NikResult:
    """Read ``raw``; never raises. ``today`` fixes the century of the birth year (default: today)."""
    nik = normalize_nik(raw)
    findings = _Findings()
    _check_format(nik, findings)
    if findings.errors:
        return NikResult(nik=nik, errors=tuple(findings.errors))
    region = _read_region(nik, regions, findings)
    birth_date, sex = _read_birth(nik[6:12], today or dt.date.today(), findings)
    serial = int(nik[12:])
    if serial == 0:
        findings.error("nik.serial_zero", "serial 0000 is not used (serials run 0001–9999)")
    return NikResult(
        nik=nik,
        **region._asdict(),
        birth_date=birth_date,
        sex=sex,
        serial=serial,
        errors=tuple(findings.errors),
        warnings=tuple(findings.warnings),
    )


def _check_format(nik: str, findings: _Findings) -> None:
    others = [(position, char) for position, char in enumerate(nik, 1) if char not in DIGITS]
    if others:
        listed = ", ".join(f"{char!r} at position {position}" for position, char in others[:MAX_LISTED_CHARACTERS])
        more = f" and {len(others) - MAX_LISTED_CHARACTERS} more" if len(others) > MAX_LISTED_CHARACTERS else ""
        findings.error("nik.non_digit", f"contains characters that are not digits: {listed}{more}")
    if len(nik) != NIK_LENGTH:
        needs = f"{NIK_LENGTH} digits" if others else str(NIK_LENGTH)
        findings.error("nik.length", f"has {len(nik)} {'characters' if others else 'digits'}, needs {needs}")


class _Region(NamedTuple):
    province_code: str
    province_name: str | None
    regency_code: str
    regency_name: str | None
    district_code: str
    district_name: str | None


def _read_region(nik: str, regions: RegionLookup, findings: _Findings) -> _Region:
    province, regency, district = region_codes(nik)
    region = _Region(
        province, regions.name_of(province), regency, regions.name_of(regency), district, regions.name_of(district)
    )
    if region.province_name is None:
        findings.error("nik.province_unknown", f"province code {province} does not exist")
        return region
    _check_part(regency, region.regency_name, "regency", "regency/city", findings)
    if region.regency_name is not None:
        _check_part(district, region.district_name, "district", "district", findings)
    return region


def _check_part(code: str, name: str | None, key: str, label: str, findings: _Findings) -> None:
    if code.endswith(".00"):
        findings.error(f"nik.{key}_zero", f"{label} code {code} is never used (numbers start at 01)")
    elif name is None:
        findings.warn(
            f"nik.{key}_unknown",
            f"{label} code {code} is not in the current region data (split regions keep old codes)",
        )


def _read_birth(part: str, today: dt.date, findings: _Findings) -> tuple[dt.date | None, Sex | None]:
    day_field, month, year = int(part[:2]), int(part[2:4]), int(part[4:])
    sex = Sex.female if day_field > FEMALE_DAY_OFFSET else Sex.male
    day = day_field - FEMALE_DAY_OFFSET if sex is Sex.female else day_field
    if not 1 <= day <= 31:
        findings.error("nik.birth_day", f"day {part[:2]} is not 01–31 (men) or 41–71 (women)")
    if not 1 <= month <= 12:
        findings.error("nik.birth_month", f"month {part[2:4]} is not 01–12")
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None, (sex if 1 <= day <= 31 else None)
    full_year = birth_year(year, month, day, today)
    try:
        return dt.date(full_year, month, day), sex
    except ValueError:
        findings.error("nik.birth_date", _impossible_date(day, month, full_year))
        return None, sex


def birth_year(two_digits: int, month: int, day: int, today: dt.date) -> int:
    """The century that puts the birthday on or before ``today`` and less than 100 years before it."""
    year = today.year - today.year % 100 + two_digits
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    return year


def _impossible_date(day: int, month: int, year: int) -> str:
    message = f"birth date {day} {MONTHS[month - 1]} {year} does not exist"
    if month == 2 and day == 29:
        return f"{message} ({year} is not a leap year)"
    return message
