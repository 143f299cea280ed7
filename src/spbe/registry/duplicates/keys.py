"""Stable keys of duplicate groups: named after what the group does, not after its first member's code.

A key made of "the smallest application code in the group" changes whenever an application with a smaller
code is registered, which breaks links and plans already sent around. The key here is derived from the
group's job: the Aplikasi Umum covering it (``srikandi-pemda-09.07``), else its dominant concept
(``akuntabilitas-kinerja-pemda-09.06``), else the two commonest non-filler name words, followed by the scope
(``pusat`` or ``pemda``) and the majority affair.
Two groups with the same job get ``-2``, ``-3`` … in order of size (then smallest code), so a key only
moves when groups of the same job split or merge.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from spbe.registry.duplicates.lexicon import FILLER

if TYPE_CHECKING:  # pragma: no cover
    from spbe.registry.duplicates.index import AppRecord
    from spbe.registry.duplicates.service import GroupView

REGIONAL = ("PROV-", "KAB-", "KOTA-")
# Words of generated and real names that say how, not what (on top of the lexicon's filler)
NAME_FILLER = frozenset({"dashboard", "monitoring", "pangkalan", "data", "basis", "pelaporan", "rekapitulasi",
                         "verifikasi", "evaluasi", "statistik", "arsip", "kabupaten", "kab", "prov", "provinsi",
                         "kota", "dan", "elayanan", "layanan", "pemerintah", "daerah", "administrasi"})  # fmt: skip


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "grup"


def _common_words(records: list[AppRecord]) -> list[str]:
    """The two words most of the group's names share, filler ("sistem", "online", "dashboard") and places left out."""
    places = {
        w for r in records for w in re.findall(r"[a-z0-9]+", f"{r.place} {r.agency_short} {r.agency_name}".lower())
    }
    counts: Counter[str] = Counter()
    for record in records:
        words = set(re.findall(r"[a-z0-9]+", record.name.lower())) - FILLER - NAME_FILLER - places
        counts.update(word for word in words if len(word) > 2)
    return [word for word, _count in counts.most_common(2)]


def base_key(view: GroupView, records: list[AppRecord]) -> str:
    """``srikandi-pemda-09.07``: job, scope and majority affair of the group."""
    if view.umum is not None:
        job = view.umum.acronym or view.umum.name
    elif view.concepts:
        job = view.concepts[0]
    else:
        job = " ".join(_common_words(records)) or "grup"
    regional = sum(r.agency_code.startswith(REGIONAL) for r in records) * 2 >= len(records)
    affair = view.affairs[0] if view.affairs else ""
    return "-".join(part for part in (_slug(job), "pemda" if regional else "pusat", affair) if part)


def assign(views: list[GroupView], records_of: dict[int, AppRecord]) -> None:
    """Give every view its stable key, unique among ``views`` (mutates ``view.key``)."""
    by_base: dict[str, list[tuple[GroupView, list[AppRecord]]]] = defaultdict(list)
    for view in views:
        members = [records_of[row] for row in view.rows]
        by_base[base_key(view, members)].append((view, members))
    for base, items in by_base.items():
        items.sort(key=lambda item: (-len(item[1]), min(r.code for r in item[1])))
        for number, (view, _members) in enumerate(items, 1):
            view.key = base if number == 1 else f"{base}-{number}"
