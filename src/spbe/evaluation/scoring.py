"""Scoring: pure functions, exact decimals, no database.

The index (indeks) of any set of indicators is Σ weight × level / Σ weight; the agency's Indeks SPBE is
that over all indicators (weights add up to 100), a domain or aspect index over its own indicators.
Published values are rounded to two decimals, half up, and the predikat is read from the published value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from spbe.evaluation.instruments.spec import Instrument

CENT = Decimal("0.01")


def published(value: Decimal) -> Decimal:
    """A value as published: two decimals, rounded half up (3.1186 → 3.12)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def weighted_index(pairs: Iterable[tuple[Decimal, Decimal | int]]) -> Decimal:
    """Σ weight × value / Σ weight, exactly; the pairs are (weight, value)."""
    total_weight = Decimal(0)
    total = Decimal(0)
    for weight, value in pairs:
        total_weight += weight
        total += weight * value
    if total_weight == 0:
        raise ValueError("an index needs at least one weighted value")
    return total / total_weight


def predikat(instrument: Instrument, value: Decimal) -> str:
    """The predikat of a value, read from the published (rounded) value."""
    return instrument.band_of(published(value)).name


@dataclass(frozen=True)
class Score:
    """An agency's exact index with its domain and aspect indices (round with ``published`` to show)."""

    index: Decimal
    predikat: str
    domains: dict[str, Decimal]
    aspects: dict[str, Decimal]

    def as_published(self) -> dict[str, object]:
        return {
            "index": str(published(self.index)),
            "predikat": self.predikat,
            "domains": {code: str(published(value)) for code, value in self.domains.items()},
            "aspects": {code: str(published(value)) for code, value in self.aspects.items()},
        }


def index_of(instrument: Instrument, levels: Mapping[int, int], numbers: Iterable[int] | None = None) -> Decimal:
    """The index of the indicators ``numbers`` (default: all) at the given levels."""
    chosen = instrument.numbers if numbers is None else numbers
    by_number = instrument.by_number
    return weighted_index((by_number[number].weight, levels[number]) for number in chosen)


def missing_indicators(instrument: Instrument, levels: Mapping[int, int]) -> list[int]:
    return [number for number in instrument.numbers if number not in levels]


def score(instrument: Instrument, levels: Mapping[int, int]) -> Score:
    """Index, predikat, domain and aspect indices of a complete set of levels."""
    missing = missing_indicators(instrument, levels)
    if missing:
        raise ValueError(f"levels missing for indicators {missing}")
    domains = _group_indices(instrument, levels, "domain")
    aspects = _group_indices(instrument, levels, "aspect")
    value = index_of(instrument, levels)
    return Score(value, predikat(instrument, value), domains, aspects)


def _group_indices(instrument: Instrument, levels: Mapping[int, int], attribute: str) -> dict[str, Decimal]:
    sums: dict[str, list[Decimal]] = {}
    for indicator in instrument.indicators:
        entry = sums.setdefault(getattr(indicator, attribute), [Decimal(0), Decimal(0)])
        entry[0] += indicator.weight * levels[indicator.number]
        entry[1] += indicator.weight
    return {code: total / weight for code, (total, weight) in sums.items()}


def index_from_domains(instrument: Instrument, domain_values: Mapping[str, Decimal]) -> Decimal:
    """The index from domain indices weighted by domain weights (Σ BD × ID / Σ BD)."""
    return weighted_index((domain.weight, domain_values[domain.code]) for domain in instrument.domains)


def mean(values: Iterable[Decimal]) -> Decimal:
    """The arithmetic mean, exact (the national index is the mean of agency indices)."""
    items = list(values)
    if not items:
        raise ValueError("the mean of nothing is undefined")
    return sum(items, Decimal(0)) / len(items)
