"""Gated (track, detection) costs, computed only for pairs that can pass the gate.

Candidate pairs come from a uniform grid over detection positions, queried with a per-track
radius that bounds the gate (or from a dense comparison when the scan is small), so the work
grows with the number of plausible pairs, not with tracks x detections.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy.stats import chi2

from services.tracker.domain.linalg import inv_sym

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
        rows, cols = pairs_within(pos, radius, z)
        if len(rows) == 0:
            return _empty(self.gate)
        nu = z[cols] - pos[rows]
        Si = inv_sym(P[rows, :m, :m] + R[cols])
        d2 = np.einsum("pm,pmk,pk->p", nu, Si, nu)
        keep = d2 <= self.gate
        return Hypotheses(rows[keep], cols[keep], d2[keep], self.gate)


@dataclass(frozen=True)
class IouHypothesiser:
    """1 - IoU between the predicted box and the detected box, gated by a minimum IoU.

    States and measurements hold (cx, cy, w, h) in pixels. The search radius around each
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
        rows, cols = pairs_within(tb[:, :2], radius, z[:, :2])
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


def pairs_within(
    centres: np.ndarray, radius: np.ndarray, points: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """All (i, j) with |points[j] - centres[i]| <= radius[i], as (rows, cols) index arrays.

    Small inputs are compared densely. Otherwise a uniform grid on the first two coordinates
    (cell = twice the largest typical radius) is joined with the points by sorting cell
    keys, so the work is O((n + p) log(n + p) + pairs); rows whose radius is far above the
    typical one are compared against all points.
    """
    n, p = len(centres), len(points)
    if n * p <= _DENSE_PAIRS:
        return _dense_pairs(centres, radius, points)
    wide = radius > 8.0 * float(radius.mean())
    if wide.any():
        w_rows = np.flatnonzero(wide)
        ok = np.flatnonzero(~wide)
        r1, c1 = _dense_pairs(centres[w_rows], radius[w_rows], points)
        r2, c2 = _grid_pairs(centres[ok], radius[ok], points)
        return np.concatenate([w_rows[r1], ok[r2]]), np.concatenate([c1, c2])
    return _grid_pairs(centres, radius, points)


def _dense_pairs(
    centres: np.ndarray, radius: np.ndarray, points: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    d2 = ((centres[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
    rows, cols = np.nonzero(d2 <= (radius * radius)[:, None])
    return rows.astype(np.intp), cols.astype(np.intp)


_IDX_BITS = 21  # point index bits packed below the cell key (up to 2M points)


def _grid_pairs(
    centres: np.ndarray, radius: np.ndarray, points: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n, p = len(centres), len(points)
    if n == 0 or p >= 1 << _IDX_BITS:
        return _dense_pairs(centres, radius, points)
    cx, cy = centres[:, 0].copy(), centres[:, 1].copy()
    px, py = points[:, 0].copy(), points[:, 1].copy()
    rmax = float(radius.max())
    x0 = min(float(cx.min()) - rmax, float(px.min()))
    y0 = min(float(cy.min()) - rmax, float(py.min()))
    span = max(float(cx.max()) + rmax - x0, float(cy.max()) + rmax - y0, float(px.max()) - x0,
               float(py.max()) - y0)  # fmt: skip
    # A cell at least 2r wide: a disc of radius r touches at most 2 x 2 cells. Packed keys
    # must fit in 63 - _IDX_BITS bits, so a side has at most 2**20 cells.
    inv = 1.0 / max(2.0 * rmax, span / 2.0**20, 1e-12)
    width = np.int64(int(span * inv) + 2)
    pkey = ((px - x0) * inv).astype(np.int64) * width + ((py - y0) * inv).astype(np.int64)
    lx = ((cx - radius - x0) * inv).astype(np.int64)
    hx = ((cx + radius - x0) * inv).astype(np.int64)
    ly = ((cy - radius - y0) * inv).astype(np.int64)
    hy = ((cy + radius - y0) * inv).astype(np.int64)
    # Up to four query cells per centre: (lx or hx) x (ly or hy), without repeats.
    sx, sy = np.flatnonzero(hx > lx), np.flatnonzero(hy > ly)
    sxy = sx[hy[sx] > ly[sx]]
    rows_q = np.concatenate([np.arange(n), sx, sy, sxy])
    qkey = np.concatenate(
        [lx * width + ly, hx[sx] * width + ly[sx], lx[sy] * width + hy[sy],
         hx[sxy] * width + hy[sxy]]
    )  # fmt: skip
    # Sort the point keys (index packed in the low bits), then look every query cell up.
    packed = np.sort((pkey << _IDX_BITS) | np.arange(p))
    skey = packed >> _IDX_BITS
    q_order = np.argsort(qkey)
    sq = qkey[q_order]
    lo_rank = np.searchsorted(skey, sq, side="left")
    count = np.searchsorted(skey, sq, side="right") - lo_rank
    hit = np.flatnonzero(count)
    if len(hit) == 0:
        none = np.empty(0, np.intp)
        return none, none.copy()
    pts_sorted = packed & ((1 << _IDX_BITS) - 1)
    q_rows = rows_q[q_order[hit]]
    lo_hit, c_hit = lo_rank[hit], count[hit]
    if int(c_hit.max()) == 1:
        rows, cols = q_rows, pts_sorted[lo_hit]
    else:
        total = int(c_hit.sum())
        rows = np.repeat(q_rows, c_hit)
        offs = np.repeat(lo_hit - (np.cumsum(c_hit) - c_hit), c_hit) + np.arange(total)
        cols = pts_sorted[offs]
    dist2 = (cx[rows] - px[cols]) ** 2 + (cy[rows] - py[cols]) ** 2
    for axis in range(2, centres.shape[1]):
        dist2 += (centres[rows, axis] - points[cols, axis]) ** 2
    keep = dist2 <= radius[rows] ** 2
    return rows[keep].astype(np.intp), cols[keep].astype(np.intp)


def _empty(limit: float) -> Hypotheses:
    none = np.empty(0, dtype=np.intp)
    return Hypotheses(none, none.copy(), np.empty(0), limit)
