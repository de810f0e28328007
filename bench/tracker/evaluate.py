"""CLEAR-MOT and identity metrics with motmetrics.

Boxes: a track matches a ground-truth box when IoU >= 0.5 (motmetrics' ``iou_matrix`` with
``max_iou=0.5``). Points: when the squared distance is <= ``POINT_MAX_D2`` (motmetrics'
``norm2squared_matrix`` with ``max_d2``). The distance matrices are computed here with the same
definitions, vectorised; large frames are split into independent groups (connected components
of the gated pairs), which gives motmetrics the same matching with far fewer entries.

Ignore regions (MOT15 ground truth with conf=0): tracks matched to one are removed before scoring,
like the MOTChallenge devkit's preprocessing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import motmetrics as mm
import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from .files import TrackerOutput
from .scenarios import BOX, Scenario

POINT_MAX_D2 = 2.0  # m^2: a track within sqrt(2) = 1.41 m of the truth matches it
BOX_MAX_IOU_DIST = 0.5  # 1 - IoU: IoU must be at least 0.5
GROUP_ABOVE = 150  # frames with more objects + tracks than this are split into groups
FRAME_STRIDE = 1_000_000


@dataclass(frozen=True)
class Scores:
    mota: float
    idf1: float
    idsw: int
    fp: int
    fn: int
    gt: int  # ground-truth boxes/points scored
    precision: float
    recall: float
    scans: int  # scans scored

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def iou_dist(gt: np.ndarray, hyp: np.ndarray, max_dist: float = BOX_MAX_IOU_DIST) -> np.ndarray:
    """1 - IoU for (n, 4) and (m, 4) left/top/width/height boxes; NaN beyond ``max_dist``."""
    if len(gt) == 0 or len(hyp) == 0:
        return np.empty((len(gt), len(hyp)))
    gl, gt_, gr, gb = gt[:, 0:1], gt[:, 1:2], gt[:, 0:1] + gt[:, 2:3], gt[:, 1:2] + gt[:, 3:4]
    hl, ht, hr, hb = hyp[:, 0], hyp[:, 1], hyp[:, 0] + hyp[:, 2], hyp[:, 1] + hyp[:, 3]
    iw = np.clip(np.minimum(gr, hr) - np.maximum(gl, hl), 0, None)
    ih = np.clip(np.minimum(gb, hb) - np.maximum(gt_, ht), 0, None)
    inter = iw * ih
    union = gt[:, 2:3] * gt[:, 3:4] + hyp[:, 2] * hyp[:, 3] - inter
    d = 1.0 - inter / np.maximum(union, 1e-12)
    d[d > max_dist] = np.nan
    return d


def d2_dist(gt: np.ndarray, hyp: np.ndarray, max_d2: float = POINT_MAX_D2) -> np.ndarray:
    """Squared euclidean distance between (n, 2) and (m, 2) points; NaN beyond ``max_d2``."""
    if len(gt) == 0 or len(hyp) == 0:
        return np.empty((len(gt), len(hyp)))
    d = ((gt[:, None, :] - hyp[None, :, :]) ** 2).sum(-1)
    d[d > max_d2] = np.nan
    return d


def _pairs(box: bool, zg: np.ndarray, zh: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gated (truth, track, distance) triples, found with k-d trees (same values as the dense
    matrices of ``iou_dist`` / ``d2_dist``)."""
    if len(zg) == 0 or len(zh) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    if box:
        cg = zg[:, :2] + zg[:, 2:] / 2
        ch = zh[:, :2] + zh[:, 2:] / 2
        # IoU >= 0.5 needs the centres closer than the larger box's longer side.
        r = float(max(np.max(zg[:, 2:]), np.max(zh[:, 2:])))
    else:
        cg, ch, r = zg, zh, float(np.sqrt(POINT_MAX_D2))
    sdm = cKDTree(cg).sparse_distance_matrix(cKDTree(ch), r, output_type="ndarray")
    i = sdm["i"].astype(np.int64)
    j = sdm["j"].astype(np.int64)
    if box:
        d = _pair_iou_dist(zg[i], zh[j])
    else:
        d = sdm["v"] ** 2
    ok = np.isfinite(d)
    return i[ok], j[ok], d[ok]


