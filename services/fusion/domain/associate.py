"""Track-to-track association at a common fusion time.

The cost of pairing sensor track j with fused track i is the squared Mahalanobis distance of
their (x, y, vx, vy) difference (or (x, y) only, dims = 2) under P_i + S_j, gated by the
chi-square quantile of the gate probability (4 or 2 degrees of freedom) and, first, by a
Euclidean radius found with a k-d tree (so the work grows with the gated pairs, never with
tracks x tracks). The assignment is solved with lap.lapjv per connected cluster of gated
pairs (the tracker's associator).

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
        gate: largest squared Mahalanobis distance of a pair (chi-square, dims dof).
        max_gate_m: largest Euclidean distance in metres between the two positions of a
            pair, whatever the covariances (pre-gate with a k-d tree).
        sticky_gate: a bound pair is kept as it is while its cost is at most this (at most
            gate); above it, the sensor track competes in the assignment again, so a sensor
            track that swapped objects (two people crossing) moves to the right fused track.
        dims: 4 gates on (x, y, vx, vy), 2 on (x, y) only.
        sticky_m: a bound pair also stays bound while its positions are at most this many
            metres apart, whatever its d² (one odd sensor state, such as a box whose height
            jumps, does not cost the object its global id); 0 turns it off.
    """

    gate: float = float(chi2.ppf(0.999, 4))
    max_gate_m: float = 10.0
    sticky_gate: float = float(chi2.ppf(0.999, 4))
    dims: int = 4
    sticky_m: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.sticky_m <= self.max_gate_m:
            raise ValueError(f"sticky_m must be in [0, max_gate_m], got {self.sticky_m!r}")
        if self.dims not in (2, 4):
            raise ValueError(f"dims must be 2 (position) or 4 (position, velocity), "
                             f"got {self.dims!r}")  # fmt: skip
        if not self.gate > 0 or not self.max_gate_m > 0:
            raise ValueError("gate and max_gate_m must be > 0")
        if not 0 < self.sticky_gate <= self.gate:
            raise ValueError("sticky_gate must be in (0, gate]")

    @classmethod
    def from_probability(
        cls, prob: float, max_gate_m: float, sticky_prob: float | None = None, dims: int = 4,
        sticky_m: float = 0.0,
    ) -> TrackToTrackAssociator:  # fmt: skip
        """Gates holding prob (and sticky_prob, default prob) of the chi-square mass
        (dims degrees of freedom)."""
        sticky_prob = prob if sticky_prob is None else sticky_prob
        for p in (prob, sticky_prob):
            if not 0.0 < p < 1.0:
                raise ValueError(f"gate probabilities must be in (0, 1), got {p}")
        gate = float(chi2.ppf(prob, dims))
        sticky = min(gate, float(chi2.ppf(sticky_prob, dims)))
        return cls(gate, max_gate_m, sticky, dims, sticky_m)

    def costs(self, fx: np.ndarray, fP: np.ndarray, zx: np.ndarray, zP: np.ndarray) -> Hypotheses:
        """Gated pairs (rows: fused tracks, cols: sensor tracks) with their d² costs."""
        i, j, d2, _ = self._pairs(fx, fP, zx, zP)
        ok = d2 <= self.gate
        return Hypotheses(i[ok], j[ok], d2[ok], self.gate)

    def _pairs(
        self, fx: np.ndarray, fP: np.ndarray, zx: np.ndarray, zP: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Pairs within max_gate_m: fused rows, sensor rows, d² and distance in metres."""
        if len(fx) == 0 or len(zx) == 0:
            e = np.zeros(0, np.intp)
            return e, e, np.zeros(0), np.zeros(0)
        sdm = cKDTree(fx[:, :2]).sparse_distance_matrix(
            cKDTree(zx[:, :2]), self.max_gate_m, output_type="ndarray"
        )
        i = sdm["i"].astype(np.intp)
        j = sdm["j"].astype(np.intp)
        if len(i) == 0:
            return i, j, np.zeros(0), np.zeros(0)
        k = self.dims
        nu = zx[j, :k] - fx[i, :k]
        d2 = np.einsum("pm,pmk,pk->p", nu, inv_sym(fP[i, :k, :k] + zP[j, :k, :k]), nu)
        return i, j, d2, np.asarray(sdm["v"], dtype=float)

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
        i, j, d2, dist = self._pairs(fx, fP, zx, zP)
        ok = d2 <= self.gate
        h = Hypotheses(i[ok], j[ok], d2[ok], self.gate)
        keep_t = np.zeros(0, np.intp)
        keep_d = np.zeros(0, np.intp)
        if bound is not None and len(i):
            bound = np.asarray(bound, dtype=np.intp)
            near = (d2 <= self.sticky_gate) | (dist <= self.sticky_m)
            sticky = (bound[j] == i) & near
            keep_t, keep_d = i[sticky], j[sticky]
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
