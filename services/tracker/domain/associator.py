"""Optimal (global nearest neighbour) assignment with lap.lapjv, split into clusters.

Gated pairs form a bipartite graph whose connected components are independent assignment
problems, because the objective (sum of matched costs plus cost_limit/2 for every unmatched
track or detection, as lapjv's extend_cost/cost_limit define it) separates over them:

* a pair whose track and detection have no other candidate is matched directly;
* if the remaining pairs span a small dense matrix (<= _ONE_LAPJV entries), one lapjv call
  solves them all (entries between clusters are ungated, so nothing changes);
* otherwise the components are found with a vectorised union-find; those with a single track
  or detection (the best pair wins) and those of two tracks and two detections (enumerated)
  are solved vectorised, and lapjv runs once per larger component.

The work thus grows with the number of gated pairs, never with tracks x detections.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import lap
import numpy as np

from services.tracker.domain.hypothesiser import Hypotheses

# Clusters with more than one pair go to a single lapjv call when the dense matrix over all
# of them has at most this many entries (lapjv then costs microseconds); above it they are
# solved cluster by cluster, so the work stays far below quadratic.
_ONE_LAPJV = 4096


@dataclass(frozen=True)
class Assignment:
    """Assignment is the result of one association.

    Attributes:
        tracks: (k,) matched track indices.
        dets: (k,) matched detection indices, aligned with tracks.
        unmatched_tracks: sorted track indices left without a detection.
        unmatched_dets: sorted detection indices left without a track.
    """

    tracks: np.ndarray
    dets: np.ndarray
    unmatched_tracks: np.ndarray
    unmatched_dets: np.ndarray


class Associator(Protocol):
    """Associator turns gated hypotheses into a one-to-one assignment."""

    def associate(self, hyp: Hypotheses, n_tracks: int, n_dets: int) -> Assignment:
        """Assign detections to tracks, minimising total cost within the gate."""
        ...


@dataclass(frozen=True)
class ClusteredLapAssociator:
    """Exact minimum-cost assignment, solved per connected cluster of gated pairs.

    Attributes:
        use_clusters: False solves one lapjv over all tracks and detections (for checks).
    """

    use_clusters: bool = True

    def associate(self, hyp: Hypotheses, n_tracks: int, n_dets: int) -> Assignment:
        """See Associator.associate."""
        if len(hyp.rows) == 0:
            return _result(np.empty(0, np.intp), np.empty(0, np.intp), n_tracks, n_dets)
        if not self.use_clusters:
            r, c = _lapjv(hyp.rows, hyp.cols, hyp.cost, hyp.cost_limit, n_tracks, n_dets)
            return _result(r, c, n_tracks, n_dets)
        rows, cols, cost = hyp.rows, hyp.cols, hyp.cost
        # Pairs whose track and detection have no other candidate are clusters of one pair.
        deg_t = np.bincount(rows, minlength=n_tracks)
        deg_d = np.bincount(cols, minlength=n_dets)
        solo = (deg_t[rows] == 1) & (deg_d[cols] == 1)
        mt, md = [rows[solo]], [cols[solo]]
        if not solo.all():
            rest = np.flatnonzero(~solo)
            rr, rc, cr = rows[rest], cols[rest], cost[rest]
            n_t = np.count_nonzero(np.bincount(rr, minlength=n_tracks))
            n_d = np.count_nonzero(np.bincount(rc, minlength=n_dets))
            if n_t * n_d <= _ONE_LAPJV:
                # Few: one lapjv over their block-diagonal matrix (entries between clusters
                # are ungated, so the solution is the same as cluster by cluster).
                r, c = _lapjv(rr, rc, cr, hyp.cost_limit)
            else:
                r, c = _clusters(rr, rc, cr, hyp.cost_limit, n_tracks)
            mt.append(r)
            md.append(c)
        return _result(np.concatenate(mt), np.concatenate(md), n_tracks, n_dets)


def _clusters(
    rows: np.ndarray, cols: np.ndarray, cost: np.ndarray, limit: float, n_tracks: int
) -> tuple[np.ndarray, np.ndarray]:
    """Optimal matches of pairs that form clusters of more than one pair."""
    nodes_d = cols + n_tracks
    n = n_tracks + int(cols.max()) + 1
    label = _components(rows, nodes_d, n)
    comp = label[rows]
    seen = np.zeros(n, dtype=bool)
    seen[rows] = True
    seen[nodes_d] = True
    t_nodes = np.flatnonzero(seen[:n_tracks])
    d_nodes = np.flatnonzero(seen[n_tracks:]) + n_tracks
    t_in = np.bincount(label[t_nodes], minlength=n)
    d_in = np.bincount(label[d_nodes], minlength=n)
    nt, nd = t_in[comp], d_in[comp]
    mt: list[np.ndarray] = []
    md: list[np.ndarray] = []
    # A cluster with one track (or one detection): its cheapest pair is optimal.
    simple = np.flatnonzero((nt == 1) | (nd == 1))
    if len(simple):
        order = simple[np.lexsort((cost[simple], comp[simple]))]
        first = np.ones(len(order), dtype=bool)
        first[1:] = comp[order[1:]] != comp[order[:-1]]
        mt.append(rows[order[first]])
        md.append(cols[order[first]])
    # Two tracks and two detections (the common crossing): enumerated, vectorised.
    two = np.flatnonzero((nt == 2) & (nd == 2))
    if len(two):
        r, c = _two_by_two(rows[two], cols[two], cost[two] - limit, comp[two])
        mt.append(r)
        md.append(c)
    # Larger clusters: packed into batches whose block-diagonal matrix has at most
    # _ONE_LAPJV entries (entries between clusters are ungated, so one lapjv per batch
    # solves each cluster exactly), one lapjv per batch.
    big = np.flatnonzero((nt > 1) & (nd > 1) & ((nt > 2) | (nd > 2)))
    if len(big):
        big = big[np.argsort(comp[big], kind="stable")]
        bounds = np.flatnonzero(np.diff(comp[big])) + 1
        heads = np.concatenate([[0], bounds])
        for lo, hi in _batches(nt[big[heads]].tolist(), nd[big[heads]].tolist()):
            part = big[heads[lo] : heads[hi] if hi < len(heads) else len(big)]
            r, c = _lapjv(rows[part], cols[part], cost[part], limit)
            mt.append(r)
            md.append(c)
    if not mt:
        none = np.empty(0, np.intp)
        return none, none.copy()
    return np.concatenate(mt), np.concatenate(md)


def _batches(n_t: list[int], n_d: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs [lo, hi) of clusters (n_t[i] tracks, n_d[i] detections) whose
    block-diagonal matrix (sum n_t) x (sum n_d) has at most _ONE_LAPJV entries (a cluster
    larger than that is a run of its own)."""
    out: list[tuple[int, int]] = []
    lo, st, sd = 0, 0, 0
    for i, (a, b) in enumerate(zip(n_t, n_d, strict=True)):
        if i > lo and (st + a) * (sd + b) > _ONE_LAPJV:
            out.append((lo, i))
            lo, st, sd = i, 0, 0
        st += a
        sd += b
    out.append((lo, len(n_t)))
    return out


