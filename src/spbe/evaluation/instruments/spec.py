"""An evaluation instrument as plain, immutable data (no database): domains, aspects, indicators, scales, bands.

An instrument (instrumen evaluasi) is versioned data: PermenPANRB 59/2020 is one; its successor (Indeks
Pemerintah Digital) will be another file in this folder, with no code change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property


@dataclass(frozen=True)
class Level:
    """One level (tingkat) of a capability scale, with its criteria where known."""

    level: int
    name: str
    criteria: str | None = None


@dataclass(frozen=True)
class Scale:
    """A capability scale: process (kapabilitas proses) or technical function (kapabilitas fungsi teknis)."""

    code: str
    name: str
    levels: tuple[Level, ...]

    def level_name(self, level: int) -> str:
        return next((item.name for item in self.levels if item.level == level), str(level))


@dataclass(frozen=True)
class Band:
    """A predikat on the half-open interval [lower, upper); ``None`` is unbounded."""

    name: str
    lower: Decimal | None
    upper: Decimal | None

    def contains(self, value: Decimal) -> bool:
        above = self.lower is None or value >= self.lower
        below = self.upper is None or value < self.upper
        return above and below


@dataclass(frozen=True)
class Domain:
    code: str
    name: str
    weight: Decimal


@dataclass(frozen=True)
class Aspect:
    code: str
    name: str
    domain: str
    weight: Decimal


@dataclass(frozen=True)
class Indicator:
    number: int
    name: str
    aspect: str
    domain: str
    weight: Decimal
    scale: str


@dataclass(frozen=True)
class Instrument:
    """A validated instrument; build it with ``instruments.loader.parse_instrument``."""

    code: str
    version: int
    title: str
    legal_basis: str
    index_name: str
    total_weight: Decimal
    scales: tuple[Scale, ...]
    bands: tuple[Band, ...]
    domains: tuple[Domain, ...]
    aspects: tuple[Aspect, ...]
    indicators: tuple[Indicator, ...]
    in_force_from: int | None = None
    checksum: str = field(default="", compare=False)

    @cached_property
    def by_number(self) -> dict[int, Indicator]:
        return {indicator.number: indicator for indicator in self.indicators}

    @cached_property
    def numbers(self) -> tuple[int, ...]:
        return tuple(indicator.number for indicator in self.indicators)

    @cached_property
    def min_level(self) -> int:
        return min(level.level for scale in self.scales for level in scale.levels)

    @cached_property
    def max_level(self) -> int:
        return max(level.level for scale in self.scales for level in scale.levels)

    def scale(self, code: str) -> Scale:
        return next(scale for scale in self.scales if scale.code == code)

    def level_name(self, number: int, level: int) -> str:
        return self.scale(self.by_number[number].scale).level_name(level)

    def domain(self, code: str) -> Domain:
        return next(domain for domain in self.domains if domain.code == code)

    def aspect(self, code: str) -> Aspect:
        return next(aspect for aspect in self.aspects if aspect.code == code)

    def band_of(self, value: Decimal) -> Band:
        return next(band for band in self.bands if band.contains(value))
