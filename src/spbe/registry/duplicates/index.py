"""The similarity index over every application: sparse TF-IDF blocks, top-k neighbours in row chunks.

Each application becomes one sparse vector made of four L2-normalised blocks, each scaled by the square
root of its weight, so one sparse dot product gives the blended similarity
``Σ weight × cosine`` of:

- **name**: character 2–4-grams of the normalised name and acronym (typos, SIMPEG ~ SIMPEGDA);
- **concepts**: the lexicon concepts the name names (SIMPEG ~ e-Pegawai ~ HRIS);
- **description**: word uni- and bigrams of the description (stop words and place names dropped);
- **affairs**: the Proses Bisnis affairs it serves.

Neighbours are found chunk by chunk (``X[chunk] @ Xᵀ``, top-k per row, same-agency pairs masked), so memory
stays flat and the work is one sparse product, never a Python loop over pairs. Candidate pairs are then
re-scored: each block's cosine, with the weights of blocks missing on either side left out, plus a
rapidfuzz name ratio, plus small bonuses for the same category and service area.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize
from sparse_dot_topn import sp_matmul_topn

from spbe.registry.duplicates.text import description_words, normalise_name, place_words

WEIGHTS = {"name": 0.40, "concepts": 0.25, "description": 0.25, "affairs": 0.10}
CATEGORY_BONUS, AREA_BONUS = 0.03, 0.02
CHUNK_ROWS = 2048
RETRIEVAL_MAX_DF = 0.03
RETRIEVAL_MIN_LIMIT = 600  # a feature shared by fewer rows is always kept (a whole big family may share it)
SMALL_CORPUS = 200
SAME_AGENCY_MARGIN = 8
THREADS = max(1, min(4, os.cpu_count() or 1))
Matrix: TypeAlias = sp.csr_matrix


@dataclass(frozen=True)
class AppRecord:
    """What the duplicate finder knows of one application."""

    id: int
    code: str
    name: str
    acronym: str | None
    description: str | None
    agency_code: str
    agency_name: str = ""
    agency_short: str = ""
    kind: str = "khusus"
    category: str | None = None
    service_area: str | None = None
    affairs: tuple[str, ...] = ()
    status: str = "production"
    users: int | None = None
    functional_fit: int | None = None
    technical_fit: int | None = None
    integrations: int = 0
    place: str = ""  # the region or agency name words to ignore ("Garut")


@dataclass(frozen=True)
class Features:
    """The normalised text of one application (kept for explanations)."""

    name: str
    concepts: frozenset[str]
    description: str


_feature_cache: dict[tuple[str | None, ...], Features] = {}
FEATURE_CACHE_LIMIT = 2_000_000


def cached_features(record: AppRecord) -> Features:
    """``features_of`` computed once per distinct text: a re-cluster only normalises what changed."""
    key = (record.name, record.acronym, record.description, record.place, record.agency_short, record.agency_name,
           record.agency_code)  # fmt: skip
    found = _feature_cache.get(key)
    if found is None:
        if len(_feature_cache) >= FEATURE_CACHE_LIMIT:
            _feature_cache.clear()
        found = _feature_cache[key] = features_of(record)
    return found


def features_of(record: AppRecord) -> Features:
    places = place_words(record.place, record.agency_short, record.agency_name, record.agency_code)
    name = normalise_name(record.name, record.acronym, places)
    return Features(name.text, name.concepts, description_words(record.description, places))


@dataclass
class PairScores:
    """Candidate pairs (``left < right`` row numbers) with their blended score and its parts."""

    left: np.ndarray
    right: np.ndarray
    score: np.ndarray
    parts: dict[str, np.ndarray] = field(default_factory=dict)


class DuplicateIndex:
    """Fitted on a list of applications; finds neighbours of all of them, or of one new proposal."""

    def __init__(self, records: list[AppRecord]) -> None:
        self.records = records
        self.features = [cached_features(record) for record in records]
        agencies = {code: n for n, code in enumerate(sorted({r.agency_code for r in records}))}
        self.agency = np.array([agencies[r.agency_code] for r in records], dtype=np.int32)
        self._fit()

    # -- fitting ---------------------------------------------------------------------------------------

    def _fit(self) -> None:
        names = [f.name for f in self.features]
        descriptions = [f.description for f in self.features]
        self.name_vectorizer = _DedupTfidf(CountVectorizer(analyzer="char_wb", ngram_range=(2, 4), dtype=np.float32))
        self.description_vectorizer = _DedupTfidf(CountVectorizer(ngram_range=(1, 2), dtype=np.float32),
                                                  min_df=2, max_df=0.2)  # fmt: skip
        self.concept_vocabulary = {c: n for n, c in enumerate(sorted({c for f in self.features for c in f.concepts}))}
        self.affair_vocabulary = {a: n for n, a in enumerate(sorted({a for r in self.records for a in r.affairs}))}
        self.blocks = {
            "name": self.name_vectorizer.fit_transform(names),
            "concepts": self._one_hot([f.concepts for f in self.features], self.concept_vocabulary),
            "description": self.description_vectorizer.fit_transform(descriptions),
            "affairs": self._one_hot([r.affairs for r in self.records], self.affair_vocabulary),
        }
        self.matrix = self._combine(self.blocks)
        self.retrieval = self._retrieval_matrix()
        self.category = np.array([hash(r.category or "") for r in self.records], dtype=np.int64)
        self.area = np.array([hash(r.service_area or "") for r in self.records], dtype=np.int64)

    def _retrieval_matrix(self) -> Matrix:
        """The blended vector without affairs and without the commonest features, for finding candidates.

        Features shared by more than ``RETRIEVAL_MAX_DF`` of all applications (common n-grams, big
        affairs) make every product row dense; the re-scoring step still counts them.
        """
        blocks = dict(self.blocks)
        del blocks["affairs"]
        limit = max(RETRIEVAL_MIN_LIMIT, int(RETRIEVAL_MAX_DF * len(self.records)))
        pruned = {}
        for name, block in blocks.items():
            frequency = np.bincount(block.indices, minlength=block.shape[1])
            keep = sp.diags((frequency <= limit).astype(np.float32))
            pruned[name] = sp.csr_matrix(block @ keep, dtype=np.float32) * np.float32(np.sqrt(WEIGHTS[name]))
        matrix = sp.hstack(list(pruned.values()), format="csr")
        matrix.eliminate_zeros()
        return sp.csr_matrix(matrix, dtype=np.float32)

    @staticmethod
    def _one_hot(rows: list[Any], vocabulary: dict[str, int]) -> Matrix:
        indices = [[vocabulary[v] for v in row if v in vocabulary] for row in rows]
        data = np.ones(sum(len(i) for i in indices), dtype=np.float32)
        indptr = np.cumsum([0, *(len(i) for i in indices)])
        flat = np.array([i for row in indices for i in row], dtype=np.int32)
        matrix = sp.csr_matrix((data, flat, indptr), shape=(len(rows), max(1, len(vocabulary))))
        return sp.csr_matrix(normalize(matrix), dtype=np.float32)

    @staticmethod
    def _combine(blocks: dict[str, Matrix]) -> Matrix:
        scaled = [blocks[name] * np.float32(np.sqrt(weight)) for name, weight in WEIGHTS.items()]
        return sp.csr_matrix(sp.hstack(scaled, format="csr"), dtype=np.float32)

    # -- all neighbours --------------------------------------------------------------------------------

    def candidate_pairs(self, k: int = 12, floor: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
        """Each application's ``k`` most similar applications of other agencies (coarse score ≥ floor)."""
        lefts, rights = [], []
        transposed = sp.csr_matrix(self.retrieval.T)
        for start in range(0, self.retrieval.shape[0], CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, self.retrieval.shape[0])
            left, right = self._chunk_neighbours(start, stop, transposed, k, floor)
            lefts.append(left)
            rights.append(right)
        left, right = np.concatenate(lefts), np.concatenate(rights)
        low, high = np.minimum(left, right), np.maximum(left, right)
        unique = np.unique(low.astype(np.int64) * len(self.records) + high)
        return (unique // len(self.records)).astype(np.int64), (unique % len(self.records)).astype(np.int64)

    def _chunk_neighbours(self, start: int, stop: int, transposed: Any, k: int, floor: float) -> tuple[Any, Any]:
        """Top ``k + SAME_AGENCY_MARGIN`` by sparse product (C++, threaded), then other agencies' best ``k``."""
        product = sp_matmul_topn(self.retrieval[start:stop], transposed, top_n=k + SAME_AGENCY_MARGIN,
                                 threshold=floor, n_threads=THREADS)  # fmt: skip
        product = sp.coo_matrix(product)
        rows, columns, scores = product.row.astype(np.int64) + start, product.col.astype(np.int64), product.data
        keep = self.agency[rows] != self.agency[columns]
        rows, columns, scores = rows[keep], columns[keep], scores[keep]
        order = np.lexsort((-scores, rows))  # by row, best first
        rows, columns = rows[order], columns[order]
        rank = np.arange(len(rows)) - np.searchsorted(rows, rows, side="left")
        return rows[rank < k], columns[rank < k]

    def score_pairs(self, left: np.ndarray, right: np.ndarray) -> PairScores:
        """The blended score of each pair and its parts (per-block cosine, name ratio, bonuses)."""
        parts = {name: _rowwise_dot(block, left, right) for name, block in self.blocks.items()}
        both = {name: _has_values(block)[left] & _has_values(block)[right] for name, block in self.blocks.items()}
        parts["fuzzy"] = _fuzzy([self.features[a].name for a in left], [self.features[b].name for b in right])
        parts["same_category"] = (self.category[left] == self.category[right]).astype(np.float32)
        parts["same_area"] = (self.area[left] == self.area[right]).astype(np.float32)
        return PairScores(left, right, _blend(parts, both), parts)

    # -- one proposal ----------------------------------------------------------------------------------

    def vectorise(self, record: AppRecord) -> tuple[Features, dict[str, Matrix], Matrix]:
        """A new application (not in the index) as the index's blocks and combined vector."""
        features = features_of(record)
        blocks = {
            "name": self.name_vectorizer.transform([features.name]),
            "concepts": self._one_hot([features.concepts], self.concept_vocabulary),
            "description": self.description_vectorizer.transform([features.description]),
            "affairs": self._one_hot([record.affairs], self.affair_vocabulary),
        }
        return features, blocks, self._combine(blocks)

    def query(self, record: AppRecord, k: int = 10) -> tuple[np.ndarray, PairScores]:
        """The ``k`` closest applications to a proposal (of any agency), best first, with scores."""
        features, blocks, vector = self.vectorise(record)
        coarse = (self.matrix @ vector.T).toarray().ravel()
        shortlist = np.argpartition(-coarse, min(len(coarse) - 1, max(k * 5, 50)))[: max(k * 5, 50)]
        shortlist = shortlist[coarse[shortlist] > 0]
        parts = {name: (self.blocks[name][shortlist] @ blocks[name].T).toarray().ravel() for name in self.blocks}
        both = {name: _has_values(self.blocks[name])[shortlist] & bool(blocks[name].nnz) for name in self.blocks}
        parts["fuzzy"] = _fuzzy([features.name] * len(shortlist), [self.features[i].name for i in shortlist])
        parts["same_category"] = (self.category[shortlist] == hash(record.category or "")).astype(np.float32)
        parts["same_area"] = (self.area[shortlist] == hash(record.service_area or "")).astype(np.float32)
        score = _blend(parts, both)
        order = np.argsort(-score)[:k]
        ranked = PairScores(np.full(len(order), -1), shortlist[order], score[order],
                            {name: values[order] for name, values in parts.items()})  # fmt: skip
        return shortlist[order], ranked


class _DedupTfidf:
    """TF-IDF (sublinear tf, smooth idf, L2) counted once per distinct text, then spread to every row.

    Inventories repeat texts (the same description template, the same normalised name), so counting the
    distinct ones only is several times faster; document frequencies still count every row, and terms
    outside ``min_df``..``max_df`` (share of rows) are dropped.
    """

    def __init__(self, counter: CountVectorizer, min_df: int = 1, max_df: float = 1.0) -> None:
        self.counter, self.min_df, self.max_df = counter, min_df, max_df
        self.keep = np.zeros(0, dtype=bool)
        self.idf = np.zeros(0, dtype=np.float32)

    def fit_transform(self, texts: list[str]) -> Matrix:
        distinct, inverse = np.unique(np.array(texts, dtype=object), return_inverse=True)
        try:
            counts = sp.csr_matrix(self.counter.fit_transform(list(distinct)), dtype=np.float32)
        except ValueError:  # no terms at all (empty descriptions everywhere)
            self.counter = CountVectorizer(analyzer=lambda text: [text]).fit([""])
            counts = sp.csr_matrix((len(distinct), 1), dtype=np.float32)
        rows = counts[inverse]
        frequency = np.bincount(rows.indices, minlength=rows.shape[1])
        ceiling = self.max_df * len(texts) if len(texts) >= SMALL_CORPUS else len(texts)  # tiny catalogues keep all
        self.keep = (frequency >= self.min_df) & (frequency <= ceiling)
        self.idf = (np.log((1 + len(texts)) / (1 + frequency)) + 1).astype(np.float32) * self.keep
        return self._weigh(rows)

    def transform(self, texts: list[str]) -> Matrix:
        return self._weigh(sp.csr_matrix(self.counter.transform(texts), dtype=np.float32))

    def _weigh(self, counts: Matrix) -> Matrix:
        counts = counts.copy()
        counts.data = (1 + np.log(counts.data)).astype(np.float32)
        weighted = sp.csr_matrix(counts @ sp.diags(self.idf), dtype=np.float32)
        weighted.eliminate_zeros()
        return sp.csr_matrix(normalize(weighted), dtype=np.float32)


def _blend(parts: dict[str, np.ndarray], both: dict[str, np.ndarray]) -> np.ndarray:
    """Σ weight × part over the blocks both sides have, divided by those weights, plus bonuses."""
    size = len(parts["fuzzy"])
    total = np.zeros(size, dtype=np.float32)
    weight_sum = np.zeros(size, dtype=np.float32)
    for name, weight in WEIGHTS.items():
        value = parts[name] if name != "name" else 0.5 * parts["name"] + 0.5 * parts["fuzzy"]
        total += np.where(both[name], weight * value, 0.0).astype(np.float32)
        weight_sum += np.where(both[name], weight, 0.0).astype(np.float32)
    score = np.divide(total, weight_sum, out=np.zeros_like(total), where=weight_sum > 0)
    score += CATEGORY_BONUS * parts["same_category"] + AREA_BONUS * parts["same_area"]
    return np.minimum(score, 1.0).astype(np.float32)


def _fuzzy(left: list[str], right: list[str]) -> np.ndarray:
    return np.array([fuzz.token_set_ratio(a, b) / 100.0 for a, b in zip(left, right, strict=True)], dtype=np.float32)


def _rowwise_dot(block: Matrix, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    if len(left) == 0:
        return np.zeros(0, dtype=np.float32)
    product = block[left].multiply(block[right])
    return np.asarray(product.sum(axis=1), dtype=np.float32).ravel()


def _has_values(block: Matrix) -> np.ndarray:
    has: np.ndarray = np.diff(block.indptr) > 0
    return has
