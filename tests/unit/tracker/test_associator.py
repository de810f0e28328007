"""ClusteredLapAssociator: optimal assignment, clusters equal one global lapjv."""

from __future__ import annotations

import numpy as np
import pytest

from services.tracker.domain import associator
from services.tracker.domain.associator import ClusteredLapAssociator
from services.tracker.domain.hypothesiser import Hypotheses


def _hyp(cost: np.ndarray, limit: float) -> Hypotheses:
    rows, cols = np.nonzero(np.isfinite(cost) & (cost <= limit))
    return Hypotheses(rows, cols, cost[rows, cols], limit)


def _pairs(a) -> set[tuple[int, int]]:  # type: ignore[no-untyped-def]
    return set(zip(a.tracks.tolist(), a.dets.tolist(), strict=True))


def test_optimal_beats_greedy() -> None:
    # Greedy takes the cheapest pair (0, 0) = 1 and is left with (1, 1) = 9: total 10.
    # The optimum is (0, 1) + (1, 0) = 2 + 2 = 4.
    cost = np.array([[1.0, 2.0], [2.0, 9.0]])
    a = ClusteredLapAssociator().associate(_hyp(cost, 10.0), 2, 2)
    assert _pairs(a) == {(0, 1), (1, 0)}
    assert a.unmatched_tracks.tolist() == [] and a.unmatched_dets.tolist() == []


def test_unmatched_and_gated_pairs() -> None:
    inf = np.inf
    cost = np.array([[0.5, inf, inf], [inf, inf, inf], [inf, 0.2, inf]])
    a = ClusteredLapAssociator().associate(_hyp(cost, 1.0), 3, 3)
    assert _pairs(a) == {(0, 0), (2, 1)}
    assert a.unmatched_tracks.tolist() == [1]
    assert a.unmatched_dets.tolist() == [2]


def test_cost_limit_leaves_expensive_pairs_unmatched() -> None:
    # Matching (0, 0) at 0.9 and (1, 1) at 0.9 costs 1.8; (0, 1) at 0.1 alone plus two
    # unmatched (limit / 2 each) costs 0.1 + 1.0 = 1.1, which lapjv's objective prefers.
    cost = np.array([[0.9, 0.1], [np.inf, 0.9]])
    for clusters in (True, False):
        a = ClusteredLapAssociator(use_clusters=clusters).associate(_hyp(cost, 1.0), 2, 2)
        assert _pairs(a) == {(0, 1)}


def test_empty() -> None:
    a = ClusteredLapAssociator().associate(_hyp(np.empty((0, 3)), 1.0), 0, 3)
    assert a.tracks.size == 0 and a.unmatched_dets.tolist() == [0, 1, 2]


@pytest.mark.parametrize("one_lapjv", [0, 4096])
def test_clusters_give_the_same_result_as_one_big_lapjv(
    one_lapjv: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # one_lapjv = 0 forces the cluster-by-cluster path (vectorised 2x2, one lapjv per
    # larger cluster); the default batches small leftovers into one lapjv call.
    monkeypatch.setattr(associator, "_ONE_LAPJV", one_lapjv)
    rng = np.random.default_rng(42)
    clustered, whole = ClusteredLapAssociator(), ClusteredLapAssociator(use_clusters=False)
    for trial in range(400):
        nt, nd = int(rng.integers(1, 60)), int(rng.integers(1, 60))
        cost = rng.uniform(0, 3, (nt, nd))
        cost[rng.random((nt, nd)) > rng.uniform(0.01, 0.25)] = np.inf
        hyp = _hyp(cost, float(rng.uniform(0.5, 3)))
        a, b = clustered.associate(hyp, nt, nd), whole.associate(hyp, nt, nd)
        assert _pairs(a) == _pairs(b), trial
        assert len(set(a.tracks.tolist())) == len(a.tracks)
        assert len(set(a.dets.tolist())) == len(a.dets)
        assert sorted(a.unmatched_tracks.tolist() + a.tracks.tolist()) == list(range(nt))
        assert sorted(a.unmatched_dets.tolist() + a.dets.tolist()) == list(range(nd))


@pytest.mark.parametrize("one_lapjv", [0, 4096])
def test_large_sparse_instance_matches_dense_solution(
    one_lapjv: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(associator, "_ONE_LAPJV", one_lapjv)
    # 600 tracks in chains of close neighbours: many clusters of every size.
    rng = np.random.default_rng(7)
    n = 600
    rows, cols, costs = [], [], []
    for i in range(n):
        for j in (i - 1, i, i + 1):
            if 0 <= j < n and rng.random() < 0.7:
                rows.append(i)
                cols.append(j)
                costs.append(rng.uniform(0, 1))
    hyp = Hypotheses(np.array(rows), np.array(cols), np.array(costs), 1.0)
    a = ClusteredLapAssociator().associate(hyp, n, n)
    b = ClusteredLapAssociator(use_clusters=False).associate(hyp, n, n)
    assert _pairs(a) == _pairs(b)
