"""Seeded three-sensor scenario with known ground truth (pure numpy, no I/O).

A 80 m x 60 m site (x east, y north, metres) with about 14 people walking across it
(1.4 m/s typical, some running at about 3.5 m/s), entering and leaving through its edges,
with slow random turns. Three sensors, each with its own frame, noise, rate, latency, missed
detections and clutter:

* radar-1: at (40, -10) looking north; range/azimuth noise 0.3 m / 1.2° (so about 0.8 m
  across the beam at 40 m), field of view ±75°, 4 Hz, 80 ms latency, p_d 0.85, 3 false
  alarms per scan. Detections are points in the radar's frame (x forward, y left) with
  their polar covariance.
* lidar-1: at (76, 56) with heading 225°, 360° out to 45 m, 0.25 m noise per axis, 10 Hz,
  120 ms latency, p_d 0.8, 2 false alarms per scan, in its own frame.
* cam-1: a 1920x1080 pinhole camera (f = 1000 px) 7 m above (8, -6), heading 40°, pitched
  down 14°; person boxes with noise of 3% (centre) and 5% (size) of the box, p_d 0.9, 2
  false boxes per frame, 10 Hz, 200 ms latency; its image-to-ground homography is exact.

Every sensor's output is delayed by its latency plus an exponential jitter (mean 30 ms), so
frames of different sensors arrive interleaved and occasionally out of order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from services.common.geometry import ImageToGround, Pose

SITE_W, SITE_H = 80.0, 60.0
DT = 0.05  # truth clock, seconds (every sensor time is a multiple of it)
PERSON_H = 1.7


@dataclass(frozen=True)
class Camera:
    """A pinhole camera over flat ground: position (m), height (m), heading (deg clockwise
    from north), pitch down (deg), focal length and image size (px)."""

    x: float
    y: float
    height: float
    heading_deg: float
    pitch_deg: float
    f: float = 1000.0
    width: int = 1920
    rows: int = 1080

    @property
    def axes(self) -> np.ndarray:
        """Rows: right, down, forward unit vectors in the site frame."""
        h, p = math.radians(self.heading_deg), math.radians(self.pitch_deg)
        fwd = np.array([math.sin(h) * math.cos(p), math.cos(h) * math.cos(p), -math.sin(p)])
        right = np.array([math.cos(h), -math.sin(h), 0.0])
        down = np.cross(fwd, right)
        return np.stack([right, down, fwd])

    @property
    def K(self) -> np.ndarray:
        return np.array([[self.f, 0, self.width / 2], [0, self.f, self.rows / 2], [0, 0, 1.0]])

    def project(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, 3) site points -> (n, 2) pixels and (n,) depth along the optical axis."""
        c = self.axes @ (pts - np.array([self.x, self.y, self.height])).T
        uv = (self.K @ c).T
        depth = c[2]
        return uv[:, :2] / uv[:, 2:3], depth

    def homography(self) -> ImageToGround:
        """The exact image-to-ground homography of this camera."""
        Rc = self.axes
        C = np.array([self.x, self.y, self.height])
        G = self.K @ np.column_stack([Rc[:, 0], Rc[:, 1], -Rc @ C])
        H = np.linalg.inv(G)
        return ImageToGround.from_values((H / H[2, 2]).ravel().tolist())


RADAR_POSE = Pose(40.0, -10.0, 0.0, 0.0)
LIDAR_POSE = Pose(76.0, 56.0, 0.0, 225.0)
CAMERA = Camera(8.0, -6.0, 7.0, 40.0, 14.0)


@dataclass(frozen=True)
class SensorSpec:
    sensor_id: str
    kind: str  # "point" or "box"
    period_ticks: int  # scan period in truth ticks
    offset_ticks: int
    latency_s: float
    pd: float
    clutter: float  # false alarms per scan (Poisson mean)


