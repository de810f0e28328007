"""Seeded synthetic multi-target scenarios with known ground truth.

Pure: numpy and scipy only, no I/O, no global state; the same arguments give the same arrays.
Tests may import it (``from bench.tracker.scenarios import point_scenario, box_scenario``).

Two measurement kinds, like AURA's tracker:

* ``point``: radar/lidar-like world points (x, y in metres) at 10 Hz.
* ``box``: camera-like pixel boxes (left, top, width, height) at 30 fps in a large virtual image.

Every scenario keeps about ``n_targets`` targets alive at once, spread so that the density is
like a real scene (one target per 20 m x 20 m for points; 20 people or cars per 1920 x 1080
frame area for boxes, in a virtual image that grows with the target count). Targets are
pedestrians (about 1.4 m/s) and cars (about 8 m/s) on nearly-constant-velocity paths with random
accelerations and slow turns; they appear inside the scene, enter and leave through its edges
and end after a random lifetime, and some are spawned as crossing pairs that meet at a common
point a few seconds later. Detections have noise, are missed (p_d about 0.9; boxes hidden behind
a nearer box are missed more often and scored lower) and come with clutter (false alarms, mostly
with low scores). The ground truth lists every target inside the scene at every scan, detected
or not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

POINT = "point"
BOX = "box"
LABELS = ("person", "car")

# Motion, per class (0 person, 1 car): nominal speed (m/s) mean and std, random acceleration
# (m/s^2 over one second, i.e. white-noise acceleration of spectral density ACCEL**2 m^2/s^3).
SPEED_MEAN = np.array([1.4, 8.0])
SPEED_STD = np.array([0.3, 3.0])
ACCEL = np.array([0.5, 1.0])
SPEED_RELAX_S = 4.0  # speed relaxes to the target's nominal speed with this time constant
CAR_SHARE = 0.3
MEAN_LIFETIME_S = 20.0
PAIR_SHARE = 0.3  # share of spawns that are crossing pairs

# Points: one target per 20 m x 20 m, 0.3 m noise per axis.
POINT_AREA_PER_TARGET = 400.0
POINT_NOISE_M = 0.3
POINT_PD = 0.9
CLUTTER_PER_TARGET = 0.05  # false alarms per scan per target of the scenario

# Boxes: 20 targets per 1920 x 1080 of virtual image; detector noise relative to box size.
BOX_TARGETS_PER_HD = 20.0
BOX_CENTER_NOISE = 0.03  # std of centre error, fraction of width (x) and height (y)
BOX_SIZE_NOISE = 0.05  # std of width/height error, fraction of width/height
PERSON_HEIGHT_PX = (70.0, 240.0)
CAR_WIDTH_PX = (100.0, 320.0)


@dataclass(frozen=True)
class Scenario:
    """Inputs for the trackers and the ground truth to score them against.

    Detections and ground truth are flat arrays sorted by scan index; ``*_scan`` holds the
    0-based scan index of each row. ``det_clutter`` marks false alarms (for diagnostics only,
    never given to a tracker). ``ign_*`` are ground-truth boxes that are not scored (MOT15
    rows with conf=0): a tracker output matched to one is dropped, a miss on one is not counted.
    """

    name: str
    kind: str
    times: np.ndarray
    det_scan: np.ndarray
    det_z: np.ndarray
    det_score: np.ndarray
    det_label: np.ndarray
    det_clutter: np.ndarray
    gt_scan: np.ndarray
    gt_id: np.ndarray
    gt_z: np.ndarray
    ign_scan: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ign_z: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    labels: tuple[str, ...] = LABELS
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_scans(self) -> int:
        return int(len(self.times))

    @property
    def dim(self) -> int:
        return 4 if self.kind == BOX else 2

    def det_bounds(self) -> np.ndarray:
        """(n_scans + 1,) offsets: scan k's detections are rows bounds[k]:bounds[k + 1]."""
        return np.searchsorted(self.det_scan, np.arange(self.n_scans + 1))

    def truncated(self, n_scans: int) -> Scenario:
        """The first ``n_scans`` scans (trackers are online, so a prefix is a valid run)."""
        if n_scans >= self.n_scans:
            return self
        d = self.det_scan < n_scans
        g = self.gt_scan < n_scans
        i = self.ign_scan < n_scans
        return replace(
            self,
            times=self.times[:n_scans],
            det_scan=self.det_scan[d],
            det_z=self.det_z[d],
            det_score=self.det_score[d],
            det_label=self.det_label[d],
            det_clutter=self.det_clutter[d],
            gt_scan=self.gt_scan[g],
            gt_id=self.gt_id[g],
            gt_z=self.gt_z[g],
            ign_scan=self.ign_scan[i],
            ign_z=self.ign_z[i],
        )


