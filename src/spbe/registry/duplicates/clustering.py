"""From scored pairs to duplicate groups: connected components across agencies, then a guard on chaining.

Pairs above ``threshold`` are edges; a group is a connected component. One wrong edge between two big
families would merge them (SIMPEG and e-Kinerja share words), so a component is only kept whole when its
members are close to it as a whole: a large, loosely knit component is re-split at a stricter threshold,
and groups are only merged when their centroids are close, a candidate pair joins them and the lexicon does
not name different jobs.
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
        groups = _merge_close(groups, vectors, merge_threshold, concepts, _linked(groups, pairs, merge_threshold, size))
    groups = [g for g in groups if len(set(agencies[list(g.members)].tolist())) > 1]
    return sorted(groups, key=lambda g: (-len(g.members), -g.score))


def _job_of(group: Group, concepts: list[frozenset[str]]) -> frozenset[str]:
    """The concepts most members share (empty when none reaches half of them)."""
    counts = Counter(c for member in group.members for c in concepts[member])
    return frozenset(c for c, n in counts.items() if n >= len(group.members) / 2)


def _linked(groups: list[Group], pairs: PairScores, threshold: float, size: int) -> np.ndarray:
    """Which groups a candidate pair scoring ≥ ``threshold`` joins (groups × groups, boolean)."""
    label = np.full(size, -1, dtype=np.int64)
    for number, group in enumerate(groups):
        label[list(group.members)] = number
    a, b = label[pairs.left], label[pairs.right]
    keep = (pairs.score >= threshold) & (a >= 0) & (b >= 0) & (a != b)
    linked = np.zeros((len(groups), len(groups)), dtype=bool)
    linked[a[keep], b[keep]] = True
    return linked | linked.T


def _merge_close(groups: list[Group], vectors: sp.csr_matrix, threshold: float,
                 concepts: list[frozenset[str]] | None, linked: np.ndarray | None = None) -> list[Group]:  # fmt: skip
    """Merge groups whose centroids are close — and, given ``linked``, that a candidate pair joins.

    Centroids alone merge look-alike local topics ("Pasar Rakyat", "Tambang Rakyat": the same template
    words) once the inventory is large; a direct pair between the groups is the evidence they are one job.
    """
    middle = centroids(groups, vectors)
    similarity = middle @ middle.T
    np.fill_diagonal(similarity, 0.0)
    close = similarity >= threshold
    if linked is not None:
        close &= linked
    left, right = np.nonzero(np.triu(close))
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


def _groups(left: np.ndarray, right: np.ndarray, score: np.ndarray, size: int, threshold: float,
            nodes: np.ndarray | None = None) -> list[Group]:  # fmt: skip
    """Connected components; a large, loosely knit one is re-split at a stricter threshold.

    A re-split works on the component's own nodes renumbered ``0..n-1`` (``nodes`` maps them back), so
    its cost follows the component, not the whole inventory.
    """
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
        global_members = members if nodes is None else nodes[members]
        if loose and threshold + STRICT_STEP < MAX_THRESHOLD:
            mask = (inside == label) & (score >= threshold + STRICT_STEP)
            position = np.full(size, -1, dtype=np.int64)
            position[members] = np.arange(n)
            groups += _groups(position[left[mask]], position[right[mask]], score[mask], n,
                              threshold + STRICT_STEP, global_members)  # fmt: skip
            continue
        groups.append(Group(tuple(int(m) for m in global_members),
                            round(float(totals[label] / max(edges[label], 1)), 3), int(edges[label])))  # fmt: skip
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
