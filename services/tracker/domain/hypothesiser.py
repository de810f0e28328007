"""Gated (track, detection) costs, computed only for pairs that can pass the gate.

Candidate pairs come from a k-d tree over detection positions queried with a per-track radius
that bounds the gate (or from a dense comparison when the scan is small), so the work grows
with the number of plausible pairs, not with tracks x detections.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Protocol

import numpy as np
from scipy.spatial import cKDTree
from scipy.stats import chi2

# Below this many (track, detection) pairs a dense comparison beats building a k-d tree.
_DENSE_PAIRS = 4096


@dataclass(frozen=True)
class Hypotheses:
    """Hypotheses lists the gated pairs and their costs (lower is better).

    Attributes:
        rows: (p,) track indices (into the x/P given to the hypothesiser).
        cols: (p,) detection indices.
        cost: (p,) cost of each pair, all <= cost_limit.
        cost_limit: the gate in cost units; a pair above it is never assigned.
    """

    rows: np.ndarray
    cols: np.ndarray
    cost: np.ndarray
    cost_limit: float


class Hypothesiser(Protocol):
    """Hypothesiser scores every plausible (track, detection) pair."""

    def hypothesise(self, x: np.ndarray, P: np.ndarray, z: np.ndarray, R: np.ndarray) -> Hypotheses:
        """Return gated pairs between predicted tracks (x (n, d), P (n, d, d)) and
        measurements (z (k, m), R (k, m, m))."""
        ...


@dataclass(frozen=True)
class MahalanobisHypothesiser:
    """Squared Mahalanobis distance of the innovation, gated by a chi-square quantile.

    For a pair (i, j) the innovation is ν = z_j - H x_i with covariance S = H P_i Hᵀ + R_j
    (R per detection), and the cost is νᵀ S⁻¹ ν; pairs above ``gate`` are dropped.

    Attributes:
        gate: chi-square threshold on the squared distance (dimensionless).
    """

    gate: float

    @classmethod
    def from_probability(cls, prob: float, dims: int) -> MahalanobisHypothesiser:
        """Gate that keeps a true detection with probability ``prob`` (chi-square, dims dof)."""
        return cls(gate=float(chi2.ppf(prob, dims)))

    def hypothesise(self, x: np.ndarray, P: np.ndarray, z: np.ndarray, R: np.ndarray) -> Hypotheses:
        """See Hypothesiser.hypothesise."""
        m = z.shape[1]
        if len(x) == 0 or len(z) == 0:
            return _empty(self.gate)
        pos = x[:, :m]
        # |ν|² <= gate · λmax(S) <= gate · (tr P_pos + max_j tr R_j): a radius that cannot
        # miss a pair inside the gate.
        tr_p = np.trace(P[:, :m, :m], axis1=1, axis2=2)
        tr_r = float(np.trace(R, axis1=1, axis2=2).max())
        radius = np.sqrt(self.gate * (tr_p + tr_r))
        rows, cols = _pairs_within(pos, radius, z)
        if len(rows) == 0:
            return _empty(self.gate)
        nu = z[cols] - pos[rows]
        S = P[rows, :m, :m] + R[cols]
        d2 = np.einsum("pm,pm->p", nu, np.linalg.solve(S, nu[:, :, None])[:, :, 0])
        keep = d2 <= self.gate
        return Hypotheses(rows[keep], cols[keep], d2[keep], self.gate)


@dataclass(frozen=True)
class IouHypothesiser:
    """1 - IoU between the predicted box and the detected box, gated by a minimum IoU.

    States and measurements hold (cx, cy, w, h) in pixels. The k-d tree radius around each
    predicted centre is a centre-distance gate: boxes whose centres are further apart than
    half their summed sizes cannot overlap.

    Attributes:
        min_iou: pairs with IoU below this are dropped; cost_limit = 1 - min_iou.
    """

    min_iou: float

    def hypothesise(self, x: np.ndarray, P: np.ndarray, z: np.ndarray, R: np.ndarray) -> Hypotheses:
        """See Hypothesiser.hypothesise (P and R are not used by IoU)."""
        limit = 1.0 - self.min_iou
        if len(x) == 0 or len(z) == 0:
            return _empty(limit)
        tb = x[:, :4].copy()
        tb[:, 2:] = np.maximum(tb[:, 2:], 1e-6)
        wmax, hmax = z[:, 2].max(), z[:, 3].max()
        radius = 0.5 * np.hypot(tb[:, 2] + wmax, tb[:, 3] + hmax)
        rows, cols = _pairs_within(tb[:, :2], radius, z[:, :2])
        if len(rows) == 0:
            return _empty(limit)
        iou = box_iou_pairs(tb[rows], z[cols])
        keep = iou >= self.min_iou
        return Hypotheses(rows[keep], cols[keep], 1.0 - iou[keep], limit)


def box_iou_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of aligned box pairs given as (cx, cy, w, h) rows, shapes (p, 4) -> (p,)."""
    ax0, ax1 = a[:, 0] - a[:, 2] / 2, a[:, 0] + a[:, 2] / 2
    ay0, ay1 = a[:, 1] - a[:, 3] / 2, a[:, 1] + a[:, 3] / 2
    bx0, bx1 = b[:, 0] - b[:, 2] / 2, b[:, 0] + b[:, 2] / 2
    by0, by1 = b[:, 1] - b[:, 3] / 2, b[:, 1] + b[:, 3] / 2
    iw = np.clip(np.minimum(ax1, bx1) - np.maximum(ax0, bx0), 0.0, None)
    ih = np.clip(np.minimum(ay1, by1) - np.maximum(ay0, by0), 0.0, None)
    inter = iw * ih
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    out: np.ndarray = inter / np.maximum(union, 1e-12)
    return out


def _pairs_within(
    centres: np.ndarray, radius: np.ndarray, points: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """All (i, j) with |points[j] - centres[i]| <= radius[i]."""
    n, k = len(centres), len(points)
    if n * k <= _DENSE_PAIRS:
        d2 = ((centres[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
        rows, cols = np.nonzero(d2 <= (radius * radius)[:, None])
        return rows.astype(np.intp), cols.astype(np.intp)
    hits = cKDTree(points).query_ball_point(centres, radius, return_sorted=False)
    counts = np.fromiter(map(len, hits), dtype=np.intp, count=n)
    cols = np.fromiter(chain.from_iterable(hits), dtype=np.intp, count=int(counts.sum()))
    rows = np.repeat(np.arange(n, dtype=np.intp), counts)
    return rows, cols


def _empty(limit: float) -> Hypotheses:
    none = np.empty(0, dtype=np.intp)
    return Hypotheses(none, none.copy(), np.empty(0), limit)
