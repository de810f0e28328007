"""Track-to-track fusion rules for the sensor estimates of one object: fast covariance
intersection (CI), inverse covariance intersection (ICI) and the independent-errors
information sum. All three take the same arrays and are selected by
FusionConfig.fusion_rule.

Fast covariance intersection:

For estimates (x_i, P_i) whose cross-correlations are unknown, CI gives
    P⁻¹ = Σ w_i P_i⁻¹,   x = P Σ w_i P_i⁻¹ x_i,   Σ w_i = 1, w_i >= 0,
which is consistent (P is never smaller than the true error covariance) for any
correlation. The fast CI weights of Niehsen (2002), w_i ∝ 1 / tr(P_i), approximate the
trace-minimising weights in closed form, without an optimisation per object. Where the fast
weights would give a larger trace than the best single input (possible for very different
shapes), the best input is taken alone (w one-hot, itself a valid CI), so the fused trace is
never larger than any input's.

All objects are fused at once: rows of x (m, 4) / P (m, 4, 4) are grouped by `group`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.tracker.domain.linalg import inv_sym


@dataclass(frozen=True)
class FastCovarianceIntersection:
    """Fast CI (weights from the inverse traces).

    Attributes:
        trace_floor: smallest trace used for a weight (guards a zero covariance), in the
            state's squared units.
        pair_steps: groups of exactly two estimates (the usual case) take, instead of the
            fast weights, the best of w = 0, 1/pair_steps, ..., 1 for the smallest fused
            trace (vectorised over all pairs); 0 keeps the fast weights.
    """

    trace_floor: float = 1e-9
    pair_steps: int = 20

    def weights(self, P: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
        """(m,) CI weights, summing to 1 within each group."""
        inv_tr = 1.0 / np.maximum(np.trace(P, axis1=1, axis2=2), self.trace_floor)
        total = np.bincount(group, weights=inv_tr, minlength=n_groups)
        w: np.ndarray = inv_tr / total[group]
        return w

    def fuse(
        self, x: np.ndarray, P: np.ndarray, group: np.ndarray, n_groups: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(n_groups, d) fused means and (n_groups, d, d) covariances; a group with no rows
        gives NaN. A group of one row returns that row unchanged."""
        d = x.shape[1]
        group = np.asarray(group, dtype=np.intp)
        w = self.weights(P, group, n_groups)
        info = inv_sym(0.5 * (P + P.transpose(0, 2, 1))) * w[:, None, None]
        Y = np.zeros((n_groups, d, d))
        np.add.at(Y, group, info)
        y = np.zeros((n_groups, d))
        np.add.at(y, group, np.einsum("mij,mj->mi", info, x))
        count = np.bincount(group, minlength=n_groups)
        out_x = np.full((n_groups, d), np.nan)
        out_P = np.full((n_groups, d, d), np.nan)
        has = count > 0
        if has.any():
            Pf = inv_sym(Y[has])
            out_P[has] = 0.5 * (Pf + Pf.transpose(0, 2, 1))
            out_x[has] = np.einsum("nij,nj->ni", Pf, y[has])
        if self.pair_steps and len(group):
            _refine_pairs(x, P, group, count, info / w[:, None, None], self.pair_steps,
                          out_x, out_P)  # fmt: skip
        # The input with the smallest trace of each group; it replaces a worse fast-CI result
        # (and is the result of a group of one).
        tr = np.trace(P, axis1=1, axis2=2)
        order = np.lexsort((tr, group))
        first = np.ones(len(order), bool)
        first[1:] = group[order[1:]] != group[order[:-1]]
        best = np.full(n_groups, -1, np.intp)
        best[group[order[first]]] = order[first]
        fused_tr = np.trace(out_P, axis1=1, axis2=2)
        worse = has & ~(fused_tr <= tr[np.maximum(best, 0)] * (1 + 1e-12))
        take = np.flatnonzero(worse | (count == 1))
        out_x[take] = x[best[take]]
        out_P[take] = P[best[take]]
        return out_x, out_P


def _refine_pairs(
    x: np.ndarray, P: np.ndarray, group: np.ndarray, count: np.ndarray, inv: np.ndarray,
    steps: int, out_x: np.ndarray, out_P: np.ndarray,
) -> None:  # fmt: skip
    """In place: for groups of two rows, the CI weight on a grid that minimises the trace."""
    pairs = np.flatnonzero(count == 2)
    if len(pairs) == 0:
        return
    order = np.argsort(group, kind="stable")
    start = np.searchsorted(group[order], pairs)
    a, b = order[start], order[start + 1]
    w = np.linspace(0.0, 1.0, steps + 1)
    Y = w[:, None, None, None] * inv[a][None] + (1 - w)[:, None, None, None] * inv[b][None]
    k, d = len(pairs), x.shape[1]
    Pw = inv_sym(Y.reshape(-1, d, d)).reshape(len(w), k, d, d)
    tr = np.trace(Pw, axis1=2, axis2=3)
    best = np.argmin(tr, axis=0)
    cols = np.arange(k)
    Pf = Pw[best, cols]
    wb = w[best][:, None]
    y = wb * np.einsum("kij,kj->ki", inv[a], x[a]) + (1 - wb) * np.einsum(
        "kij,kj->ki", inv[b], x[b]
    )
    out_P[pairs] = 0.5 * (Pf + Pf.transpose(0, 2, 1))
    out_x[pairs] = np.einsum("kij,kj->ki", Pf, y)


