"""MofNInitiator: births only from high-score unmatched detections; M-of-N confirmation."""

from __future__ import annotations

import numpy as np

from services.tracker.domain.initiator import CONFIRMED, TENTATIVE, MofNInitiator
from services.tracker.domain.types import TrackStatus


def test_births_only_from_detections_scoring_high_enough() -> None:
    init = MofNInitiator(confirm_m=2, confirm_n=3, min_score=0.7)
    scores = np.array([0.9, 0.2, 0.7, 0.69, 0.95])
    born = init.births(np.array([0, 1, 2, 3]), scores)
    assert born.tolist() == [0, 2]  # 4 is matched (not in unmatched), 1 and 3 score too low


def test_m_of_n_confirmation() -> None:
    init = MofNInitiator(confirm_m=2, confirm_n=3, min_score=0.5)
    status = np.full(5, TENTATIVE, np.int8)
    # bit 0 = latest scan: 0b1 one hit; 0b11 two in a row; 0b101 hit-miss-hit; 0b100 only
    # the birth hit two scans ago; 0b1001 a hit outside the 3-scan window plus the latest.
    bits = np.array([0b1, 0b11, 0b101, 0b100, 0b1001], np.int64)
    out = init.confirm(status, bits)
    assert [TrackStatus(int(s)) for s in out] == [
        TrackStatus.TENTATIVE,
        TrackStatus.CONFIRMED,
        TrackStatus.CONFIRMED,
        TrackStatus.TENTATIVE,
        TrackStatus.TENTATIVE,
    ]


def test_confirmed_tracks_stay_confirmed_and_m1_confirms_at_birth() -> None:
    init = MofNInitiator(confirm_m=1, confirm_n=1, min_score=0.5)
    out = init.confirm(np.array([TENTATIVE, CONFIRMED], np.int8), np.array([1, 0], np.int64))
    assert out.tolist() == [CONFIRMED, CONFIRMED]
