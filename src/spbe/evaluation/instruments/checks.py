"""Consistency rules of an instrument: weights add up, every indicator in one known aspect, unique numbers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import pairwise

from spbe.core.errors import FieldError
from spbe.evaluation.instruments.spec import Instrument


def check_instrument(instrument: Instrument) -> list[FieldError]:
    """Every broken rule of ``instrument``, each naming where and why."""
    checks: list[Callable[[Instrument], Iterator[FieldError]]] = [
        _unique_codes,
        _indicators_belong,
        _positive_weights,
        _total_weight,
        _aspect_weights,
        _domain_weights,
        _scales,
        _bands,
    ]
    return [error for check in checks for error in check(instrument)]


def _n(value: Decimal) -> str:
    """A weight as people write it: 13, 16.5, 100.1."""
    return format(value.normalize(), "f")


def _duplicates(values: list[object]) -> list[object]:
    return [value for value, count in Counter(values).items() if count > 1]


def _unique_codes(instrument: Instrument) -> Iterator[FieldError]:
    for kind, values in (
        ("indicators", [i.number for i in instrument.indicators]),
        ("aspects", [a.code for a in instrument.aspects]),
        ("domains", [d.code for d in instrument.domains]),
        ("scales", [s.code for s in instrument.scales]),
    ):
        for duplicate in _duplicates(list(values)):
            yield FieldError(kind, f"{duplicate} appears more than once (numbers and codes must be unique)")


def _indicators_belong(instrument: Instrument) -> Iterator[FieldError]:
    aspects = {a.code for a in instrument.aspects}
    domains = {d.code for d in instrument.domains}
    scales = {s.code for s in instrument.scales}
    for index, aspect in enumerate(instrument.aspects):
        if aspect.domain not in domains:
            yield FieldError(f"aspects[{index}].domain", f"aspect {aspect.code}: unknown domain {aspect.domain!r}")
    for index, indicator in enumerate(instrument.indicators):
        if indicator.aspect not in aspects:
            yield FieldError(
                f"indicators[{index}].aspect", f"indicator {indicator.number}: unknown aspect {indicator.aspect!r}"
            )
        if indicator.scale not in scales:
            yield FieldError(
                f"indicators[{index}].scale", f"indicator {indicator.number}: unknown scale {indicator.scale!r}"
            )


def _positive_weights(instrument: Instrument) -> Iterator[FieldError]:
    for index, indicator in enumerate(instrument.indicators):
        if indicator.weight <= 0:
            yield FieldError(f"indicators[{index}].weight", f"indicator {indicator.number}: weight must be positive")


def _total_weight(instrument: Instrument) -> Iterator[FieldError]:
    total = sum((i.weight for i in instrument.indicators), Decimal(0))
    if total != instrument.total_weight:
        yield FieldError(
            "indicators",
            f"indicator weights add up to {_n(total)}, not {_n(instrument.total_weight)}",
        )
    domains = sum((d.weight for d in instrument.domains), Decimal(0))
    if domains != instrument.total_weight:
        yield FieldError("domains", f"domain weights add up to {_n(domains)}, not {_n(instrument.total_weight)}")


def _aspect_weights(instrument: Instrument) -> Iterator[FieldError]:
    for index, aspect in enumerate(instrument.aspects):
        total = sum((i.weight for i in instrument.indicators if i.aspect == aspect.code), Decimal(0))
        if total != aspect.weight:
            yield FieldError(
                f"aspects[{index}].weight",
                f"aspect {aspect.code} weighs {_n(aspect.weight)} but its indicators add up to {_n(total)}",
            )


def _domain_weights(instrument: Instrument) -> Iterator[FieldError]:
    for index, domain in enumerate(instrument.domains):
        total = sum((a.weight for a in instrument.aspects if a.domain == domain.code), Decimal(0))
        if total != domain.weight:
            yield FieldError(
                f"domains[{index}].weight",
                f"domain {domain.code} weighs {_n(domain.weight)} but its aspects add up to {_n(total)}",
            )


def _scales(instrument: Instrument) -> Iterator[FieldError]:
    for index, scale in enumerate(instrument.scales):
        levels = sorted(level.level for level in scale.levels)
        if not levels or levels != list(range(levels[0], levels[0] + len(levels))):
            yield FieldError(f"scales[{index}].levels", f"scale {scale.code}: levels must be consecutive numbers")


def _bands(instrument: Instrument) -> Iterator[FieldError]:
    bands = instrument.bands
    if not bands or bands[0].lower is not None or bands[-1].upper is not None:
        yield FieldError("predikat", "the first band must have no lower bound and the last no upper bound")
        return
    for index, (low, high) in enumerate(pairwise(bands)):
        if low.upper is None or low.upper != high.lower:
            yield FieldError(f"predikat[{index + 1}].from", f"band {high.name} must start where {low.name} ends")