@dataclass
class _Targets:
    """Live targets, one row each (world units: metres for points, pixels for boxes)."""

    id: np.ndarray  # int
    cls: np.ndarray  # int, 0 person / 1 car
    pos: np.ndarray  # (n, 2) centre
    vel: np.ndarray  # (n, 2)
    speed: np.ndarray  # nominal speed, world units per second
    scale: np.ndarray  # world units per metre (1 for points, pixels per metre for boxes)
    size: np.ndarray  # (n, 2) width, height (boxes; zeros for points)
    size_rate: np.ndarray  # d log(size) / dt (approaching or receding)
    death: np.ndarray  # time at which the target ends
    entered: np.ndarray  # bool: has been inside the scene

    @classmethod
    def empty(cls) -> _Targets:
        z = np.zeros(0)
        return cls(
            id=np.zeros(0, np.int64),
            cls=np.zeros(0, np.int64),
            pos=np.zeros((0, 2)),
            vel=np.zeros((0, 2)),
            speed=z,
            scale=z,
            size=np.zeros((0, 2)),
            size_rate=z,
            death=z,
            entered=np.zeros(0, bool),
        )

    def __len__(self) -> int:
        return int(len(self.id))

    def select(self, keep: np.ndarray) -> _Targets:
        return _Targets(**{k: v[keep] for k, v in vars(self).items()})

    def extend(self, other: _Targets) -> _Targets:
        return _Targets(
            **{k: np.concatenate([v, getattr(other, k)]) for k, v in vars(self).items()}
        )


