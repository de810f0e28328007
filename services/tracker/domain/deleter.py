"""Track deletion: by time since the last match, by uncertainty, or failed confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from services.tracker.domain.initiator import TENTATIVE


class Deleter(Protocol):
    """Deleter marks the tracks to end after a scan."""

    def deleted(
        self,
        t: float,
        status: np.ndarray,
        updated_t: np.ndarray,
        hit_bits: np.ndarray,
        age: np.ndarray,
        pos_std: np.ndarray,
    ) -> np.ndarray:
        """Boolean mask (n,) of the tracks to delete.

        Args:
            t: time of the current scan, seconds.
            status: (n,) TrackStatus values.
            updated_t: (n,) time of each track's latest match, seconds.
            hit_bits: (n,) one bit per scan since birth, bit 0 = current scan.
            age: (n,) scans since birth, counting the birth scan.
            pos_std: (n,) position standard deviation, in the units of max_pos_std.
        """
        ...


@dataclass(frozen=True)
class CoastDeleter:
    """Delete confirmed tracks that coasted too long or grew too uncertain, and tentative
    tracks as soon as they can no longer reach M hits within N scans.

    Attributes:
        max_coast_s: longest time without a match, seconds.
        max_pos_std: largest position standard deviation (metres for points, box heights
            for boxes).
        confirm_m: hits needed for confirmation (as the initiator's).
        confirm_n: scans within which they must come.
    """

    max_coast_s: float
    max_pos_std: float
    confirm_m: int
    confirm_n: int

    def deleted(
        self,
        t: float,
        status: np.ndarray,
        updated_t: np.ndarray,
        hit_bits: np.ndarray,
        age: np.ndarray,
        pos_std: np.ndarray,
    ) -> np.ndarray:
        """See Deleter.deleted."""
        tentative = status == TENTATIVE
        window = hit_bits & np.int64((1 << self.confirm_n) - 1)
        reachable = np.bitwise_count(window) + np.maximum(self.confirm_n - age, 0)
        hopeless = tentative & (reachable < self.confirm_m)
        stale = (t - updated_t) > self.max_coast_s
        vague = ~(pos_std <= self.max_pos_std)  # NaN counts as too uncertain
        out: np.ndarray = hopeless | stale | vague
        return out