def _pair_iou_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 - IoU of row-aligned box pairs; NaN beyond BOX_MAX_IOU_DIST."""
    iw = np.clip(
        np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None
    )
    ih = np.clip(
        np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None
    )
    inter = iw * ih
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    d = 1.0 - inter / np.maximum(union, 1e-12)
    d[d > BOX_MAX_IOU_DIST] = np.nan
    return d


def _update(
    acc: mm.MOTAccumulator, frame: int, box: bool, oids: np.ndarray, zg: np.ndarray,
    hids: np.ndarray, zh: np.ndarray,
) -> None:  # fmt: skip
    n, m = len(oids), len(hids)
    if n + m <= GROUP_ABOVE:
        d = (iou_dist if box else d2_dist)(zg, zh)
        acc.update(oids, hids, d.reshape(n, m), frameid=frame * FRAME_STRIDE)
        return
    i, j, dv = _pairs(box, zg, zh)
    graph = coo_matrix((np.ones(len(i)), (i, j + n)), shape=(n + m, n + m))
    _, label = connected_components(graph, directed=False)
    # Pack whole components into groups of about GROUP_ABOVE objects and tracks: motmetrics
    # then sees the same candidate pairs, so it makes the same matches and switches.
    sizes = np.bincount(label)
    group = (np.cumsum(sizes) // GROUP_ABOVE)[label]
    local = np.zeros(n + m, np.int64)
    for g in np.unique(group):
        members = np.flatnonzero(group == g)
        gi = members[members < n]
        gj = members[members >= n] - n
        local[gi] = np.arange(len(gi))
        local[gj + n] = np.arange(len(gj))
        d = np.full((len(gi), len(gj)), np.nan)
        sel = group[i] == g
        d[local[i[sel]], local[j[sel] + n]] = dv[sel]
        acc.update(oids[gi], hids[gj], d, frameid=frame * FRAME_STRIDE + int(g))


def _drop_ignored(zh: np.ndarray, zg: np.ndarray, zi: np.ndarray) -> np.ndarray:
    """Tracks to keep: those not matched (jointly with the scored truth) to an ignore box."""
    if len(zi) == 0 or len(zh) == 0:
        return np.ones(len(zh), bool)
    allg = np.concatenate([zg, zi])
    d = iou_dist(allg, zh)
    cost = np.where(np.isfinite(d), d, 1e6)
    r, c = linear_sum_assignment(cost)
    ok = cost[r, c] < 1e6
    keep = np.ones(len(zh), bool)
    keep[c[ok & (r >= len(zg))]] = False
    return keep


def score(sc: Scenario, out: TrackerOutput, n_scans: int | None = None) -> Scores:
    """Score a tracker's output on the first ``n_scans`` scans (all it ran, by default)."""
    n_scans = out.n_scans if n_scans is None else min(n_scans, out.n_scans)
    box = sc.kind == BOX
    acc = mm.MOTAccumulator(auto_id=False)
    gb = np.searchsorted(sc.gt_scan, np.arange(n_scans + 1))
    hb = np.searchsorted(out.scan, np.arange(n_scans + 1))
    ib = np.searchsorted(sc.ign_scan, np.arange(n_scans + 1))
    if np.any(np.diff(out.scan) < 0):
        raise ValueError("tracker output is not ordered by scan")
    for k in range(n_scans):
        oids = sc.gt_id[gb[k] : gb[k + 1]]
        zg = sc.gt_z[gb[k] : gb[k + 1]]
        hids = out.id[hb[k] : hb[k + 1]]
        zh = out.z[hb[k] : hb[k + 1]]
        if ib[k + 1] > ib[k]:
            keep = _drop_ignored(zh, zg, sc.ign_z[ib[k] : ib[k + 1]])
            hids, zh = hids[keep], zh[keep]
        _update(acc, k, box, oids, zg, hids, zh)
    mh = mm.metrics.create()
    names = [
        "mota",
        "idf1",
        "num_switches",
        "num_false_positives",
        "num_misses",
        "num_objects",
        "precision",
        "recall",
    ]
    s = mh.compute(acc, metrics=names, name="x").iloc[0]

    def f(v: object) -> float:
        x = float(v)  # type: ignore[arg-type]
        return x if np.isfinite(x) else float("nan")

    return Scores(
        mota=f(s["mota"]),
        idf1=f(s["idf1"]),
        idsw=int(s["num_switches"]),
        fp=int(s["num_false_positives"]),
        fn=int(s["num_misses"]),
        gt=int(s["num_objects"]),
        precision=f(s["precision"]),
        recall=f(s["recall"]),
        scans=n_scans,
    )
