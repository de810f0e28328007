"""Track-to-track association at a common fusion time.

The cost of pairing sensor track j with fused track i is the squared Mahalanobis distance of
their (x, y, vx, vy) difference under P_i + S_j, gated by the chi-square quantile of the gate
probability (4 degrees of freedom) and, first, by a Euclidean radius found with a k-d tree
(so the work grows with the gated pairs, never with tracks x tracks). The assignment is
solved with lap.lapjv per connected cluster of gated pairs (the tracker's associator).

Identities are sticky: a sensor track already bound to a fused track keeps that binding as
long as the pair stays within the gate; only the others go to the assignment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from scipy.stats import chi2

from services.tracker.domain.associator import Assignment, ClusteredLapAssociator
from services.tracker.domain.hypothesiser import Hypotheses
from services.tracker.domain.linalg import inv_sym


@dataclass(frozen=True)
class TrackToTrackAssociator:
    """Gated Mahalanobis global-nearest-neighbour association of sensor tracks to fused ones.

    Attributes:
        gate: largest squared Mahalanobis distance of a pair (chi-square, 4 dof).
        max_gate_m: largest Euclidean distance in metres between the two positions of a
            pair, whatever the covariances (pre-gate with a k-d tree).
        sticky_gate: a bound pair is kept as it is while its cost is at most this (at most
            gate); above it, the sensor track competes in the assignment again, so a sensor
            track that swapped objects (two people crossing) moves to the right fused track.
    """

    gate: float = float(chi2.ppf(0.999, 4))
    max_gate_m: float = 10.0
    sticky_gate: float = float(chi2.ppf(0.999, 4))

    def __post_init__(self) -> None:
        if not self.gate > 0 or not self.max_gate_m > 0:
            raise ValueError("gate and max_gate_m must be > 0")
        if not 0 < self.sticky_gate <= self.gate:
            raise ValueError("sticky_gate must be in (0, gate]")

    @classmethod
    def from_probability(
        cls, prob: float, max_gate_m: float, sticky_prob: float | None = None
    ) -> TrackToTrackAssociator:
        """Gates holding prob (and sticky_prob, default prob) of the chi-square mass."""
        sticky_prob = prob if sticky_prob is None else sticky_prob
        for p in (prob, sticky_prob):
            if not 0.0 < p < 1.0:
                raise ValueError(f"gate probabilities must be in (0, 1), got {p}")
        gate = float(chi2.ppf(prob, 4))
        return cls(gate, max_gate_m, min(gate, float(chi2.ppf(sticky_prob, 4))))

    def costs(self, fx: np.ndarray, fP: np.ndarray, zx: np.ndarray, zP: np.ndarray) -> Hypotheses:
        """Gated pairs (rows: fused tracks, cols: sensor tracks) with their d² costs."""
        if len(fx) == 0 or len(zx) == 0:
            e = np.zeros(0, np.intp)
            return Hypotheses(e, e, np.zeros(0), self.gate)
        sdm = cKDTree(fx[:, :2]).sparse_distance_matrix(
            cKDTree(zx[:, :2]), self.max_gate_m, output_type="ndarray"
        )
        i = sdm["i"].astype(np.intp)
        j = sdm["j"].astype(np.intp)
        if len(i) == 0:
            return Hypotheses(i, j, np.zeros(0), self.gate)
        nu = zx[j] - fx[i]
        d2 = np.einsum("pm,pmk,pk->p", nu, inv_sym(fP[i] + zP[j]), nu)
        ok = d2 <= self.gate
        return Hypotheses(i[ok], j[ok], d2[ok], self.gate)

    def associate(
        self,
        fx: np.ndarray,
        fP: np.ndarray,
        zx: np.ndarray,
        zP: np.ndarray,
        bound: np.ndarray | None = None,
    ) -> Assignment:
        """Assign sensor tracks (zx (m, 4), zP (m, 4, 4)) of ONE sensor to fused tracks
        (fx (n, 4), fP (n, 4, 4)), all at the same time.

        bound: (m,) the fused row each sensor track was bound to before, or -1. A bound pair
        within the gate is kept as it is; the rest are assigned optimally.
        Returns Assignment(tracks=fused rows, dets=sensor rows, unmatched fused, unmatched
        sensor tracks).
        """
        n, m = len(fx), len(zx)
        h = self.costs(fx, fP, zx, zP)
        keep_t = np.zeros(0, np.intp)
        keep_d = np.zeros(0, np.intp)
        if bound is not None and len(h.rows):
            bound = np.asarray(bound, dtype=np.intp)
            sticky = (bound[h.cols] == h.rows) & (h.cost <= self.sticky_gate)
            keep_t, keep_d = h.rows[sticky], h.cols[sticky]
            free_t = np.ones(n, bool)
            free_t[keep_t] = False
            free_d = np.ones(m, bool)
            free_d[keep_d] = False
            rest = free_t[h.rows] & free_d[h.cols]
            h = Hypotheses(h.rows[rest], h.cols[rest], h.cost[rest], h.cost_limit)
        a = ClusteredLapAssociator().associate(h, n, m)
        tracks = np.concatenate([keep_t, a.tracks]).astype(np.intp)
        dets = np.concatenate([keep_d, a.dets]).astype(np.intp)
        un_t = np.ones(n, bool)
        un_t[tracks] = False
        un_d = np.ones(m, bool)
        un_d[dets] = False
        return Assignment(tracks, dets, np.flatnonzero(un_t), np.flatnonzero(un_d))
