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

from services.tracker.domain.linalg import mahalanobis_sq

# Below this many (track, detection) pairs a dense comparison beats building the grid.
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

    def select(
        self, row_map: np.ndarray, col_map: np.ndarray, cost_limit: float | None = None
    ) -> Hypotheses:
        """The pairs whose track and detection both map to an index >= 0 (row_map[i] is the
        new index of track i, or -1 to drop it; likewise col_map), renumbered, optionally
        under a stricter cost_limit."""
        r, c = row_map[self.rows], col_map[self.cols]
        keep = (r >= 0) & (c >= 0)
        limit = self.cost_limit if cost_limit is None else min(cost_limit, self.cost_limit)
        if limit < self.cost_limit:
            keep &= self.cost <= limit
        return Hypotheses(r[keep], c[keep], self.cost[keep], limit)


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
        d = P.shape[1]
        tr_p = P.reshape(len(P), d * d)[:, np.arange(m) * (d + 1)].sum(axis=1)
        tr_r = float(R.reshape(len(R), m * m)[:, np.arange(m) * (m + 1)].sum(axis=1).max())
        radius = np.sqrt(self.gate * (tr_p + tr_r))
        rows, cols = pairs_within(pos, radius, z)
        if len(rows) == 0:
            return _empty(self.gate)
        nu = z[cols] - pos[rows]
        d2 = mahalanobis_sq(nu, P[rows, :m, :m] + R[cols])
        keep = d2 <= self.gate
        return Hypotheses(rows[keep], cols[keep], d2[keep], self.gate)


