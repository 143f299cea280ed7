"""NIK validation wired to the region codes: one name look-up per level for a whole batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from spbe.core.nik.parser import NikResult, RegionNames, normalize_nik, parse_nik, region_codes
from spbe.core.wilayah import service as wilayah
from spbe.core.wilayah.loader import packaged_region_names


def check_niks(session: Session, niks: Sequence[str], *, today: dt.date | None = None) -> list[NikResult]:
    """Parse every NIK, naming regions from the database (or the packaged data when it has none)."""
    codes = {code for nik in niks for code in region_codes(normalize_nik(nik))}
    lookup = RegionNames(wilayah.region_names(session, codes))
    return [parse_nik(nik, lookup, today=today) for nik in niks]


def check_nik(session: Session, nik: str, *, today: dt.date | None = None) -> NikResult:
    return check_niks(session, [nik], today=today)[0]


def check_niks_offline(niks: Sequence[str], *, today: dt.date | None = None) -> list[NikResult]:
    """Parse every NIK with region names from the packaged data only (no database needed)."""
    lookup = RegionNames(packaged_region_names())
    return [parse_nik(nik, lookup, today=today) for nik in niks]
