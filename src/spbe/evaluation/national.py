"""The national picture, computed from agencies' levels by pure functions (no database; see the bench).

The national index is the mean of the agencies' indices; the distribution is by group (central, province,
regency, city); the weakest indicators are those with the lowest mean level nationally.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from spbe.evaluation import scoring
from spbe.evaluation.instruments.spec import Instrument
from spbe.evaluation.integration import group_of

GROUPS = ("central", "province", "regency", "city")


@dataclass(frozen=True)
class AgencyLevels:
    code: str
    kind: str
    levels: Mapping[int, int]


@dataclass(frozen=True)
class AgencyResult:
    code: str
    kind: str
    group: str
    index: Decimal  # published (two decimals)
    predikat: str
    domains: dict[str, Decimal]


@dataclass(frozen=True)
class GroupSummary:
    group: str
    count: int
    index: Decimal | None


@dataclass(frozen=True)
class IndicatorSummary:
    number: int
    name: str
    mean_level: Decimal
    by_group: dict[str, Decimal]


@dataclass
class NationalPicture:
    """One year nationally; ``previous_index`` and ``movement`` are filled when the year before is known."""

    year: int
    index: Decimal | None
    predikat: str | None
    agencies: list[AgencyResult]
    groups: list[GroupSummary]
    predikat_counts: dict[str, int]
    domains: dict[str, Decimal]
    indicators: list[IndicatorSummary]
    previous_index: Decimal | None = None
    movement: dict[str, Decimal] = field(default_factory=dict)

    @property
    def ranking(self) -> list[AgencyResult]:
        return sorted(self.agencies, key=lambda a: (-a.index, a.code))

    def weakest(self, count: int = 10) -> list[IndicatorSummary]:
        return sorted(self.indicators, key=lambda i: (i.mean_level, i.number))[:count]

    @property
    def change(self) -> Decimal | None:
        if self.index is None or self.previous_index is None:
            return None
        return self.index - self.previous_index


def agency_result(instrument: Instrument, agency: AgencyLevels) -> AgencyResult:
    result = scoring.score(instrument, agency.levels)
    index = scoring.published(result.index)
    group = group_of(agency.kind)
    return AgencyResult(agency.code, agency.kind, group, index, result.predikat, result.domains)


def aggregate(instrument: Instrument, year: int, agencies: Sequence[AgencyLevels]) -> NationalPicture:
    """Score every agency and aggregate them nationally."""
    results = [agency_result(instrument, agency) for agency in agencies]
    if not results:
        return NationalPicture(year, None, None, [], _groups([]), _predikat_counts(instrument, []), {}, [])
    national = scoring.published(scoring.mean(r.index for r in results))
    domains = {d.code: scoring.published(scoring.mean(r.domains[d.code] for r in results)) for d in instrument.domains}
    return NationalPicture(
        year=year,
        index=national,
        predikat=scoring.predikat(instrument, national),
        agencies=results,
        groups=_groups(results),
        predikat_counts=_predikat_counts(instrument, results),
        domains=domains,
        indicators=_indicators(instrument, agencies),
    )


def _groups(results: Iterable[AgencyResult]) -> list[GroupSummary]:
    by_group: dict[str, list[Decimal]] = defaultdict(list)
    for result in results:
        by_group[result.group].append(result.index)
    return [
        GroupSummary(g, len(by_group[g]), scoring.published(scoring.mean(by_group[g])) if by_group[g] else None)
        for g in GROUPS
    ]


def _predikat_counts(instrument: Instrument, results: Iterable[AgencyResult]) -> dict[str, int]:
    counts = Counter(result.predikat for result in results)
    return {band.name: counts.get(band.name, 0) for band in instrument.bands}


def _indicators(instrument: Instrument, agencies: Sequence[AgencyLevels]) -> list[IndicatorSummary]:
    totals: dict[int, int] = defaultdict(int)
    group_totals: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for agency in agencies:
        group = group_of(agency.kind)
        for number, level in agency.levels.items():
            totals[number] += level
            entry = group_totals[(number, group)]
            entry[0] += level
            entry[1] += 1
    count = len(agencies)
    return [
        IndicatorSummary(
            number=i.number,
            name=i.name,
            mean_level=scoring.published(Decimal(totals[i.number]) / count),
            by_group={
                g: scoring.published(Decimal(s) / n) for g in GROUPS for s, n in [group_totals[(i.number, g)]] if n
            },
        )
        for i in instrument.indicators
    ]


def add_movement(current: NationalPicture, previous: NationalPicture) -> None:
    """Year-on-year movement: the national index before, and each agency's change."""
    current.previous_index = previous.index
    before = {a.code: a.index for a in previous.agencies}
    current.movement = {a.code: a.index - before[a.code] for a in current.agencies if a.code in before}
