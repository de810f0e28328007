"""Merging duplicate fused tracks.

Two fused tracks can stand for one object when its sensor tracks were born apart (one
sensor saw it first, the other sensor's first state fell outside the gate, e.g. a camera's
depth at long range). Two live fused tracks are merged when they share no sensor (one sensor
never sees one object twice, so two people side by side, both seen by the radar, are never
merged) and their positions are within the merge gate: squared Mahalanobis distance under
P_a + P_b at most `gate` (chi-square, 2 dof) and at most max_m metres apart. The older
track (smaller global id number) keeps its id; the other ends.

Merge-back (optional): a coasting track (no sensor now; it lost its sensor tracks) and a
young one (born moments ago, e.g. from a camera's new track of the same person after the
old one ended) within the same gate are merged too, so the object keeps its old id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from services.tracker.domain.linalg import mahalanobis_sq


@dataclass(frozen=True)
class DuplicateMerger:
    """Attributes: gate: squared Mahalanobis distance of positions (2 dof) to merge;
    max_m: largest distance in metres to merge."""

    gate: float = 9.21
    max_m: float = 3.0

    def pairs(
        self,
        x: np.ndarray,
        P: np.ndarray,
        sensors: Sequence[frozenset[str]],
        num: np.ndarray,
        coasting: np.ndarray | None = None,
        young: np.ndarray | None = None,
    ) -> list[tuple[int, int]]:
        """(keep, drop) row pairs, greedily by distance, each row in at most one pair.

        coasting, young: optional (n,) masks; a coasting row (no sensors) may also merge
        with a young row that has sensors (merge-back)."""
        if len(x) < 2:
            return []
        cand = cKDTree(x[:, :2]).query_pairs(self.max_m, output_type="ndarray")
        if len(cand) == 0:
            return []
        a, b = cand[:, 0], cand[:, 1]
        back = np.zeros(len(x), bool) if coasting is None or young is None else coasting
        yng = np.zeros(len(x), bool) if young is None else young
        disjoint = np.array([
            (not (sensors[i] & sensors[j]) and bool(sensors[i]) and bool(sensors[j]))
            or (back[i] and yng[j] and bool(sensors[j]))
            or (back[j] and yng[i] and bool(sensors[i]))
            for i, j in cand.tolist()
        ], bool)  # fmt: skip
        a, b = a[disjoint], b[disjoint]
        if len(a) == 0:
            return []
        d2 = mahalanobis_sq(x[a, :2] - x[b, :2], P[a, :2, :2] + P[b, :2, :2])
        ok = d2 <= self.gate
        out: list[tuple[int, int]] = []
        used: set[int] = set()
        for k in np.argsort(d2[ok], kind="stable").tolist():
            i, j = int(a[ok][k]), int(b[ok][k])
            if i in used or j in used:
                continue
            used.update((i, j))
            out.append((i, j) if num[i] < num[j] else (j, i))
        return out
