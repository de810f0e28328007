"""MOT15 (2DMOT2015 train) sequences as :class:`Scenario` objects: public detections + ground truth.

The files are MOTChallenge text (``frame,id,left,top,width,height,conf,x,y,z``); see
``shared/data/mot15/README.md``. Ground-truth rows with ``conf=0`` (only KITTI-17 has them) are
not scored: they become ignore regions (MOTChallenge's convention).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .scenarios import BOX, Scenario

# Frame rate and image size per sequence (shared/data/mot15/README.md).
SEQUENCES: dict[str, dict[str, object]] = {
    "TUD-Campus": {"fps": 25.0, "image_size": [640, 480]},
    "TUD-Stadtmitte": {"fps": 25.0, "image_size": [640, 480]},
    "KITTI-17": {"fps": 10.0, "image_size": [1224, 370]},
}


def default_root() -> Path:
    """``shared/data/mot15`` beside the repository (``/work/shared`` next to ``/work/main``)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent / "shared" / "data" / "mot15"
        if cand.is_dir():
            return cand
        cand = parent.parent / "shared" / "data" / "mot15"
        if cand.is_dir():
            return cand
    return here.parents[3] / "shared" / "data" / "mot15"


def _read(path: Path) -> np.ndarray:
    rows = [
        [float(v) for v in line.split(",")[:7]]
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    return np.asarray(rows, dtype=float).reshape(-1, 7)


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU between (n, 4) and (m, 4) left/top/width/height boxes."""
    al, at, ar, ab = a[:, 0:1], a[:, 1:2], a[:, 0:1] + a[:, 2:3], a[:, 1:2] + a[:, 3:4]
    bl, bt, br, bb = b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    iw = np.clip(np.minimum(ar, br) - np.maximum(al, bl), 0, None)
    ih = np.clip(np.minimum(ab, bb) - np.maximum(at, bt), 0, None)
    inter = iw * ih
    union = (a[:, 2:3] * a[:, 3:4]) + (b[:, 2] * b[:, 3]) - inter
    return inter / np.maximum(union, 1e-12)


def _detector_noise(det: np.ndarray, gt: np.ndarray) -> tuple[float, float]:
    """Robust relative std of the detector's centre and size errors, from det/gt pairs.

    Used only to give Stone Soup (which needs an explicit measurement noise) a matched model.
    """
    centre, size = [], []
    for f in np.unique(det[:, 0]):
        d = det[det[:, 0] == f, 2:6]
        g = gt[gt[:, 0] == f, 2:6]
        if len(d) == 0 or len(g) == 0:
            continue
        iou = _iou(d, g)
        i, j = np.nonzero(iou >= 0.5)
        if len(i) == 0:
            continue
        dc = d[i, :2] + d[i, 2:] / 2
        gc = g[j, :2] + g[j, 2:] / 2
        centre.append((dc - gc) / g[j, 2:])
        size.append(np.log(d[i, 2:] / g[j, 2:]))
    c = np.concatenate(centre)
    s = np.concatenate(size)

    def mad(x: np.ndarray) -> float:
        return float(1.4826 * np.median(np.abs(x - np.median(x))))

    return mad(c), mad(s)


def load_sequence(name: str, root: Path | None = None) -> Scenario:
    root = default_root() if root is None else root
    info = SEQUENCES[name]
    fps = float(info["fps"])  # type: ignore[arg-type]
    det = _read(root / name / "det.txt")
    gt = _read(root / name / "gt.txt")
    n_frames = int(max(det[:, 0].max(), gt[:, 0].max()))
    det = det[np.lexsort((det[:, 2], det[:, 0]))]
    scored = gt[:, 6] != 0
    ign = gt[~scored]
    gt = gt[scored]
    gt = gt[np.lexsort((gt[:, 1], gt[:, 0]))]
    centre_rel, size_rel = _detector_noise(det, gt)
    ppm = float(np.median(gt[:, 5])) / 1.7  # pixels per metre of a typical person
    meta = {
        "source": f"MOT15 {name} (public detections, train ground truth)",
        "fps": fps,
        "dt": 1.0 / fps,
        "image_size": info["image_size"],
        "n_targets": float(np.bincount(gt[:, 0].astype(int)).max()),
        "gt_tracks": int(len(np.unique(gt[:, 1]))),
        # Matched models for trackers that need explicit noise (Stone Soup): estimated from
        # the detections vs the ground truth, and a walking person's accelerations.
        "center_noise_rel": centre_rel,
        "size_noise_rel": size_rel,
        "accel_q_px": float((1.0 * ppm) ** 2),
        "max_speed_px": float(3.0 * ppm),
        "size_q_px": float((0.05 * np.median(gt[:, 5])) ** 2),
    }
    return Scenario(
        name=name,
        kind=BOX,
        times=np.arange(n_frames) / fps,
        det_scan=det[:, 0].astype(np.int64) - 1,
        det_z=det[:, 2:6].copy(),
        det_score=det[:, 6].copy(),
        det_label=np.zeros(len(det), np.int64),
        det_clutter=np.zeros(len(det), bool),
        gt_scan=gt[:, 0].astype(np.int64) - 1,
        gt_id=gt[:, 1].astype(np.int64),
        gt_z=gt[:, 2:6].copy(),
        ign_scan=ign[:, 0].astype(np.int64) - 1,
        ign_z=ign[:, 2:6].copy(),
        meta=meta,
    )


def available(root: Path | None = None) -> list[str]:
    root = default_root() if root is None else root
    return [n for n in SEQUENCES if (root / n / "det.txt").is_file()]
