"""Holt's damped trend: the linear-filter errors equal the recursion, the fit recovers a
trend, intervals widen with the horizon, resampling fills gaps, too little history."""

from __future__ import annotations

import numpy as np
import pytest

from services.analytics.domain import forecast as f


def test_filter_errors_equal_the_recursion():
    rng = np.random.default_rng(3)
    y = np.clip(0.3 + 0.01 * np.arange(50) + rng.normal(0, 0.05, 50), 0, 1)
    for a, b, phi in ((0.3, 0.05, 0.9), (0.9, 0.5, 0.8), (0.05, 0.0, 0.98)):
        _, _, loop = f._run(y, a, b, phi)
        assert np.allclose(f.one_step_errors(y, a, b, phi), loop, atol=1e-12)


def test_fit_follows_a_trend_and_damps_it():
    y = 0.2 + 0.01 * np.arange(60)
    p = f.fit(y)
    mean, half = f.predict(p, 20)
    assert mean[0] == pytest.approx(y[-1] + 0.01, abs=0.003)
    steps = np.diff(mean)
    assert np.all(steps > 0) and steps[-1] < steps[0]  # damped: the slope shrinks
    assert np.all(np.diff(half) >= -1e-12)  # the interval never narrows


def test_constant_series_is_flat_with_no_spread():
    p = f.fit(np.full(20, 0.42))
    mean, half = f.predict(p, 5)
    assert np.allclose(mean, 0.42) and np.allclose(half, 0.0)


def test_resample_means_scales_and_interpolates():
    windows = [(0.0, 0.2, 2.0), (5.0, 0.4, 4.0), (120.0, 0.6, 6.0)]  # minute 1 is empty
    s = f.resample(windows, 60, 5)
    assert s.start_s == 0.0 and s.end_s == 180.0
    assert s.score.tolist() == pytest.approx([0.3, 0.45, 0.6])
    assert s.tracks.tolist() == pytest.approx([36.0, 54.0, 72.0])  # 3 per window x 12


def test_forecast_points_intervals_and_errors():
    rng = np.random.default_rng(7)
    y = np.clip(0.5 + 0.2 * np.sin(np.arange(60) / 9) + rng.normal(0, 0.02, 60), 0, 1)
    s = f.Series(600.0, 60, y, y * 40)
    out = f.forecast(s, 10)
    assert out.method == "holt_damped" and len(out.steps) == 10 and out.holdout_steps == 12
    assert out.steps[0].end_s == s.end_s + 60 and out.steps[-1].end_s == s.end_s + 600
    for st in out.steps:
        assert 0 <= st.lower <= st.score <= st.upper <= 1 and st.tracks >= 0
    assert 0 < out.mae <= out.rmse < 0.2
    with pytest.raises(f.TooLittleHistory):
        f.forecast(f.Series(0.0, 60, y[:7], y[:7]), 5)


def test_interval_covers_about_80_percent_of_random_walk_steps():
    rng = np.random.default_rng(11)
    hits = total = 0
    for _ in range(60):
        y = 0.5 + np.cumsum(rng.normal(0, 0.01, 80))
        p = f.fit(y[:-1])
        mean, half = f.predict(p, 1)
        hits += abs(y[-1] - mean[0]) <= half[0]
        total += 1
    assert 0.6 <= hits / total <= 0.95
