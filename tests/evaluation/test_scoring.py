"""The published test vectors, every predikat boundary, and properties of the index."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spbe.evaluation.instruments.loader import DEFAULT_INSTRUMENT, INSTRUMENT_DIR, load_instrument_file
from spbe.evaluation.scoring import index_from_domains, index_of, predikat, published, score

INSTRUMENT = load_instrument_file(INSTRUMENT_DIR / f"{DEFAULT_INSTRUMENT}.json")
NUMBERS = INSTRUMENT.numbers


def _levels(default: int, **ranges: int) -> dict[int, int]:
    levels = dict.fromkeys(NUMBERS, default)
    for span, level in ranges.items():
        low, high = (int(part) for part in span.lstrip("n").split("_"))
        levels.update(dict.fromkeys(range(low, high + 1), level))
    return levels


@pytest.mark.parametrize(
    ("levels", "index", "band"),
    [
        (_levels(1), "1.00", "Kurang"),
        (_levels(3), "3.00", "Baik"),
        (_levels(5), "5.00", "Memuaskan"),
        (_levels(1, n1_10=5), "1.52", "Kurang"),
        (_levels(2, n32_47=4), "2.91", "Baik"),
        (_levels(1, n42_47=5), "1.72", "Kurang"),
        (_levels(1, n32_47=5), "2.82", "Baik"),
    ],
)
def test_vectors(levels: dict[int, int], index: str, band: str) -> None:
    result = score(INSTRUMENT, levels)
    assert str(published(result.index)) == index
    assert result.predikat == band


def test_published_2024_domains_give_the_national_index() -> None:
    domains = {"D1": Decimal("3.36"), "D2": Decimal("2.62"), "D3": Decimal("1.86"), "D4": Decimal("3.78")}
    value = index_from_domains(INSTRUMENT, domains)
    assert value == Decimal("3.1186")
    assert str(published(value)) == "3.12"
    assert predikat(INSTRUMENT, value) == "Baik"


def test_structure_and_weights() -> None:
    assert len(INSTRUMENT.indicators) == 47
    assert [d.weight for d in INSTRUMENT.domains] == [Decimal("13"), Decimal("25"), Decimal("16.5"), Decimal("45.5")]
    aspect_weights = ["13", "10", "10", "5", "12", "4.5", "27.5", "18"]
    assert [a.weight for a in INSTRUMENT.aspects] == [Decimal(w) for w in aspect_weights]


@pytest.mark.parametrize(
    ("value", "band"),
    [
        ("1.79", "Kurang"),
        ("1.80", "Cukup"),
        ("2.59", "Cukup"),
        ("2.60", "Baik"),
        ("3.49", "Baik"),
        ("3.50", "Sangat Baik"),
        ("4.19", "Sangat Baik"),
        ("4.20", "Memuaskan"),
        ("1.00", "Kurang"),
        ("5.00", "Memuaskan"),
    ],
)
def test_band_boundaries(value: str, band: str) -> None:
    assert predikat(INSTRUMENT, Decimal(value)) == band


def test_predikat_is_read_from_the_published_value() -> None:
    assert predikat(INSTRUMENT, Decimal("1.7949")) == "Kurang"
    assert predikat(INSTRUMENT, Decimal("1.7950")) == "Cukup"  # published as 1.80


def test_rounding_is_half_up() -> None:
    assert published(Decimal("2.125")) == Decimal("2.13")
    assert published(Decimal("2.135")) == Decimal("2.14")


def test_domain_and_aspect_indices() -> None:
    result = score(INSTRUMENT, _levels(2, n32_47=4))
    assert result.domains == {"D1": 2, "D2": 2, "D3": 2, "D4": 4}
    assert result.aspects["A8"] == 4


def test_an_incomplete_set_cannot_be_scored() -> None:
    levels = _levels(3)
    del levels[18]
    with pytest.raises(ValueError, match=r"\[18\]"):
        score(INSTRUMENT, levels)


level_sets = st.lists(st.integers(1, 5), min_size=47, max_size=47).map(lambda ls: dict(zip(NUMBERS, ls, strict=True)))


@given(level_sets)
def test_index_lies_between_lowest_and_highest_level(levels: dict[int, int]) -> None:
    value = index_of(INSTRUMENT, levels)
    assert min(levels.values()) <= value <= max(levels.values())


@given(level_sets, st.sampled_from(NUMBERS))
def test_index_is_monotone_in_every_level(levels: dict[int, int], number: int) -> None:
    before = index_of(INSTRUMENT, levels)
    raised = {**levels, number: min(5, levels[number] + 1)}
    assert index_of(INSTRUMENT, raised) >= before


@given(level_sets)
def test_index_equals_weighted_domains(levels: dict[int, int]) -> None:
    result = score(INSTRUMENT, levels)
    assert index_from_domains(INSTRUMENT, result.domains) == result.index
