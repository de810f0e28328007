"""CoastDeleter: deletion by time, by uncertainty, and of hopeless tentative tracks."""

from __future__ import annotations

from typing import Any

import numpy as np

from services.tracker.domain.deleter import CoastDeleter
from services.tracker.domain.initiator import CONFIRMED, TENTATIVE
from services.tracker.domain.state import COASTING

D = CoastDeleter(max_coast_s=1.0, max_pos_std=5.0, confirm_m=2, confirm_n=3)


def _run(
    status: list[Any], updated_t: list[float], bits: list[int], age: list[int],
    pos_std: list[float], t: float = 100.0,
) -> list[bool]:  # fmt: skip
    out: list[bool] = D.deleted(
        t,
        np.asarray(status, np.int8),
        np.asarray(updated_t, float),
        np.asarray(bits, np.int64),
        np.asarray(age, np.int64),
        np.asarray(pos_std, float),
    ).tolist()
    return out


def test_deleted_after_max_coast_time() -> None:
    out = _run([COASTING] * 3, [99.5, 99.0, 98.9], [0b10, 0b10, 0b10], [9, 9, 9], [1, 1, 1])
    assert out == [False, False, True]  # exactly 1.0 s is kept, longer is deleted


def test_deleted_when_too_uncertain() -> None:
    out = _run([CONFIRMED, COASTING, COASTING], [100.0, 99.9, 99.9], [1, 2, 2], [5, 5, 5],
               [1.0, 4.9, 5.1])  # fmt: skip
    assert out == [False, False, True]


def test_nan_uncertainty_is_deleted() -> None:
    assert _run([CONFIRMED], [100.0], [1], [5], [np.nan]) == [True]


def test_tentative_deleted_as_soon_as_m_of_n_is_out_of_reach() -> None:
    # 2 of 3: born (age 1, hit); one miss (age 2) can still make it; two misses cannot.
    out = _run([TENTATIVE] * 3, [100.0, 99.9, 99.8], [0b1, 0b10, 0b100], [1, 2, 3], [1, 1, 1])
    assert out == [False, False, True]
    strict = CoastDeleter(max_coast_s=1.0, max_pos_std=5.0, confirm_m=2, confirm_n=2)
    first_miss = strict.deleted(
        100.0, np.array([TENTATIVE], np.int8), np.array([99.9]), np.array([0b10], np.int64),
        np.array([2], np.int64), np.array([1.0]),
    )  # fmt: skip
    assert first_miss.tolist() == [True]
