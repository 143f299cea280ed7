"""The duplicate finder's numbers for the national dashboard: clusters by size and by covering Aplikasi Umum,
and how many Aplikasi Khusus already do what an Aplikasi Umum does (consolidation candidates)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy.orm import Session

from spbe.registry.duplicates.service import Analysis, analyse

SIZE_BUCKETS = ((2, 2, "2"), (3, 5, "3–5"), (6, 10, "6–10"), (11, 10**9, "11+"))
NO_UMUM = ""


@dataclass(frozen=True)
class DuplicateFigures:
    clusters: int
    applications_in_clusters: int
    by_size: dict[str, int]  # size bucket → clusters
    by_umum: dict[str, int]  # covering Aplikasi Umum (acronym, "" for none) → khusus applications
    khusus_covered: int  # Aplikasi Khusus in a cluster an Aplikasi Umum covers
    khusus_total: int


def figures(session: Session) -> DuplicateFigures:
    return of_analysis(analyse(session))


def of_analysis(analysis: Analysis) -> DuplicateFigures:
    by_size = dict.fromkeys((label for _low, _high, label in SIZE_BUCKETS), 0)
    by_umum: Counter[str] = Counter()
    in_clusters = 0
    for group in analysis.groups:
        size = len(group.rows)
        in_clusters += size
        by_size[next(label for low, high, label in SIZE_BUCKETS if low <= size <= high)] += 1
        khusus = sum(analysis.records[row].kind != "umum" for row in group.rows)
        by_umum[(group.umum.acronym or group.umum.name) if group.umum else NO_UMUM] += khusus
    covered = sum(count for acronym, count in by_umum.items() if acronym != NO_UMUM)
    return DuplicateFigures(
        clusters=len(analysis.groups),
        applications_in_clusters=in_clusters,
        by_size=by_size,
        by_umum=dict(sorted(by_umum.items(), key=lambda item: (item[0] == NO_UMUM, -item[1], item[0]))),
        khusus_covered=covered,
        khusus_total=sum(record.kind != "umum" for record in analysis.records),
    )
