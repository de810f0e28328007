"""Track initiation and M-of-N confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from services.tracker.domain.types import TrackStatus

TENTATIVE = np.int8(TrackStatus.TENTATIVE.value)
CONFIRMED = np.int8(TrackStatus.CONFIRMED.value)


class Initiator(Protocol):
    """Initiator decides which detections start tracks and when tracks are confirmed."""

    def births(self, unmatched: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """Indices (a subset of ``unmatched``) of the detections that start a track."""
        ...

    def confirm(self, status: np.ndarray, hit_bits: np.ndarray) -> np.ndarray:
        """New status array: tentative tracks with enough recent hits become confirmed."""
        ...


@dataclass(frozen=True)
class MofNInitiator:
    """Tracks start from unmatched high-score detections and are confirmed after M of N.

    ``hit_bits`` holds one bit per scan since birth (bit 0 = latest scan, 1 = matched), so
    popcount(hit_bits) over the first N scans is the hit count M is compared with.

    Attributes:
        confirm_m: hits needed for confirmation.
        confirm_n: scans (from birth, inclusive) within which the hits must come.
        min_score: minimum detection score (0..1) that may start a track.
    """

    confirm_m: int
    confirm_n: int
    min_score: float

    def births(self, unmatched: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """See Initiator.births."""
        out: np.ndarray = unmatched[scores[unmatched] >= self.min_score]
        return out

    def confirm(self, status: np.ndarray, hit_bits: np.ndarray) -> np.ndarray:
        """See Initiator.confirm."""
        window = hit_bits & np.int64((1 << self.confirm_n) - 1)
        ready = (status == TENTATIVE) & (np.bitwise_count(window) >= self.confirm_m)
        return np.where(ready, CONFIRMED, status).astype(np.int8)