SENSORS = (
    SensorSpec("radar-1", "point", 5, 0, 0.08, 0.85, 3.0),
    SensorSpec("lidar-1", "point", 2, 1, 0.12, 0.80, 2.0),
    SensorSpec("cam-1", "box", 2, 0, 0.20, 0.90, 2.0),
)
RADAR_RANGE_STD, RADAR_AZ_STD_DEG, RADAR_FOV_DEG, RADAR_MAX_M = 0.3, 1.2, 75.0, 95.0
LIDAR_STD, LIDAR_MAX_M = 0.25, 45.0
BOX_CENTRE_NOISE, BOX_SIZE_NOISE = 0.03, 0.05


@dataclass
class SensorScan:
    """One scan of one sensor: detections in the sensor's own frame or image."""

    sensor_id: str
    kind: str
    t: float
    arrival: float
    frame_id: int
    z: np.ndarray  # (n, 2) metres in the sensor frame, or (n, 4) ltwh pixels
    scores: np.ndarray
    R: np.ndarray | None  # (n, 2, 2) for points
    truth_ids: np.ndarray  # (n,) the target each detection came from, -1 for clutter


@dataclass
class Scenario:
    """Ground truth at every truth tick and the scans of every sensor."""

    times: np.ndarray  # (k,) truth times
    gt_tick: np.ndarray  # (g,) tick of each truth row
    gt_id: np.ndarray
    gt_pos: np.ndarray  # (g, 2) metres, site frame
    scans: list[SensorScan] = field(default_factory=list)

    def truth_at(self, tick: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = np.searchsorted(self.gt_tick, [tick, tick + 1])
        return self.gt_id[lo:hi], self.gt_pos[lo:hi]


def _spawn(rng: np.random.Generator, next_id: int, inside: bool) -> tuple[np.ndarray, ...]:
    speed = rng.normal(1.4, 0.25) if rng.random() > 0.15 else rng.normal(3.5, 0.5)
    speed = max(speed, 0.6)
    if inside:
        p = rng.uniform([5, 5], [SITE_W - 5, SITE_H - 5])
        a = rng.uniform(0, 2 * math.pi)
    else:
        edge = rng.integers(4)
        s = rng.random()
        p = np.array([(s * SITE_W, 0.0), (s * SITE_W, SITE_H), (0.0, s * SITE_H),
                      (SITE_W, s * SITE_H)][edge])  # fmt: skip
        base = [math.pi / 2, -math.pi / 2, 0.0, math.pi][edge]
        a = base + rng.uniform(-0.8, 0.8)
    v = speed * np.array([math.cos(a), math.sin(a)])
    return np.array([next_id]), p[None, :], v[None, :], np.array([speed])


def simulate(seed: int = 7, duration_s: float = 90.0, n_targets: int = 14) -> Scenario:
    """The scenario: truth every DT seconds and each sensor's scans."""
    rng = np.random.default_rng(seed)
    n_ticks = int(round(duration_s / DT))
    ids, pos, vel, spd = (np.zeros(0, np.int64), np.zeros((0, 2)), np.zeros((0, 2)),
                          np.zeros(0))  # fmt: skip
    next_id = 1
    for _ in range(n_targets):
        i, p, v, s = _spawn(rng, next_id, inside=True)
        next_id += 1
        ids, pos, vel, spd = (np.r_[ids, i], np.r_[pos, p], np.r_[vel, v], np.r_[spd, s])
    gt_tick, gt_id, gt_pos = [], [], []
    scans: list[SensorScan] = []
    frame = {s.sensor_id: 0 for s in SENSORS}
    for k in range(n_ticks):
        t = k * DT
        if k:
            vel += rng.normal(0, 0.35 * math.sqrt(DT), vel.shape)  # slow random turns
            cur = np.linalg.norm(vel, axis=1)
            vel *= (1 + (spd / np.maximum(cur, 1e-9) - 1) * min(1.0, DT / 3.0))[:, None]
            pos = pos + vel * DT
            out = (pos[:, 0] < 0) | (pos[:, 0] > SITE_W) | (pos[:, 1] < 0) | (pos[:, 1] > SITE_H)
            keep = ~out
            ids, pos, vel, spd = ids[keep], pos[keep], vel[keep], spd[keep]
            while len(ids) < n_targets:
                i, p, v, s = _spawn(rng, next_id, inside=False)
                next_id += 1
                ids, pos, vel, spd = (np.r_[ids, i], np.r_[pos, p], np.r_[vel, v], np.r_[spd, s])
        gt_tick.append(np.full(len(ids), k))
        gt_id.append(ids.copy())
        gt_pos.append(pos.copy())
        for spec in SENSORS:
            if (k - spec.offset_ticks) % spec.period_ticks:
                continue
            scan = _scan(rng, spec, t, frame[spec.sensor_id], ids, pos)
            frame[spec.sensor_id] += 1
            scans.append(scan)
    scans.sort(key=lambda s: (s.arrival, s.t))
    return Scenario(np.arange(n_ticks) * DT, np.concatenate(gt_tick), np.concatenate(gt_id),
                    np.concatenate(gt_pos), scans)  # fmt: skip


def covers(sensor_id: str, pos: np.ndarray) -> np.ndarray:
    """(n,) bool: which site positions (n, 2) lie in the sensor's field of view (where it
    detects a person with probability p_d)."""
    pos = np.asarray(pos, dtype=float).reshape(-1, 2)
    if sensor_id == "radar-1":
        local = _to_sensor(RADAR_POSE, pos)
        az = np.degrees(np.arctan2(local[:, 1], local[:, 0]))
        out: np.ndarray = (np.abs(az) <= RADAR_FOV_DEG) & (
            np.hypot(local[:, 0], local[:, 1]) <= RADAR_MAX_M
        )
        return out
    if sensor_id == "lidar-1":
        local = _to_sensor(LIDAR_POSE, pos)
        out = np.hypot(local[:, 0], local[:, 1]) <= LIDAR_MAX_M
        return out
    return _camera_view(pos)[0]


def _camera_view(pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Visibility (n,) of people at pos (n, 2) in the camera, with their feet pixels (n, 2),
    box widths and heights (n,)."""
    feet = np.c_[pos, np.zeros(len(pos))]
    head = np.c_[pos, np.full(len(pos), PERSON_H)]
    uv_f, depth = CAMERA.project(feet)
    uv_h, _ = CAMERA.project(head)
    h = uv_f[:, 1] - uv_h[:, 1]
    w = 0.41 * h
    seen = (
        (depth > 2.0) & (h > 12) & (uv_f[:, 0] - w / 2 >= 0) & (uv_f[:, 0] + w / 2 <= CAMERA.width)
    )
    seen &= (uv_h[:, 1] >= 0) & (uv_f[:, 1] <= CAMERA.rows)
    return seen, uv_f, w, h


def _to_sensor(pose: Pose, pts: np.ndarray) -> np.ndarray:
    """Site points -> the sensor's frame (inverse of Pose.to_world)."""
    return (pts - np.array([pose.x, pose.y])) @ pose.rotation


def _scores(rng: np.random.Generator, m: int) -> np.ndarray:
    return np.clip(rng.normal(0.82, 0.08, m), 0.55, 0.99)


def _scan(
    rng: np.random.Generator, spec: SensorSpec, t: float, frame_id: int, ids: np.ndarray,
    pos: np.ndarray,
) -> SensorScan:  # fmt: skip
    arrival = t + spec.latency_s + rng.exponential(0.03)
    n_clutter = rng.poisson(spec.clutter)
    # False alarms score low, mostly (as in bench/tracker's scenarios): 15% in 0.45-0.7.
    high = rng.random(n_clutter) < 0.15
    clutter_scores = np.where(high, rng.uniform(0.45, 0.7, n_clutter),
                              rng.uniform(0.05, 0.45, n_clutter))  # fmt: skip
    if spec.sensor_id == "radar-1":
        local = _to_sensor(RADAR_POSE, pos)
        rng_m = np.hypot(local[:, 0], local[:, 1])
        az = np.arctan2(local[:, 1], local[:, 0])
        seen = (np.abs(np.degrees(az)) <= RADAR_FOV_DEG) & (rng_m <= RADAR_MAX_M)
        seen &= rng.random(len(ids)) < spec.pd
        r = rng_m[seen] + rng.normal(0, RADAR_RANGE_STD, seen.sum())
        a = az[seen] + rng.normal(0, math.radians(RADAR_AZ_STD_DEG), seen.sum())
        cr = rng.uniform(5, 70, n_clutter)
        ca = np.radians(rng.uniform(-RADAR_FOV_DEG, RADAR_FOV_DEG, n_clutter))
        r, a = np.r_[r, cr], np.r_[a, ca]
        z = np.stack([r * np.cos(a), r * np.sin(a)], 1)
        # Polar covariance carried to x, y: J diag(σr², σa²) Jᵀ.
        J = np.zeros((len(r), 2, 2))
        J[:, 0, 0], J[:, 0, 1] = np.cos(a), -r * np.sin(a)
        J[:, 1, 0], J[:, 1, 1] = np.sin(a), r * np.cos(a)
        S = np.diag([RADAR_RANGE_STD**2, math.radians(RADAR_AZ_STD_DEG) ** 2])
        R = J @ S @ J.transpose(0, 2, 1)
        truth = np.r_[ids[seen], np.full(n_clutter, -1)]
        scores = np.r_[_scores(rng, int(seen.sum())), clutter_scores]
        return SensorScan(spec.sensor_id, "point", t, arrival, frame_id, z, scores, R, truth)
    if spec.sensor_id == "lidar-1":
        local = _to_sensor(LIDAR_POSE, pos)
        seen = np.hypot(local[:, 0], local[:, 1]) <= LIDAR_MAX_M
        seen &= rng.random(len(ids)) < spec.pd
        z = local[seen] + rng.normal(0, LIDAR_STD, (int(seen.sum()), 2))
        cr = LIDAR_MAX_M * np.sqrt(rng.random(n_clutter))
        ca = rng.uniform(0, 2 * math.pi, n_clutter)
        z = np.r_[z, np.stack([cr * np.cos(ca), cr * np.sin(ca)], 1)]
        R = np.broadcast_to(np.eye(2) * LIDAR_STD**2, (len(z), 2, 2)).copy()
        truth = np.r_[ids[seen], np.full(n_clutter, -1)]
        scores = np.r_[_scores(rng, int(seen.sum())), clutter_scores]
        return SensorScan(spec.sensor_id, "point", t, arrival, frame_id, z, scores, R, truth)
    seen, uv_f, w, h = _camera_view(pos)
    seen &= rng.random(len(ids)) < spec.pd
    m = int(seen.sum())
    wh = np.stack([w[seen], h[seen]], 1)
    centre = np.stack([uv_f[seen, 0], uv_f[seen, 1] - h[seen] / 2], 1)
    centre += rng.normal(0, 1, (m, 2)) * BOX_CENTRE_NOISE * wh
    size = wh * np.exp(rng.normal(0, 1, (m, 2)) * BOX_SIZE_NOISE)
    z = np.c_[centre - size / 2, size]
    ch = rng.uniform(30, 200, n_clutter)
    cwh = np.stack([0.41 * ch, ch], 1)
    cz = np.c_[rng.uniform([0, 300], [CAMERA.width, CAMERA.rows], (n_clutter, 2)) - cwh / 2, cwh]
    z = np.r_[z, cz]
    truth = np.r_[ids[seen], np.full(n_clutter, -1)]
    scores = np.r_[_scores(rng, m), clutter_scores]
    return SensorScan(spec.sensor_id, "box", t, arrival, frame_id, z, scores, None, truth)