@dataclass(frozen=True)
class IouHypothesiser:
    """1 - IoU between the predicted box and the detected box, gated by a minimum IoU and a
    maximum centre distance.

    States and measurements hold (cx, cy, w, h) in pixels.

    Attributes:
        min_iou: pairs with IoU below this are dropped; cost_limit = 1 - min_iou.
        max_centre_dist: pairs whose centres are further apart than this many diagonals of
            the predicted box are dropped whatever their IoU (a detection several times
            larger than the track can overlap it at a distance; it is not the same object).
        max_size_ratio: pairs whose width or height differ by more than this factor (either
            way) are dropped whatever their IoU (a small box nested in a much larger one has
            IoU = their area ratio; an object does not change its size that much between
            scans).
    """

    min_iou: float
    max_centre_dist: float = float("inf")
    max_size_ratio: float = float("inf")

    def hypothesise(self, x: np.ndarray, P: np.ndarray, z: np.ndarray, R: np.ndarray) -> Hypotheses:
        """See Hypothesiser.hypothesise (P and R are not used by IoU)."""
        limit = 1.0 - self.min_iou
        if len(x) == 0 or len(z) == 0:
            return _empty(limit)
        tb = x[:, :4].copy()
        tb[:, 2:] = np.maximum(tb[:, 2:], 1e-6)
        wmax, hmax = z[:, 2].max(), z[:, 3].max()
        # Boxes whose centres are further apart than half their summed sizes cannot overlap.
        radius = 0.5 * np.hypot(tb[:, 2] + wmax, tb[:, 3] + hmax)
        radius = np.minimum(radius, self.max_centre_dist * np.hypot(tb[:, 2], tb[:, 3]))
        rows, cols = pairs_within(tb[:, :2], radius, z[:, :2])
        if len(rows) == 0:
            return _empty(limit)
        iou = box_iou_pairs(tb[rows], z[cols])
        keep = iou >= self.min_iou
        if self.max_size_ratio < float("inf"):
            ratio = z[cols, 2:] / tb[rows, 2:]
            keep &= (ratio <= self.max_size_ratio).all(axis=1)
            keep &= (ratio * self.max_size_ratio >= 1.0).all(axis=1)
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

    Small inputs are compared densely. Otherwise points are bucketed in a uniform grid on the
    first two coordinates (cells at least twice the largest typical radius, so a disc
    touches at most 2 x 2 cells): a direct-address table of cell counts when the grid is
    small, else sorted cell keys searched by bisection. The work is O(n + p + candidates)
    (O((n + p) log(n + p)) in the sorted case). Rows whose radius is far above the median are
    searched on a grid of their own.
    """
    n, p = len(centres), len(points)
    if n * p <= _DENSE_PAIRS:
        return _dense_pairs(centres, radius, points)
    # The grid's cell follows the largest radius; rows far above the median (new or coasting
    # tracks) are searched separately, on a coarser grid of their own.
    wide = radius > 10.0 * float(np.partition(radius, n // 2)[n // 2])
    if wide.any():
        w_rows = np.flatnonzero(wide)
        ok = np.flatnonzero(~wide)
        if len(w_rows) * p <= _DENSE_PAIRS:
            r1, c1 = _dense_pairs(centres[w_rows], radius[w_rows], points)
        else:
            r1, c1 = _grid_pairs(centres[w_rows], radius[w_rows], points)
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
    span_x = max(float(cx.max()) + rmax, float(px.max())) - x0
    span_y = max(float(cy.max()) + rmax, float(py.max())) - y0
    # A cell at least 2r wide: a disc of radius r touches at most 2 x 2 cells.
    fine = max(2.0 * rmax, 1e-12)
    # First choice: a direct-address table of cell counts (no sorting or searching), with
    # cells enlarged if needed so the table has about 4 (n + p) entries.
    budget = 4 * (n + p) + 1024
    cell = max(fine, float(np.sqrt(span_x * span_y / budget)), max(span_x, span_y) / 2.0**20)
    ny = int(span_y / cell) + 2
    ncell = (int(span_x / cell) + 2) * ny
    if ncell <= 4 * budget:
        inv = 1.0 / cell
        pkey = ((px - x0) * inv).astype(np.int64) * ny + ((py - y0) * inv).astype(np.int64)
        counts = np.bincount(pkey, minlength=ncell)
        rows_q, qkey = _query_cells(cx, cy, radius, x0, y0, inv, ny)
        count = counts[qkey]
        if int(count.sum()) <= 16 * (n + p) + 4096 or cell <= fine:
            order = np.argsort(pkey)
            start = np.cumsum(counts)[qkey] - count
            rows, cols = _expand(rows_q, start, count, order)
            return _within(centres, radius, points, cx, cy, px, py, rows, cols)
        # Enlarged cells crowded by clustered points: use the fine grid below instead.
    # Fine grid of any extent: sort the point keys (index packed in the low bits) and look
    # each query cell up by binary search. Keys fit in 63 - _IDX_BITS bits.
    inv = 1.0 / max(fine, max(span_x, span_y) / 2.0**20)
    ny = int(span_y * inv) + 2
    pkey = ((px - x0) * inv).astype(np.int64) * ny + ((py - y0) * inv).astype(np.int64)
    packed = np.sort((pkey << _IDX_BITS) | np.arange(p))
    skey = packed >> _IDX_BITS
    rows_q, qkey = _query_cells(cx, cy, radius, x0, y0, inv, ny)
    q_order = np.argsort(qkey)
    sq = qkey[q_order]
    start = np.searchsorted(skey, sq, side="left")
    count = np.searchsorted(skey, sq, side="right") - start
    rows, cols = _expand(rows_q[q_order], start, count, packed & ((1 << _IDX_BITS) - 1))
    return _within(centres, radius, points, cx, cy, px, py, rows, cols)


def _query_cells(
    cx: np.ndarray, cy: np.ndarray, radius: np.ndarray, x0: float, y0: float, inv: float,
    ny: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The (up to four, distinct) cells each disc touches: (row index, cell key) pairs."""
    lx = ((cx - radius - x0) * inv).astype(np.int64)
    hx = ((cx + radius - x0) * inv).astype(np.int64)
    ly = ((cy - radius - y0) * inv).astype(np.int64)
    hy = ((cy + radius - y0) * inv).astype(np.int64)
    sx, sy = np.flatnonzero(hx > lx), np.flatnonzero(hy > ly)
    sxy = sx[hy[sx] > ly[sx]]
    rows_q = np.concatenate([np.arange(len(cx)), sx, sy, sxy])
    qkey = np.concatenate(
        [lx * ny + ly, hx[sx] * ny + ly[sx], lx[sy] * ny + hy[sy], hx[sxy] * ny + hy[sxy]]
    )
    return rows_q, qkey


def _expand(
    rows_q: np.ndarray, start: np.ndarray, count: np.ndarray, order: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs: query i pairs with order[start[i] : start[i] + count[i]]."""
    hit = np.flatnonzero(count)
    q_rows, s_hit, c_hit = rows_q[hit], start[hit], count[hit]
    if len(hit) == 0 or int(c_hit.max()) == 1:
        return q_rows, order[s_hit]
    total = int(c_hit.sum())
    rows = np.repeat(q_rows, c_hit)
    offs = np.repeat(s_hit - (np.cumsum(c_hit) - c_hit), c_hit) + np.arange(total)
    return rows, order[offs]


def _within(
    centres: np.ndarray, radius: np.ndarray, points: np.ndarray, cx: np.ndarray,
    cy: np.ndarray, px: np.ndarray, py: np.ndarray, rows: np.ndarray, cols: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The candidates that really are within radius."""
    dist2 = (cx[rows] - px[cols]) ** 2 + (cy[rows] - py[cols]) ** 2
    for axis in range(2, centres.shape[1]):
        dist2 += (centres[rows, axis] - points[cols, axis]) ** 2
    keep = dist2 <= radius[rows] ** 2
    return rows[keep].astype(np.intp), cols[keep].astype(np.intp)


def _empty(limit: float) -> Hypotheses:
    none = np.empty(0, dtype=np.intp)
    return Hypotheses(none, none.copy(), np.empty(0), limit)
