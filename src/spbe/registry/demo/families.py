"""What the demo inventory is made of: the functions every government rebuilds (duplicate families).

A ``Family`` is one job done by many agencies under many names (staffing: SIMPEG, SIMPEGDA, e-Pegawai,
SIM Kepegawaian …). Each family says how likely an agency of each type is to have its own application for
that job, the names and acronyms such applications carry in practice, and the descriptions their owners
write. The generator draws from these; the ground-truth label of an application is its family key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spbe.registry.demo import jsondata

# Agency groups used for the shares: central (kementerian/lpnk/lembaga), provinsi, kabupaten/kota.
C, P, K = "central", "provinsi", "kabkota"


@dataclass(frozen=True)
class Family:
    """One function rebuilt across agencies; ``share`` is the chance an agency of a group has one."""

    key: str
    category: str
    service_area: str
    affairs: tuple[str, ...]
    names: tuple[tuple[str, str], ...]  # (name, acronym); the first ones are the most common
    descriptions: tuple[str, ...]
    share: dict[str, float] = field(default_factory=dict)
    unit: tuple[str, ...] = ("Sekretariat Daerah",)
    users: tuple[int, int] = (50, 2000)


ADM, PUB = "administrasi", "publik"
RAA_FUNGSI, RAA_MISI = "RAA.2.2", "RAA.2.1"


def _load() -> tuple[tuple[Family, ...], tuple[str, ...]]:
    """The families live in ``data/families.json`` (edit them there: it is data, not code)."""
    raw = jsondata.load("families.json")
    return tuple(Family(**item) for item in raw["families"]), raw["agency_units_central"]


FAMILIES, AGENCY_UNITS_CENTRAL = _load()