class _World:
    """Spawns and moves targets in a W x H scene."""

    def __init__(self, kind: str, n_targets: int, width: float, height: float, seed: int):
        self.kind = kind
        self.n = n_targets
        self.w = width
        self.h = height
        self.rng = np.random.default_rng(seed)
        self.next_id = 1
        self.t = _Targets.empty()

    # -- spawning ---------------------------------------------------------------------------
    def _new(self, m: int, cls: np.ndarray) -> _Targets:
        rng = self.rng
        speed_m = np.maximum(rng.normal(SPEED_MEAN[cls], SPEED_STD[cls]), np.array([0.5, 2.0])[cls])
        if self.kind == BOX:
            person_h = rng.uniform(*PERSON_HEIGHT_PX, m)
            car_w = rng.uniform(*CAR_WIDTH_PX, m)
            w = np.where(cls == 0, 0.41 * person_h, car_w)
            h = np.where(cls == 0, person_h, car_w * rng.uniform(0.55, 0.8, m))
            scale = np.where(cls == 0, h / 1.7, w / 4.5)  # pixels per metre
            size = np.stack([w, h], 1)
            size_rate = rng.uniform(-0.04, 0.04, m)
        else:
            scale = np.ones(m)
            size = np.zeros((m, 2))
            size_rate = np.zeros(m)
        ids = np.arange(self.next_id, self.next_id + m)
        self.next_id += m
        return _Targets(
            id=ids,
            cls=cls,
            pos=np.zeros((m, 2)),
            vel=np.zeros((m, 2)),
            speed=speed_m * scale,
            scale=scale,
            size=size,
            size_rate=size_rate,
            death=np.full(m, np.inf),
            entered=np.zeros(m, bool),
        )

    def _heading(self, m: int) -> np.ndarray:
        a = self.rng.uniform(0, 2 * math.pi, m)
        return np.stack([np.cos(a), np.sin(a)], 1)

    def spawn(self, k: int, now: float, first: bool) -> None:
        """Add k targets: crossing pairs, entries through an edge, or appearances inside."""
        rng = self.rng
        parts: list[_Targets] = []
        while k > 0:
            u = rng.random()
            if k >= 2 and u < PAIR_SHARE:
                parts.append(self._pair(now))
                k -= 2
                continue
            tg = self._new(1, (rng.random(1) < CAR_SHARE).astype(np.int64))
            if first or u < PAIR_SHARE + (1 - PAIR_SHARE) / 2:
                tg.pos[:] = rng.uniform([0, 0], [self.w, self.h], (1, 2))
                tg.vel[:] = self._heading(1) * tg.speed[:, None]
            else:  # enter through a random edge, heading inwards
                edge = rng.integers(4)
                s = rng.random()
                p = [
                    (s * self.w, 0.0),
                    (s * self.w, self.h),
                    (0.0, s * self.h),
                    (self.w, s * self.h),
                ]
                inward = [(0, 1), (0, -1), (1, 0), (-1, 0)][edge]
                a = rng.uniform(-1.0, 1.0)  # up to about 57 degrees off the normal
                d = np.array(inward, float)
                d = np.array(
                    [
                        d[0] * math.cos(a) - d[1] * math.sin(a),
                        d[0] * math.sin(a) + d[1] * math.cos(a),
                    ]
                )
                tg.pos[:] = p[edge]
                tg.vel[:] = d * tg.speed[:, None]
            parts.append(tg)
            k -= 1
        for tg in parts:
            tg.death[:] = now + rng.exponential(MEAN_LIFETIME_S, len(tg))
            self.t = self.t.extend(tg)

    def _pair(self, now: float) -> _Targets:
        """Two targets of one class that meet at a common point 1.5 to 4 s from now."""
        rng = self.rng
        cls = np.full(2, int(rng.random() < CAR_SHARE), np.int64)
        tg = self._new(2, cls)
        c = rng.uniform([0.15 * self.w, 0.15 * self.h], [0.85 * self.w, 0.85 * self.h])
        tau = rng.uniform(1.5, 4.0)
        a1 = rng.uniform(0, 2 * math.pi)
        a2 = a1 + rng.choice([-1, 1]) * rng.uniform(math.radians(30), math.radians(150))
        d = np.array([[math.cos(a1), math.sin(a1)], [math.cos(a2), math.sin(a2)]])
        tg.vel[:] = d * tg.speed[:, None]
        tg.pos[:] = c - tg.vel * tau
        return tg

    # -- motion -----------------------------------------------------------------------------
    def inside(self) -> np.ndarray:
        p = self.t.pos
        return (p[:, 0] >= 0) & (p[:, 0] <= self.w) & (p[:, 1] >= 0) & (p[:, 1] <= self.h)

    def step(self, dt: float, now: float) -> None:
        t = self.t
        rng = self.rng
        sigma = (ACCEL[t.cls] * t.scale)[:, None]
        t.vel += rng.normal(0.0, 1.0, t.vel.shape) * sigma * math.sqrt(dt)
        sp = np.linalg.norm(t.vel, axis=1)
        relax = min(1.0, dt / SPEED_RELAX_S)
        t.vel *= (1.0 + (t.speed / np.maximum(sp, 1e-9) - 1.0) * relax)[:, None]
        t.pos += t.vel * dt
        t.size *= np.exp(t.size_rate * dt)[:, None]
        inside = self.inside()
        t.entered |= inside
        gone = (now >= t.death) | (t.entered & ~inside)
        if gone.any():
            self.t = t.select(~gone)
        missing = self.n - len(self.t)
        if missing > 0:
            self.spawn(missing, now, first=False)


def _clutter_scores(rng: np.random.Generator, m: int) -> np.ndarray:
    """False alarms: mostly low scores, some (15%) in the 0.45-0.7 band."""
    high = rng.random(m) < 0.15
    return np.where(high, rng.uniform(0.45, 0.7, m), rng.uniform(0.05, 0.45, m))


def _true_scores(rng: np.random.Generator, m: int, weak_share: float) -> np.ndarray:
    weak = rng.random(m) < weak_share
    return np.where(weak, rng.uniform(0.15, 0.5, m), np.clip(rng.normal(0.8, 0.1, m), 0.5, 0.99))


