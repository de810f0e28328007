"""Scores of a tracker's or fusion's output against the scenario's ground truth.

Per scored frame (a time at which the system gave its output, scored against the truth at
that time, over the whole site):
* OSPA (c = 5 m, p = 1): optimal assignment (scipy linear_sum_assignment) of min(d, c), plus
  c per missing or extra track, over max(#truth, #tracks); frames with neither are skipped.
* position RMSE over the truth-track pairs matched within 2 m (optimal assignment), overall,
  for truth within the lidar's range (where all three sensors can see) and elsewhere, and
  for truth inside each sensor's field of view (scenario.covers): the like-for-like
  comparison of fused output with one sensor is on that sensor's field of view, since a
  single sensor is only ever scored where it sees;
* identity switches, MOTA and IDF1 from motmetrics' MOTAccumulator, given squared distances
  computed here (NaN beyond 2 m) — motmetrics' own distance helpers use np.asfarray, which
  numpy 2 removed;
* identity switches in each sensor's field of view: the switches (same events, same rule)
  of the truth objects that are inside that sensor's field of view at the frame of the
  switch; the like-for-like comparison of fused output's switches with one sensor's, whose
  own switches can only happen where it sees (fused output also inherits the radar's swaps
  where the radar alone sees);
* one id end to end: the fraction of ground-truth objects (present in >= 20 scored frames)
  that were matched in at least 80% of their frames, always to the same track id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import motmetrics as mm
import numpy as np
from scipy.optimize import linear_sum_assignment

from bench.fusion.scenario import LIDAR_MAX_M, LIDAR_POSE, SENSORS, Scenario, covers

OSPA_C = 5.0
MATCH_M = 2.0
MIN_FRAMES = 20
COVER = 0.8


@dataclass(frozen=True)
class Frame:
    """One output of a system: truth tick, track ids and site positions (n, 2)."""

    tick: int
    ids: Sequence[str]
    pos: np.ndarray


@dataclass(frozen=True)
class Scores:
    rmse_m: float
    rmse_in_m: float  # truth within the lidar's range (the one area every sensor covers)
    rmse_out_m: float
    rmse_fov_m: dict[str, float]  # truth inside each sensor's field of view
    ospa_m: float
    idsw: int
    idsw_fov: dict[str, int]  # switches of truth inside each sensor's field of view
    mota: float
    idf1: float
    one_id: float
    objects: int
    frames: int


def ospa(d: np.ndarray, c: float = OSPA_C) -> float:
    """OSPA (p = 1) of a truth x track distance matrix."""
    n, m = d.shape
    if n == 0 and m == 0:
        return 0.0
    if n == 0 or m == 0:
        return c
    cd = np.minimum(d, c)
    r, k = linear_sum_assignment(cd)
    return float((cd[r, k].sum() + c * abs(n - m)) / max(n, m))


def score(sc: Scenario, frames: Sequence[Frame]) -> Scores:
    acc = mm.MOTAccumulator(auto_id=False)
    hyp_num: dict[str, int] = {}
    sq_err: list[float] = []
    sq_in: list[float] = []
    sq_fov: dict[str, list[float]] = {s.sensor_id: [] for s in SENSORS}
    ospas: list[float] = []
    present: dict[int, int] = defaultdict(int)
    matched: dict[int, int] = defaultdict(int)
    ids_of: dict[int, set[str]] = defaultdict(set)
    for f in frames:
        gid, gpos = sc.truth_at(f.tick)
        hpos = np.asarray(f.pos, dtype=float).reshape(-1, 2)
        d = np.sqrt(((gpos[:, None, :] - hpos[None, :, :]) ** 2).sum(-1))
        if len(gid) or len(hpos):
            ospas.append(ospa(d))
        for g in gid.tolist():
            present[g] += 1
        if len(gid) and len(hpos):
            cost = np.where(d <= MATCH_M, d, 1e6)
            r, k = linear_sum_assignment(cost)
            ok = cost[r, k] <= MATCH_M
            e2 = d[r[ok], k[ok]] ** 2
            sq_err.extend(e2.tolist())
            near = gpos[r[ok]] - np.array([LIDAR_POSE.x, LIDAR_POSE.y])
            sq_in.extend(e2[np.hypot(near[:, 0], near[:, 1]) <= LIDAR_MAX_M].tolist())
            for sid, lst in sq_fov.items():
                lst.extend(e2[covers(sid, gpos[r[ok]])].tolist())
            for gi, hi in zip(r[ok].tolist(), k[ok].tolist(), strict=True):
                matched[int(gid[gi])] += 1
                ids_of[int(gid[gi])].add(f.ids[hi])
        hn = np.array([hyp_num.setdefault(h, len(hyp_num)) for h in f.ids], np.int64)
        d2 = d * d
        d2[d > MATCH_M] = np.nan
        acc.update(gid.tolist(), hn.tolist(), d2, frameid=f.tick)
    mh = mm.metrics.create()
    s = mh.compute(acc, metrics=["num_switches", "mota", "idf1"], name="x").iloc[0]
    idsw_fov = {sid: 0 for sid in sq_fov}
    ev = acc.mot_events
    sw = ev[ev.Type == "SWITCH"]
    for tick, oid in zip(sw.index.get_level_values(0).tolist(), sw["OId"].tolist(), strict=True):
        gid, gpos = sc.truth_at(int(tick))
        at = gpos[gid == oid].reshape(-1, 2)
        for sid in idsw_fov:
            idsw_fov[sid] += int(covers(sid, at).any())
    objs = [g for g, k in present.items() if k >= MIN_FRAMES]
    one = [g for g in objs if len(ids_of[g]) == 1 and matched[g] >= COVER * present[g]]
    return Scores(
        rmse_m=_rms(sq_err),
        rmse_in_m=_rms(sq_in),
        rmse_out_m=_rms_rest(sq_err, sq_in),
        rmse_fov_m={sid: _rms(v) for sid, v in sq_fov.items()},
        ospa_m=float(np.mean(ospas)) if ospas else float("nan"),
        idsw=int(s["num_switches"]),
        idsw_fov=idsw_fov,
        mota=float(s["mota"]),
        idf1=float(s["idf1"]),
        one_id=len(one) / max(len(objs), 1),
        objects=len(objs),
        frames=len(frames),
    )


def _rms(sq: list[float]) -> float:
    return float(np.sqrt(np.mean(sq))) if sq else float("nan")


def _rms_rest(all_sq: list[float], part: list[float]) -> float:
    n = len(all_sq) - len(part)
    return float(np.sqrt((sum(all_sq) - sum(part)) / n)) if n > 0 else float("nan")