def _sym(P: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * (P + P.transpose(0, 2, 1))
    return out


def _fold_order(P: np.ndarray, group: np.ndarray, n_groups: int) -> tuple[np.ndarray, ...]:
    """Rows sorted by group, then by trace (the most precise first); each row's rank in its
    group; the row counts per group."""
    tr = np.trace(P, axis1=1, axis2=2)
    order = np.lexsort((tr, group))
    count = np.bincount(group, minlength=n_groups)
    start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.intp)
    rank = np.arange(len(order)) - start[group[order]]
    return order, rank, count


@dataclass(frozen=True)
class InverseCovarianceIntersection:
    """Inverse covariance intersection (Noack, Sijs, Reinhardt, Hanebeck 2017).

    For two estimates a, b whose errors are correlated through common information (the
    shared process noise of one target, a shared prior), with that correlation unknown:
        Γ = ω P_a + (1 - ω) P_b,   P⁻¹ = P_a⁻¹ + P_b⁻¹ - Γ⁻¹,
        x = P ((P_a⁻¹ - ω Γ⁻¹) x_a + (P_b⁻¹ - (1 - ω) Γ⁻¹) x_b),
    which is consistent for any amount of common information between a and b (Noack et
    al., Theorem 1) and tighter than CI with the same ω (CI guards against any correlation,
    ICI only against common information, the kind sensor tracks of one target share). ω is
    picked on a grid for the smallest trace; ω = 0 or 1 returns one input unchanged, so the
    fused trace never exceeds the better input's. A group of more than two estimates is
    folded in order of increasing trace. The guarantee covers common information (a shared
    prior, shared measurements), not an arbitrary correlation: for an additive common error
    (the shared process noise of one target) it is close but not exact; CI is the rule that
    holds for any correlation.

    Attributes:
        steps: ω grid 0, 1/steps, ..., 1.
    """

    steps: int = 20

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise ValueError(f"steps must be >= 1, got {self.steps}")

    def fuse(
        self, x: np.ndarray, P: np.ndarray, group: np.ndarray, n_groups: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """As FastCovarianceIntersection.fuse."""
        d = x.shape[1]
        group = np.asarray(group, dtype=np.intp)
        out_x = np.full((n_groups, d), np.nan)
        out_P = np.full((n_groups, d, d), np.nan)
        if len(group) == 0:
            return out_x, out_P
        P = _sym(P)
        order, rank, count = _fold_order(P, group, n_groups)
        first = order[rank == 0]
        out_x[group[first]], out_P[group[first]] = x[first], P[first]
        for k in range(1, int(count.max())):
            rows = order[rank == k]
            g = group[rows]
            out_x[g], out_P[g] = self.pair(out_x[g], out_P[g], x[rows], P[rows])
        return out_x, out_P

    def pair(
        self, xa: np.ndarray, Pa: np.ndarray, xb: np.ndarray, Pb: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """ICI of k pairs: (k, d) means and (k, d, d) covariances of a and of b."""
        k, d = xa.shape
        w = np.linspace(0.0, 1.0, self.steps + 1)
        Ia, Ib = inv_sym(Pa), inv_sym(Pb)
        G = w[:, None, None, None] * Pa[None] + (1 - w)[:, None, None, None] * Pb[None]
        Gi = inv_sym(G.reshape(-1, d, d)).reshape(len(w), k, d, d)
        Y = Ia[None] + Ib[None] - Gi
        Pw = inv_sym(_sym(Y.reshape(-1, d, d))).reshape(len(w), k, d, d)
        tr = np.trace(Pw, axis1=2, axis2=3)
        tr[~np.isfinite(tr) | (tr <= 0)] = np.inf
        best = np.argmin(tr, axis=0)
        cols = np.arange(k)
        Pf = _sym(Pw[best, cols])
        wb = w[best][:, None, None]
        Gb = Gi[best, cols]
        y = np.einsum("kij,kj->ki", Ia - wb * Gb, xa) + np.einsum(
            "kij,kj->ki", Ib - (1 - wb) * Gb, xb
        )
        xf = np.einsum("kij,kj->ki", Pf, y)
        # The grid ends are the inputs themselves (exactly, not up to rounding).
        at_a = best == 0  # ω = 0: Γ = P_b, P⁻¹ = P_a⁻¹
        at_b = best == len(w) - 1
        xf[at_a], Pf[at_a] = xa[at_a], Pa[at_a]
        xf[at_b], Pf[at_b] = xb[at_b], Pb[at_b]
        return xf, Pf


@dataclass(frozen=True)
class IndependentFusion:
    """Information sum P⁻¹ = Σ P_i⁻¹, x = P Σ P_i⁻¹ x_i: the optimal rule when the inputs'
    errors are independent, and overconfident when they are not (it double-counts common
    information). Offered for comparison and for sensors whose independence is known."""

    def fuse(
        self, x: np.ndarray, P: np.ndarray, group: np.ndarray, n_groups: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """As FastCovarianceIntersection.fuse."""
        d = x.shape[1]
        group = np.asarray(group, dtype=np.intp)
        info = inv_sym(_sym(P))
        Y = np.zeros((n_groups, d, d))
        np.add.at(Y, group, info)
        y = np.zeros((n_groups, d))
        np.add.at(y, group, np.einsum("mij,mj->mi", info, x))
        out_x = np.full((n_groups, d), np.nan)
        out_P = np.full((n_groups, d, d), np.nan)
        has = np.bincount(group, minlength=n_groups) > 0
        if has.any():
            Pf = _sym(inv_sym(Y[has]))
            out_P[has] = Pf
            out_x[has] = np.einsum("nij,nj->ni", Pf, y[has])
        return out_x, out_P