def _occlusion(boxes: np.ndarray) -> np.ndarray:
    """Fraction of each box (l, t, w, h) hidden behind a nearer one (larger bottom edge)."""
    n = len(boxes)
    occ = np.zeros(n)
    if n < 2:
        return occ
    centres = boxes[:, :2] + boxes[:, 2:] / 2
    reach = float(np.max(boxes[:, 2:]))
    pairs = cKDTree(centres).query_pairs(reach, output_type="ndarray")
    if len(pairs) == 0:
        return occ
    a, b = pairs[:, 0], pairs[:, 1]
    la, ta = boxes[a, 0], boxes[a, 1]
    ra, ba = la + boxes[a, 2], ta + boxes[a, 3]
    lb, tb = boxes[b, 0], boxes[b, 1]
    rb, bb = lb + boxes[b, 2], tb + boxes[b, 3]
    iw = np.clip(np.minimum(ra, rb) - np.maximum(la, lb), 0, None)
    ih = np.clip(np.minimum(ba, bb) - np.maximum(ta, tb), 0, None)
    inter = iw * ih
    area = boxes[:, 2] * boxes[:, 3]
    back = np.where(ba < bb, a, b)  # the farther box is the one whose bottom edge is higher
    np.maximum.at(occ, back, inter / area[back])
    return np.minimum(occ, 1.0)


def _simulate(
    kind: str,
    n_targets: int,
    n_scans: int,
    dt: float,
    width: float,
    height: float,
    seed: int,
) -> dict[str, np.ndarray]:
    world = _World(kind, n_targets, width, height, seed)
    rng = np.random.default_rng(seed + 7919)
    world.spawn(n_targets, 0.0, first=True)
    det: dict[str, list[np.ndarray]] = {k: [] for k in ("scan", "z", "score", "label", "clutter")}
    gt: dict[str, list[np.ndarray]] = {k: [] for k in ("scan", "id", "z")}
    n_clutter_mean = CLUTTER_PER_TARGET * n_targets
    for k in range(n_scans):
        now = k * dt
        if k > 0:
            world.step(dt, now)
        vis = world.inside()
        tg = world.t.select(vis)
        m = len(tg)
        if kind == BOX:
            truth = np.concatenate([tg.pos - tg.size / 2, tg.size], 1)
            occ = _occlusion(truth)
            pd = np.where(occ < 0.5, 0.93, np.where(occ < 0.8, 0.6, 0.2))
            hit = rng.random(m) < pd
            scores = np.where(
                occ < 0.5, _true_scores(rng, m, 0.05), rng.uniform(0.1, 0.5, m) + 0.05 * (occ < 0.8)
            )
            wh = tg.size
            centre = tg.pos + rng.normal(0, 1, (m, 2)) * BOX_CENTER_NOISE * wh
            size = wh * np.exp(rng.normal(0, 1, (m, 2)) * BOX_SIZE_NOISE)
            z = np.concatenate([centre - size / 2, size], 1)
            nc = rng.poisson(n_clutter_mean)
            ch = rng.uniform(*PERSON_HEIGHT_PX, nc)
            cwh = np.stack([ch * rng.uniform(0.3, 0.6, nc), ch], 1)
            cz = np.concatenate([rng.uniform([0, 0], [width, height], (nc, 2)) - cwh / 2, cwh], 1)
        else:
            truth = tg.pos.copy()
            hit = rng.random(m) < POINT_PD
            scores = _true_scores(rng, m, 0.1)
            z = tg.pos + rng.normal(0, POINT_NOISE_M, (m, 2))
            nc = rng.poisson(n_clutter_mean)
            cz = rng.uniform([0, 0], [width, height], (nc, 2))
        det["scan"] += [np.full(int(hit.sum()) + nc, k)]
        det["z"] += [z[hit], cz]
        det["score"] += [scores[hit], _clutter_scores(rng, nc)]
        det["label"] += [tg.cls[hit], rng.integers(0, 2, nc)]
        det["clutter"] += [np.zeros(int(hit.sum()), bool), np.ones(nc, bool)]
        gt["scan"] += [np.full(m, k)]
        gt["id"] += [tg.id]
        gt["z"] += [truth]
    dim = 4 if kind == BOX else 2
    out = {
        "det_scan": np.concatenate(det["scan"]).astype(np.int64),
        "det_z": np.concatenate(det["z"]).reshape(-1, dim),
        "det_score": np.concatenate(det["score"]),
        "det_label": np.concatenate(det["label"]).astype(np.int64),
        "det_clutter": np.concatenate(det["clutter"]),
        "gt_scan": np.concatenate(gt["scan"]).astype(np.int64),
        "gt_id": np.concatenate(gt["id"]).astype(np.int64),
        "gt_z": np.concatenate(gt["z"]).reshape(-1, dim),
    }
    # Shuffle the detections within each scan, so that order carries no information.
    order = np.lexsort((rng.random(len(out["det_scan"])), out["det_scan"]))
    for key in ("det_scan", "det_z", "det_score", "det_label", "det_clutter"):
        out[key] = out[key][order]
    return out


