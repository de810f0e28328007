"""Optimal (global nearest neighbour) assignment with lap.lapjv, split into clusters.

Gated pairs form a bipartite graph; its connected components are independent assignment
problems, because the objective (sum of matched costs plus cost_limit/2 for every unmatched
track or detection, as lapjv's extend_cost/cost_limit define it) separates over them.
Components with a single track or a single detection are solved at once, vectorised (the
best pair wins); lapjv runs only on components with at least two of each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import lap
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from services.tracker.domain.hypothesiser import Hypotheses


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
        # Nodes: tracks 0..n_tracks-1, detections n_tracks..n_tracks+n_dets-1.
        n = n_tracks + n_dets
        graph = coo_matrix((np.ones(len(rows)), (rows, cols + n_tracks)), shape=(n, n))
        _, label = connected_components(graph, directed=False)
        comp = label[rows]
        n_comp = int(label.max()) + 1
        t_in = np.bincount(label[np.unique(rows)], minlength=n_comp)
        d_in = np.bincount(label[np.unique(cols) + n_tracks], minlength=n_comp)
        simple = (t_in[comp] == 1) | (d_in[comp] == 1)
        # Simple clusters: the single best pair is optimal (any gated cost < cost_limit).
        s_idx = np.flatnonzero(simple)
        order = s_idx[np.lexsort((cost[s_idx], comp[s_idx]))]
        first = np.ones(len(order), dtype=bool)
        first[1:] = comp[order[1:]] != comp[order[:-1]]
        mt, md = [rows[order[first]]], [cols[order[first]]]
        # Larger clusters: one lapjv each.
        h_idx = np.flatnonzero(~simple)
        if len(h_idx):
            h_idx = h_idx[np.argsort(comp[h_idx], kind="stable")]
            bounds = np.flatnonzero(np.diff(comp[h_idx])) + 1
            for part in np.split(h_idx, bounds):
                r, c = _lapjv(rows[part], cols[part], cost[part], hyp.cost_limit)
                mt.append(r)
                md.append(c)
        return _result(np.concatenate(mt), np.concatenate(md), n_tracks, n_dets)


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
        ur, r_loc = np.unique(rows, return_inverse=True)
        uc, c_loc = np.unique(cols, return_inverse=True)
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


def _result(tr: np.ndarray, dt: np.ndarray, n_tracks: int, n_dets: int) -> Assignment:
    tr = tr.astype(np.intp)
    dt = dt.astype(np.intp)
    free_t = np.ones(n_tracks, dtype=bool)
    free_t[tr] = False
    free_d = np.ones(n_dets, dtype=bool)
    free_d[dt] = False
    return Assignment(tr, dt, np.flatnonzero(free_t), np.flatnonzero(free_d))
