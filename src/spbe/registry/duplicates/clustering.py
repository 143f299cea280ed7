"""From scored pairs to duplicate groups: connected components across agencies, then a guard on chaining.

Pairs above ``threshold`` are edges; a group is a connected component. One wrong edge between two big
families would merge them (SIMPEG and e-Kinerja share words), so a component is only kept whole when its
members are close to it as a whole: a large, loosely knit component is re-split at a stricter threshold,
and groups are only merged when their centroids are close and the lexicon does not name different jobs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from spbe.registry.duplicates.index import PairScores

THRESHOLD = 0.6
MERGE_THRESHOLD = 0.55
STRICT_STEP = 0.05
LARGE = 40
LOOSE_DENSITY = 0.05
MAX_THRESHOLD = 0.95


@dataclass(frozen=True)
class Group:
    """Row numbers of the applications in one duplicate group, and its score (mean edge score)."""

    members: tuple[int, ...]
    score: float
    edges: int


def cluster(pairs: PairScores, size: int, agencies: np.ndarray, vectors: sp.csr_matrix | None = None,
            threshold: float = THRESHOLD, merge_threshold: float = MERGE_THRESHOLD,
            concepts: list[frozenset[str]] | None = None) -> list[Group]:  # fmt: skip
    """Groups of ≥ 2 applications from ≥ 2 agencies, biggest first.

    The top-k neighbour graph of a big family splits along its name or description variants (each
    member's k nearest are its own variant), so groups whose centroids (``vectors`` averaged) are close
    are merged afterwards: average linkage between groups, a few hundred of them, not between pairs.
    Two groups the lexicon names as different jobs (``concepts`` of their members) are never merged.
    """
    keep = pairs.score >= threshold
    groups = _groups(pairs.left[keep], pairs.right[keep], pairs.score[keep], size, threshold)
    if vectors is not None and len(groups) > 1:
        groups = _merge_close(groups, vectors, merge_threshold, concepts)
    groups = [g for g in groups if len(set(agencies[list(g.members)].tolist())) > 1]
    return sorted(groups, key=lambda g: (-len(g.members), -g.score))


def _job_of(group: Group, concepts: list[frozenset[str]]) -> frozenset[str]:
    """The concepts most members share (empty when none reaches half of them)."""
    counts = Counter(c for member in group.members for c in concepts[member])
    return frozenset(c for c, n in counts.items() if n >= len(group.members) / 2)


def _merge_close(groups: list[Group], vectors: sp.csr_matrix, threshold: float,
                 concepts: list[frozenset[str]] | None) -> list[Group]:  # fmt: skip
    middle = centroids(groups, vectors)
    similarity = middle @ middle.T
    np.fill_diagonal(similarity, 0.0)
    left, right = np.nonzero(np.triu(similarity >= threshold))
    if concepts is not None and len(left):
        jobs = [_job_of(group, concepts) for group in groups]
        compatible = [not (jobs[a] and jobs[b] and not jobs[a] & jobs[b]) for a, b in zip(left, right, strict=True)]
        left, right = left[compatible], right[compatible]
    if not len(left):
        return groups
    count, labels = connected_components(sp.coo_matrix((np.ones(len(left)), (left, right)), shape=(len(groups),) * 2),
                                         directed=False)  # fmt: skip
    merged: list[Group] = []
    for label in range(count):
        parts = [groups[i] for i in np.flatnonzero(labels == label)]
        members = tuple(sorted(m for part in parts for m in part.members))
        edges = sum(part.edges for part in parts)
        score = sum(part.score * part.edges for part in parts) / edges if edges else 0.0
        merged.append(Group(members, round(score, 3), edges))
    return merged


def _groups(left: np.ndarray, right: np.ndarray, score: np.ndarray, size: int, threshold: float) -> list[Group]:
    """Connected components; a large, loosely knit one is re-split at a stricter threshold."""
    graph = sp.coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    members_of = _members(labels)
    inside = labels[left]  # every edge lies inside one component
    edges = np.bincount(inside, minlength=len(labels))
    totals = np.bincount(inside, weights=score, minlength=len(labels))
    groups: list[Group] = []
    for label, members in members_of.items():
        n = len(members)
        loose = n >= LARGE and edges[label] / (n * (n - 1) / 2) < LOOSE_DENSITY
        if loose and threshold + STRICT_STEP < MAX_THRESHOLD:
            mask = (inside == label) & (score >= threshold + STRICT_STEP)
            groups += _groups(left[mask], right[mask], score[mask], size, threshold + STRICT_STEP)
            continue
        groups.append(Group(tuple(int(m) for m in members), round(float(totals[label] / max(edges[label], 1)), 3),
                            int(edges[label])))  # fmt: skip
    return groups


def _members(labels: np.ndarray) -> dict[int, np.ndarray]:
    """Component label → its members, for components of two or more."""
    sizes = np.bincount(labels)
    rows = np.flatnonzero(sizes[labels] > 1)
    order = rows[np.argsort(labels[rows], kind="stable")]
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    return {int(labels[chunk[0]]): chunk for chunk in np.split(order, bounds) if len(chunk) > 1}


def centroids(groups: list[Group], vectors: sp.csr_matrix) -> np.ndarray:
    """Each group's mean vector, L2-normalised (dense: groups × features)."""
    rows = np.concatenate([np.array(g.members) for g in groups])
    columns = np.repeat(np.arange(len(groups)), [len(g.members) for g in groups])
    assign = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (columns, rows)), shape=(len(groups), vectors.shape[0])
    )
    means: np.ndarray = (assign @ vectors).toarray()
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    return means / np.where(norms > 0, norms, 1.0)
