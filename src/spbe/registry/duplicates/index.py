"""The similarity index over every application: sparse TF-IDF blocks, top-k neighbours in row chunks.

Each application becomes one sparse vector made of four L2-normalised blocks, each scaled by the square
root of its weight, so one sparse dot product gives the blended similarity
``Σ weight × cosine`` of:

- **name**: character 2–4-grams of the normalised name and acronym (typos, SIMPEG ~ SIMPEGDA);
- **concepts**: the lexicon concepts the name names (SIMPEG ~ e-Pegawai ~ HRIS);
- **description**: word uni- and bigrams of the description (stop words and place names dropped);
- **affairs**: the Proses Bisnis affairs it serves.

Inventories repeat themselves: at 200,000 applications only ~60,000 distinct (name, concepts, description)
texts remain once region and agency words are dropped ("SIMPEG Kabupaten Garut" and "SIMPEG Kota Bogor"
are both "simpeg"). Neighbours are therefore searched between **distinct texts** only: chunk by chunk
(``D[chunk] @ Dᵀ``, top-k per row, in C++), on a retrieval vector without the affairs block and without
features shared by more than ``RETRIEVAL_MAX_LIMIT`` distinct texts (a common n-gram would make every
product row dense — the work would grow with the square of the inventory). A pair of distinct texts then
links a few of their applications (``CROSS_LINKS``), and the applications sharing one text are chained to
their next ``SAME_TEXT_LINKS`` namesakes of other agencies, so the duplicate graph stays as sparse as a top-k
graph while the costly product shrinks about ninefold. Candidate pairs are then re-scored, in chunks, on
the full vectors: each block's cosine, with the weights of blocks missing on either side left out, plus a
rapidfuzz name ratio (computed once per distinct pair of names), plus small bonuses for the same category
and service area.
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
PAIR_CHUNK = 100_000  # candidate pairs re-scored at a time (bounds the memory of the row-wise products)
RETRIEVAL_MAX_DF = 0.03
RETRIEVAL_MIN_LIMIT = 600  # a feature shared by fewer distinct texts is always kept (a big family may share it)
RETRIEVAL_MAX_LIMIT = 1500  # … and one shared by more never is: keeps the product linear in the inventory
SMALL_CORPUS = 200
SAME_AGENCY_MARGIN = 8
CROSS_LINKS = 4  # applications linked for one pair of neighbouring distinct texts
SAME_TEXT_LINKS = 6  # namesakes each application is linked to (a chain, like ties in a top-k list)
QUERY_MEMBERS = 20  # applications of one distinct text a single check re-scores
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
        self._distinct_texts()
        self._fit()

    def _distinct_texts(self) -> None:
        """``text_of[row]``: the distinct text of each row; ``members``: the rows of each text, agencies mixed.

        Members are ordered so that one agency's namesakes are spread out (first of each agency, then the
        second, …), so a short chain over them links different agencies.
        """
        keys: dict[tuple[str, frozenset[str], str], int] = {}
        texts = [keys.setdefault((f.name, f.concepts, f.description), len(keys)) for f in self.features]
        self.text_of = np.array(texts, dtype=np.int64)
        size = len(self.records)
        by_text_agency = np.lexsort((np.arange(size), self.agency, self.text_of))
        key = self.text_of[by_text_agency] * (int(self.agency.max(initial=0)) + 1) + self.agency[by_text_agency]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        rank = np.arange(size) - np.repeat(starts, np.diff(np.r_[starts, size]))
        ranks = np.empty(size, dtype=np.int64)
        ranks[by_text_agency] = rank
        self.member_order = np.lexsort((self.agency, ranks, self.text_of))
        self.member_start = np.searchsorted(self.text_of[self.member_order], np.arange(len(keys) + 1))
        self.representative = self.member_order[self.member_start[:-1]]

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
        """One row per distinct text: the blended vector without affairs and the commonest features.

        Features shared by more than ``RETRIEVAL_MAX_DF`` of the distinct texts (at most
        ``RETRIEVAL_MAX_LIMIT``: common n-grams) make every product row dense; the re-scoring step still
        counts them. ``self.keep`` remembers the kept features so a single check prunes alike.
        """
        limit = min(RETRIEVAL_MAX_LIMIT, max(RETRIEVAL_MIN_LIMIT, int(RETRIEVAL_MAX_DF * len(self.representative))))
        self.keep: dict[str, np.ndarray] = {}
        for name in ("name", "concepts", "description"):
            block = self.blocks[name][self.representative]
            frequency = np.bincount(block.indices, minlength=block.shape[1])
            self.keep[name] = (frequency <= limit).astype(np.float32) * np.float32(np.sqrt(WEIGHTS[name]))
        return self._retrieval_of({name: self.blocks[name][self.representative] for name in self.keep})

    def _retrieval_of(self, blocks: dict[str, Matrix]) -> Matrix:
        pruned = [sp.csr_matrix(blocks[name] @ sp.diags(keep), dtype=np.float32) for name, keep in self.keep.items()]
        matrix = sp.csr_matrix(sp.hstack(pruned, format="csr"), dtype=np.float32)
        matrix.eliminate_zeros()
        return matrix

    @staticmethod
    def _one_hot(rows: list[Any], vocabulary: dict[str, int]) -> Matrix:
        """Rows of values as L2-normalised one-hot vectors (built once per distinct row, then spread)."""
        distinct: dict[Any, int] = {}
        inverse = np.array([distinct.setdefault(row, len(distinct)) for row in rows], dtype=np.int64)
        indices = [[vocabulary[v] for v in row if v in vocabulary] for row in distinct]
        data = np.ones(sum(len(i) for i in indices), dtype=np.float32)
        indptr = np.cumsum([0, *(len(i) for i in indices)])
        flat = np.array([i for row in indices for i in row], dtype=np.int32)
        matrix = sp.csr_matrix((data, flat, indptr), shape=(len(distinct), max(1, len(vocabulary))))
        return sp.csr_matrix(normalize(matrix), dtype=np.float32)[inverse]

    @staticmethod
    def _combine(blocks: dict[str, Matrix]) -> Matrix:
        scaled = [blocks[name] * np.float32(np.sqrt(weight)) for name, weight in WEIGHTS.items()]
        return sp.csr_matrix(sp.hstack(scaled, format="csr"), dtype=np.float32)

    # -- all neighbours --------------------------------------------------------------------------------

    def candidate_pairs(self, k: int = 12, floor: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
        """Pairs of applications of different agencies worth scoring (``left < right`` row numbers).

        Each distinct text's ``k`` most similar distinct texts (coarse score ≥ floor) link a few of their
        applications; applications sharing one text are chained to their namesakes.
        """
        namesakes = self._namesake_links()
        lefts, rights = [namesakes[0]], [namesakes[1]]
        transposed = sp.csr_matrix(self.retrieval.T)
        for start in range(0, self.retrieval.shape[0], CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, self.retrieval.shape[0])
            left, right = self._cross_links(*self._chunk_neighbours(start, stop, transposed, k, floor))
            lefts.append(left)
            rights.append(right)
        left, right = np.concatenate(lefts), np.concatenate(rights)
        keep = self.agency[left] != self.agency[right]
        low, high = np.minimum(left[keep], right[keep]), np.maximum(left[keep], right[keep])
        size = len(self.records)
        unique = np.unique(low.astype(np.int64) * size + high)
        return (unique // size).astype(np.int64), (unique % size).astype(np.int64)

    def _namesake_links(self) -> tuple[np.ndarray, np.ndarray]:
        """Each application to the next ``SAME_TEXT_LINKS`` applications of its distinct text."""
        position = np.arange(len(self.member_order))
        end = np.repeat(self.member_start[1:], np.diff(self.member_start))
        lefts, rights = [], []
        for step in range(1, SAME_TEXT_LINKS + 1):
            ok = position + step < end
            lefts.append(self.member_order[position[ok]])
            rights.append(self.member_order[position[ok] + step])
        return np.concatenate(lefts), np.concatenate(rights)

    def _chunk_neighbours(self, start: int, stop: int, transposed: Any, k: int, floor: float) -> tuple[Any, Any]:
        """Top ``k`` other distinct texts of each text in the chunk, by sparse product (C++, threaded)."""
        product = sp_matmul_topn(self.retrieval[start:stop], transposed, top_n=k + 1, threshold=floor,
                                 n_threads=THREADS)  # fmt: skip
        product = sp.coo_matrix(product)
        rows, columns = product.row.astype(np.int64) + start, product.col.astype(np.int64)
        keep = rows != columns  # itself left out (both directions give the same links, deduplicated later)
        return rows[keep], columns[keep]

    def _cross_links(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each pair of distinct texts, up to ``CROSS_LINKS`` pairs of their applications."""
        sizes = np.diff(self.member_start)
        count = np.minimum(np.maximum(sizes[left], sizes[right]), CROSS_LINKS)
        pair = np.repeat(np.arange(len(left)), count)
        step = np.arange(len(pair)) - np.repeat(np.cumsum(count) - count, count)
        a = self.member_order[self.member_start[left[pair]] + step % sizes[left[pair]]]
        b = self.member_order[self.member_start[right[pair]] + step % sizes[right[pair]]]
        return a, b

    def score_pairs(self, left: np.ndarray, right: np.ndarray) -> PairScores:
        """The blended score of each pair and its parts (per-block cosine, name ratio, bonuses)."""
        parts = {name: _rowwise_dot(block, left, right) for name, block in self.blocks.items()}
        both = {name: _has_values(block)[left] & _has_values(block)[right] for name, block in self.blocks.items()}
        parts["fuzzy"] = self._fuzzy_rows(left, right)
        parts["same_category"] = (self.category[left] == self.category[right]).astype(np.float32)
        parts["same_area"] = (self.area[left] == self.area[right]).astype(np.float32)
        return PairScores(left, right, _blend(parts, both), parts)

    def _fuzzy_rows(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """The name ratio of each pair, computed once per distinct pair of names."""
        names: dict[str, int] = {}
        name_id = np.array([names.setdefault(f.name, len(names)) for f in self.features], dtype=np.int64)
        a, b = np.minimum(name_id[left], name_id[right]), np.maximum(name_id[left], name_id[right])
        distinct, inverse = np.unique(a * len(names) + b, return_inverse=True)
        text = list(names)
        ratios = _fuzzy([text[i] for i in distinct // len(names)], [text[i] for i in distinct % len(names)])
        return ratios[inverse.ravel()] if len(distinct) else np.zeros(0, dtype=np.float32)

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
        """The ``k`` closest applications to a proposal (of any agency), best first, with scores.

        The distinct texts closest on the retrieval vector make the shortlist (a few of each text's
        applications), which is then scored on the full vectors like a pair.
        """
        features, blocks, _vector = self.vectorise(record)
        coarse = (self.retrieval @ self._retrieval_of(blocks).T).toarray().ravel()
        texts = np.argpartition(-coarse, min(len(coarse) - 1, max(k * 5, 50)))[: max(k * 5, 50)]
        texts = texts[coarse[texts] > 0]
        taken = np.minimum(np.diff(self.member_start)[texts], min(QUERY_MEMBERS, max(k, 1)))
        offset = np.arange(int(taken.sum())) - np.repeat(np.cumsum(taken) - taken, taken)
        shortlist = self.member_order[np.repeat(self.member_start[texts], taken) + offset]
        parts = {name: (self.blocks[name][shortlist] @ blocks[name].T).toarray().ravel() for name in self.blocks}
        both = {name: _has_values(self.blocks[name])[shortlist] & bool(blocks[name].nnz) for name in self.blocks}
        ratios = _fuzzy([features.name] * len(texts), [self.features[self.representative[t]].name for t in texts])
        parts["fuzzy"] = np.repeat(ratios, taken)  # one name per distinct text
        parts["same_category"] = (self.category[shortlist] == hash(record.category or "")).astype(np.float32)
        parts["same_area"] = (self.area[shortlist] == hash(record.service_area or "")).astype(np.float32)
        score = _blend(parts, both)
        order = np.argsort(-score, kind="stable")[:k]
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
        ids: dict[str, int] = {}
        inverse = np.array([ids.setdefault(text, len(ids)) for text in texts], dtype=np.int64)
        distinct = list(ids)
        try:
            counts = sp.csr_matrix(self.counter.fit_transform(distinct), dtype=np.float32)
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
    """``block[left[i]] · block[right[i]]`` for every i, ``PAIR_CHUNK`` pairs at a time (flat memory)."""
    result = np.zeros(len(left), dtype=np.float32)
    for start in range(0, len(left), PAIR_CHUNK):
        chunk = slice(start, start + PAIR_CHUNK)
        product = block[left[chunk]].multiply(block[right[chunk]])
        result[chunk] = np.asarray(product.sum(axis=1), dtype=np.float32).ravel()
    return result


def _has_values(block: Matrix) -> np.ndarray:
    has: np.ndarray = np.diff(block.indptr) > 0
    return has
