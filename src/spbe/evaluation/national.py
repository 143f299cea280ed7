"""The national picture, computed from agencies' levels by pure functions (no database; see the bench).

The national index is the mean of the agencies' indices; the distribution is by group (central, province,
regency, city); the weakest indicators are those with the lowest mean level nationally.

A year is scored with the instrument its assessments were made with (not the latest one). When two years
used different instruments, the per-indicator movement compares only the indicators present in both
(same number and same name, see ``comparable``) and names the others in ``not_compared``.
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
    """An agency's final levels; ``instrument`` when it was assessed with another one than the year's."""

    code: str
    kind: str
    levels: Mapping[int, int]
    instrument: Instrument | None = None


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
    """One year nationally, scored with the year's instrument; the ``previous_*`` fields, ``movement``
    (per agency) and ``indicator_movement`` (mean level per indicator) are filled when the year before is known.
    """

    year: int
    instrument: Instrument
    index: Decimal | None
    predikat: str | None
    agencies: list[AgencyResult]
    groups: list[GroupSummary]
    predikat_counts: dict[str, int]
    domains: dict[str, Decimal]
    indicators: list[IndicatorSummary]
    previous_index: Decimal | None = None
    previous_instrument: Instrument | None = None
    movement: dict[str, Decimal] = field(default_factory=dict)
    indicator_movement: dict[int, Decimal] = field(default_factory=dict)
    not_compared: tuple[int, ...] = ()

    @property
    def instrument_changed(self) -> bool:
        return self.previous_instrument is not None and self.previous_instrument.checksum != self.instrument.checksum

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
    result = scoring.score(agency.instrument or instrument, agency.levels)
    index = scoring.published(result.index)
    group = group_of(agency.kind)
    return AgencyResult(agency.code, agency.kind, group, index, result.predikat, result.domains)


def aggregate(instrument: Instrument, year: int, agencies: Sequence[AgencyLevels]) -> NationalPicture:
    """Score every agency (with its own instrument if it names one) and aggregate them nationally.

    Domain and indicator figures use the agencies assessed with ``instrument`` (the year's), whose
    domains and indicators they are.
    """
    results = [agency_result(instrument, agency) for agency in agencies]
    if not results:
        return NationalPicture(year, instrument, None, None, [], _groups([]), _predikat_counts(instrument, []), {}, [])
    national = scoring.published(scoring.mean(r.index for r in results))
    own = [a.instrument is None or a.instrument.checksum == instrument.checksum for a in agencies]
    same = [a for a, mine in zip(agencies, own, strict=True) if mine]
    scored = [r for r, mine in zip(results, own, strict=True) if mine]
    domains = {d.code: scoring.published(scoring.mean(r.domains[d.code] for r in scored)) for d in instrument.domains}
    return NationalPicture(
        year=year,
        instrument=instrument,
        index=national,
        predikat=scoring.predikat(instrument, national),
        agencies=results,
        groups=_groups(results),
        predikat_counts=_predikat_counts(instrument, results),
        domains=domains,
        indicators=_indicators(instrument, same),
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
    count = max(len(agencies), 1)
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


def comparable(current: Instrument, previous: Instrument) -> tuple[int, ...]:
    """The indicators of ``current`` also in ``previous``: same number and same name (case and spaces aside).

    A successor instrument may renumber or redefine indicators; comparing a level across two different
    indicators would be meaningless, so only these are compared year on year.
    """
    if current.checksum and current.checksum == previous.checksum:
        return current.numbers
    before = {i.number: _plain(i.name) for i in previous.indicators}
    return tuple(i.number for i in current.indicators if before.get(i.number) == _plain(i.name))


def _plain(name: str) -> str:
    return " ".join(name.casefold().split())


def add_movement(current: NationalPicture, previous: NationalPicture) -> None:
    """Year-on-year movement: the national index before, each agency's change (indices are on the same 1–5
    scale whatever the instrument) and the mean level change of the indicators comparable across instruments."""
    current.previous_index = previous.index
    current.previous_instrument = previous.instrument
    before = {a.code: a.index for a in previous.agencies}
    current.movement = {a.code: a.index - before[a.code] for a in current.agencies if a.code in before}
    shared = set(comparable(current.instrument, previous.instrument))
    means = {i.number: i.mean_level for i in previous.indicators}
    current.indicator_movement = {
        i.number: i.mean_level - means[i.number] for i in current.indicators if i.number in shared and i.number in means
    }
    current.not_compared = tuple(n for n in current.instrument.numbers if n not in shared)
