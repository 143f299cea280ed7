"""Pairwise precision and recall of duplicate groups against ground-truth labels.

A pair counts when its two applications belong to different agencies (the finder never groups one
agency's own applications). Pairs are counted from group sizes, never enumerated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PairwiseScore:
    precision: float
    recall: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _cross_agency_pairs(keys: Iterable[tuple[Hashable, str]]) -> int:
    """Pairs within each key, minus pairs within the same agency."""
    counts = Counter(key for key, _ in keys)
    by_agency = Counter(keys)
    total = sum(n * (n - 1) // 2 for n in counts.values())
    return total - sum(n * (n - 1) // 2 for n in by_agency.values())


def pairwise(
    predicted: Mapping[str, Hashable], truth: Mapping[str, Hashable | None], agency: Mapping[str, str]
) -> PairwiseScore:
    """``predicted``: code → group (codes in no group left out); ``truth``: code → label or None."""
    predicted_keys = [(group, agency[code]) for code, group in predicted.items()]
    true_keys = [(label, agency[code]) for code, label in truth.items() if label is not None]
    both = [((group, truth[code]), agency[code]) for code, group in predicted.items() if truth.get(code) is not None]
    predicted_pairs, true_pairs = _cross_agency_pairs(predicted_keys), _cross_agency_pairs(true_keys)
    correct = _cross_agency_pairs(both)
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    return PairwiseScore(round(precision, 4), round(recall, 4), true_pairs, predicted_pairs, correct)