def _two_by_two(
    rows: np.ndarray, cols: np.ndarray, gain: np.ndarray, comp: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Best matching in every 2x2 cluster; gain = cost - cost_limit (<= 0, lower is better).

    Leaving a track and a detection unmatched costs cost_limit, so a matching's objective is
    the sum of its gains: the minimum over the two full matchings and the single pairs.
    """
    order = np.argsort(comp, kind="stable")
    rows, cols, gain, comp = rows[order], cols[order], gain[order], comp[order]
    start = np.ones(len(comp), dtype=bool)
    start[1:] = comp[1:] != comp[:-1]
    k = np.cumsum(start) - 1  # cluster number of each pair
    n = int(k[-1]) + 1
    heads = np.flatnonzero(start)
    t0 = np.minimum.reduceat(rows, heads)
    d0 = np.minimum.reduceat(cols, heads)
    lt = (rows != t0[k]).astype(np.intp)
    ld = (cols != d0[k]).astype(np.intp)
    g = np.full((n, 2, 2), np.inf)
    g[k, lt, ld] = gain
    idx = np.full((n, 2, 2), -1, dtype=np.intp)
    idx[k, lt, ld] = np.arange(len(k))
    flat = g.reshape(n, 4)
    single = np.argmin(flat, axis=1)
    options = np.stack(
        [flat[:, 0] + flat[:, 3], flat[:, 1] + flat[:, 2], flat[np.arange(n), single]]
    )
    best = np.argmin(options, axis=0)
    iflat = idx.reshape(n, 4)
    first = np.where(
        best == 0, iflat[:, 0], np.where(best == 1, iflat[:, 1], iflat[np.arange(n), single])
    )
    second = np.where(best == 0, iflat[:, 3], np.where(best == 1, iflat[:, 2], -1))
    pick = np.concatenate([first, second[second >= 0]])
    return rows[pick], cols[pick]


def _components(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """Connected-component label (the smallest node id) of nodes 0..n-1 given edges (u, v).

    Vectorised hook-and-compress (Shiloach-Vishkin style): every round hooks the larger of
    the two roots of each edge onto the smaller, then flattens the trees; it ends when both
    ends of every edge share a root, after O(log n) rounds on typical graphs.
    """
    parent = np.arange(n)
    while True:
        pu, pv = parent[u], parent[v]
        differ = pu != pv
        if not differ.any():
            return parent
        hi = np.maximum(pu[differ], pv[differ])
        lo = np.minimum(pu[differ], pv[differ])
        np.minimum.at(parent, hi, lo)
        while True:
            grand = parent[parent]
            if (grand == parent).all():
                break
            parent = grand


def _lapjv(
    rows: np.ndarray,
    cols: np.ndarray,
    cost: np.ndarray,
    limit: float,
    n_tracks: int | None = None,
    n_dets: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """lapjv on the dense matrix of the given pairs; ungated entries cost more than limit."""
    if n_tracks is None or n_dets is None:
        ur, r_loc = _compact(rows)
        uc, c_loc = _compact(cols)
    else:
        ur, r_loc = np.arange(n_tracks), rows
        uc, c_loc = np.arange(n_dets), cols
    big = 2.0 * limit + 1.0
    dense = np.full((len(ur), len(uc)), big)
    dense[r_loc, c_loc] = cost
    _, x, _ = lap.lapjv(dense, extend_cost=True, cost_limit=limit)
    sel = np.flatnonzero(x >= 0)
    sel = sel[dense[sel, x[sel]] <= limit]
    return ur[sel], uc[x[sel]]


def _compact(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct values of idx, position of each idx among them), for small
    non-negative indices (a table lookup, cheaper than sorting)."""
    seen = np.zeros(int(idx.max()) + 1, dtype=bool)
    seen[idx] = True
    where = np.cumsum(seen) - 1
    return np.flatnonzero(seen), where[idx]


def _result(tr: np.ndarray, dt: np.ndarray, n_tracks: int, n_dets: int) -> Assignment:
    tr = tr.astype(np.intp)
    dt = dt.astype(np.intp)
    free_t = np.ones(n_tracks, dtype=bool)
    free_t[tr] = False
    free_d = np.ones(n_dets, dtype=bool)
    free_d[dt] = False
    return Assignment(tr, dt, np.flatnonzero(free_t), np.flatnonzero(free_d))
