"""The finder's scaling devices: distinct texts, namesake chains, bounded retrieval, guarded centroid merges."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from spbe.registry.duplicates import clustering
from spbe.registry.duplicates import index as index_module
from spbe.registry.duplicates.index import AppRecord, DuplicateIndex, PairScores
from spbe.registry.duplicates.schemas import CheckIn
from spbe.registry.duplicates.service import build, check_in

MARKET = "Pendataan los kios pedagang dan retribusi harian pasar rakyat."


def _app(n: int, name: str, agency: int, description: str, affairs: tuple[str, ...] = ("02.02",)) -> AppRecord:
    return AppRecord(id=n, code=f"A-{n:04d}", name=name, acronym=None, description=description,
                     agency_code=f"KAB-{agency:04d}", agency_name=f"Pemerintah Kabupaten Nomor{agency}",
                     place=f"Nomor{agency}", category="RAA.2.1", service_area="publik", affairs=affairs)  # fmt: skip


def _namesakes(count: int, start: int = 0) -> list[AppRecord]:
    """``count`` agencies each running "e-Pasar Rakyat <their region>", two of them twice."""
    apps = [_app(start + n, f"e-Pasar Rakyat Nomor{n}", n, MARKET) for n in range(count)]
    return apps + [_app(start + count + n, f"e-Pasar Rakyat Nomor{n}", n, MARKET) for n in range(2)]


def test_namesakes_share_one_retrieval_row_and_form_one_group() -> None:
    records = _namesakes(120)
    index = DuplicateIndex(records)
    assert index.retrieval.shape[0] == 1  # one distinct text once the region names are dropped
    left, right = index.candidate_pairs()
    assert np.all(index.agency[left] != index.agency[right])  # never one agency's own applications
    assert len(left) <= len(records) * (index_module.SAME_TEXT_LINKS + index_module.CROSS_LINKS)  # sparse
    groups = build(records).groups
    assert len(groups) == 1
    assert len(groups[0].rows) == len(records)


def test_a_common_feature_is_left_out_of_retrieval_but_still_scored(monkeypatch: pytest.MonkeyPatch) -> None:
    records = [_app(n, f"Aplikasi Rakyat Varian{n}", n, f"Layanan {n} untuk rakyat.") for n in range(40)]
    monkeypatch.setattr(index_module, "RETRIEVAL_MIN_LIMIT", 5)
    monkeypatch.setattr(index_module, "RETRIEVAL_MAX_LIMIT", 5)
    index = DuplicateIndex(records)
    kept = int((index.keep["name"] > 0).sum())
    assert kept < index.blocks["name"].shape[1]  # "rakyat" n-grams shared by all 40 are not searched on
    full = index.blocks["name"][0] @ index.blocks["name"][1].T
    assert full.toarray()[0, 0] > 0  # … yet the full vectors still share them


def test_close_centroids_merge_only_when_a_candidate_pair_joins_the_groups() -> None:
    vectors = sp.csr_matrix(np.array([[1.0, 0.2], [1.0, 0.25], [0.95, 0.2], [1.0, 0.22]], dtype=np.float32))
    groups = [clustering.Group((0, 1), 0.9, 1), clustering.Group((2, 3), 0.9, 1)]  # centroids ~identical
    apart = clustering._merge_close(groups, vectors, 0.55, None, np.zeros((2, 2), dtype=bool))
    assert [g.members for g in apart] == [(0, 1), (2, 3)]
    joined = clustering._merge_close(groups, vectors, 0.55, None, np.ones((2, 2), dtype=bool))
    assert [g.members for g in joined] == [(0, 1, 2, 3)]
    pairs = PairScores(np.array([0, 1]), np.array([1, 2]), np.array([0.9, 0.56], dtype=np.float32))
    assert clustering._linked(groups, pairs, 0.55, 4)[0, 1]
    assert not clustering._linked(groups, pairs, 0.6, 4)[0, 1]


def test_a_single_check_finds_a_namesake_among_many() -> None:
    analysis = build(_namesakes(200))
    result = check_in(analysis, CheckIn(name="e-Pasar Rakyat Kota Baru", description=MARKET, limit=5))
    assert result.verdict == "duplicate"
    assert len(result.matches) == 5
    assert all("Pasar Rakyat" in match.application.name for match in result.matches)