def point_scenario(
    n_targets: int, *, n_scans: int = 300, dt: float = 0.1, seed: int | None = None
) -> Scenario:
    """World points (x, y metres), like a radar or lidar at 1 / dt Hz."""
    seed = 1000 + n_targets if seed is None else seed
    side = math.sqrt(n_targets * POINT_AREA_PER_TARGET)
    arrays = _simulate(POINT, n_targets, n_scans, dt, side, side, seed)
    q = float(np.max(ACCEL) ** 2)
    meta = {
        "source": "synthetic",
        "n_targets": n_targets,
        "seed": seed,
        "dt": dt,
        "fps": 1.0 / dt,
        "area_m": [side, side],
        "meas_std": POINT_NOISE_M,  # metres, per axis
        "accel_q": q,  # m^2/s^3, the larger of the two classes
        "max_speed": float(SPEED_MEAN[1] + 2 * SPEED_STD[1]),
        "p_d": POINT_PD,
        "clutter_per_scan": CLUTTER_PER_TARGET * n_targets,
    }
    return Scenario(
        name=f"points-{n_targets}",
        kind=POINT,
        times=np.arange(n_scans) * dt,
        meta=meta,
        **arrays,
    )


def box_scenario(
    n_targets: int, *, n_scans: int = 300, fps: float = 30.0, seed: int | None = None
) -> Scenario:
    """Pixel boxes (left, top, width, height) of people and cars, like a camera at ``fps``."""
    seed = 2000 + n_targets if seed is None else seed
    area = n_targets / BOX_TARGETS_PER_HD * 1920 * 1080
    width = math.sqrt(area * 16 / 9)
    height = width * 9 / 16
    dt = 1.0 / fps
    arrays = _simulate(BOX, n_targets, n_scans, dt, width, height, seed)
    # Typical pixels per metre (a 1.7 m person 155 px tall), for models that need one number.
    ppm = float(np.mean(PERSON_HEIGHT_PX)) / 1.7
    meta = {
        "source": "synthetic",
        "n_targets": n_targets,
        "seed": seed,
        "dt": dt,
        "fps": fps,
        "image_size": [round(width), round(height)],
        "center_noise_rel": BOX_CENTER_NOISE,
        "size_noise_rel": BOX_SIZE_NOISE,
        "accel_q_px": float((np.max(ACCEL) * ppm) ** 2),  # px^2/s^3
        "max_speed_px": float((SPEED_MEAN[1] + 2 * SPEED_STD[1]) * np.mean(CAR_WIDTH_PX) / 4.5),
        "size_q_px": float((0.05 * np.mean(PERSON_HEIGHT_PX)) ** 2),  # px^2/s, size random walk
        "p_d": "0.93 unoccluded, 0.6 half hidden, 0.2 mostly hidden",
        "clutter_per_scan": CLUTTER_PER_TARGET * n_targets,
    }
    return Scenario(
        name=f"boxes-{n_targets}",
        kind=BOX,
        times=np.arange(n_scans) * dt,
        meta=meta,
        **arrays,
    )
