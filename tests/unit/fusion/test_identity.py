"""Global identities: hand-over between two cameras with disjoint fields of view keeps the
id; ids are never reused, across a restart too."""

from __future__ import annotations

import json

import numpy as np

from bench.fusion.scenario import Camera
from services.common.geometry import Pose
from services.fusion.domain.engine import FusionConfig, FusionEngine
from services.fusion.domain.identity import IdAllocator, global_id, global_num
from services.fusion.domain.to_world import SensorFrame
from services.fusion.domain.types import MeasurementKind, SensorTrack

CAM_A = Camera(0.0, 0.0, 6.0, 0.0, 15.0)
CAM_B = Camera(30.0, 0.0, 6.0, 0.0, 15.0)


def box_track(cam: Camera, sensor: str, tid: str, t: float, x: float, y: float) -> SensorTrack:
    uv_f, _ = cam.project(np.array([[x, y, 0.0]]))
    uv_h, _ = cam.project(np.array([[x, y, 1.7]]))
    h = float(uv_f[0, 1] - uv_h[0, 1])
    w = 0.41 * h
    mean = np.array([uv_f[0, 0], uv_f[0, 1] - h / 2, w, h, 0.0, 0.0, 0.0, 0.0])
    # pixel velocity of a walker along +x at 1.4 m/s, from the projection
    uv_n, _ = cam.project(np.array([[x + 0.014, y, 0.0]]))
    mean[4:6] = (uv_n[0] - uv_f[0]) / 0.01
    cov = np.diag([(0.05 * w) ** 2, (0.05 * h) ** 2, (0.05 * w) ** 2, (0.05 * h) ** 2,
                   (0.3 * w) ** 2, (0.3 * h) ** 2, (0.1 * w) ** 2, (0.1 * h) ** 2])  # fmt: skip
    return SensorTrack(sensor, tid, t, MeasurementKind.BOX, mean, cov, "person", 0.9)


def test_handover_between_cameras_keeps_the_global_id() -> None:
    geo = {"cam-a": SensorFrame(homography=CAM_A.homography()),
           "cam-b": SensorFrame(homography=CAM_B.homography())}  # fmt: skip
    eng = FusionEngine(FusionConfig(coast_s=5.0), geo)
    seen: set[str] = set()
    t = 0.0
    while t < 20.0:
        x = 2.0 + 1.4 * t  # walks east along y = 25 m
        tracks = []
        if x < 14.0:  # camera A's part of the walk
            tracks.append(box_track(CAM_A, "cam-a", "cam-a-000001", t, x, 25.0))
        elif x > 18.0:  # camera B's part, after 4 m (about 3 s) seen by no one
            tracks.append(box_track(CAM_B, "cam-b", "cam-b-000001", t, x, 25.0))
        res = eng.update(tracks, t + 0.3)
        seen.update(f.global_id for f in res.tracks)
        t = round(t + 0.1, 6)
    assert seen == {"g-000001"}
    [f] = res.tracks
    assert [c.sensor_id for c in f.contributors] == ["cam-b"]


def test_radar_to_camera_handover() -> None:
    geo = {"radar": SensorFrame(pose=Pose(0.0, 0.0, 0.0, 90.0)),
           "cam-b": SensorFrame(homography=CAM_B.homography())}  # fmt: skip
    eng = FusionEngine(FusionConfig(), geo)
    ids: set[str] = set()
    for k in range(150):
        t = 0.1 * k
        x = 5.0 + 1.4 * t
        tracks = []
        if x < 17.0:
            tracks.append(SensorTrack("radar", "radar-000001", t, MeasurementKind.POINT,
                                      np.array([x, 25.0, 1.4, 0.0]),
                                      np.diag([0.2, 0.2, 0.1, 0.1])))  # fmt: skip
        if x > 19.0:
            tracks.append(box_track(CAM_B, "cam-b", "cam-b-000007", t, x, 25.0))
        ids.update(f.global_id for f in eng.update(tracks, t + 0.3).tracks)
    assert ids == {"g-000001"}


def test_ids_are_never_reused_across_deletion_and_restart() -> None:
    geo = {"r": SensorFrame(pose=Pose(0, 0, 0, 90.0))}
    eng = FusionEngine(FusionConfig(coast_s=0.5, stale_s=0.2), geo)
    born: list[str] = []
    t = 0.0
    for round_ in range(3):
        for _ in range(5):
            tr = [SensorTrack("r", f"r-{round_}", t, MeasurementKind.POINT,
                              np.array([5.0 * round_, 0, 0, 0]), np.eye(4) * 0.1)]  # fmt: skip
            born += eng.update(tr, t + 0.3).new_ids
            t += 0.1
        for _ in range(12):  # the track ends, the fused one coasts out
            eng.update([], t + 0.3)
            t += 0.1
        eng = FusionEngine.from_state(json.loads(json.dumps(eng.to_state())), geo)
    assert born == ["g-000001", "g-000002", "g-000003"]
    assert len(eng) == 0
    assert eng.ids.next_num == 4


def test_allocator_and_format() -> None:
    ids = IdAllocator(41)
    assert ids.take(2) == [41, 42]
    assert global_id(42) == "g-000042" and global_num("g-000042") == 42
    assert ids.take() == [43]
