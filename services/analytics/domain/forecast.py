"""Short-term congestion forecast: Holt's linear trend with damping ("holt_damped").

Method (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, §8.2; the
additive damped trend model ETS(A,Ad,N)):

    forecast   ŷ(t+h | t) = l(t) + (φ + φ² + … + φ^h) · b(t)
    level      l(t) = l(t-1) + φ·b(t-1) + α·e(t)
    trend      b(t) = φ·b(t-1) + β·e(t)             e(t) = y(t) − (l(t-1) + φ·b(t-1))

- The series is the key's windows resampled to `step_seconds`: per step the mean
  congestion score and the mean unique tracks per window times the windows per step; steps
  without windows are filled by linear interpolation between their neighbours.
- α ∈ [0.02, 0.98], β = α·β′ with β′ ∈ [0, 1] (so 0 ≤ β ≤ α), φ ∈ [0.80, 0.98] are fitted
  by least squares on the one-step-ahead errors (a coarse grid, then scipy L-BFGS-B). The
  damping keeps a rush-hour ramp from being extrapolated for ever.
- 80 % prediction interval: ŷ ± 1.2816 · σ · √v(h), σ² the mean squared one-step error
  and v(h) = 1 + Σ_{j<h} (α + β·φ·(1 − φ^j)/(1 − φ))², the ETS(A,Ad,N) variance.
- Scores are clipped to [0, 1] and track counts to ≥ 0.
- Error on held-out history: the last 20 % of the steps (at least 2) are held out, the
  model is fitted on the rest and forecasts them; MAE and RMSE of the score are reported.
  The forecast itself is then fitted on the whole series.

bench/analytics/forecast.py compares it with the naive forecast (last value) on a
synthetic day of rush-hour congestion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.signal import lfilter

METHOD = "holt_damped"
#: Fewest resampled steps a forecast needs (fit plus held-out steps).
MIN_STEPS = 8
HOLDOUT_FRACTION = 0.2
Z80 = 1.2815515655446004  # the 90th percentile of the standard normal

Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class HoltParams:
    alpha: float
    beta: float
    phi: float
    level: float
    trend: float
    sigma: float


def _run(y: Array, alpha: float, beta: float, phi: float) -> tuple[float, float, Array]:
    """One pass of the recursion: the final level and trend and the one-step errors."""
    level = float(y[0])
    k = min(len(y) - 1, 4)
    trend = float((y[k] - y[0]) / k) if k > 0 else 0.0
    errors = np.empty(len(y) - 1)
    for t in range(1, len(y)):
        pred = level + phi * trend
        e = float(y[t]) - pred
        errors[t - 1] = e
        level = pred + alpha * e
        trend = phi * trend + beta * e
    return level, trend, errors


def one_step_errors(y: Array, alpha: float, beta: float, phi: float) -> Array:
    """The one-step errors of `_run`, computed as a linear filter (scipy.signal.lfilter):
    the recursion is x(t) = D·x(t-1) + g·y(t) with x = (level, trend), g = (α, β),
    w = (1, φ), D = [[1, φ], [0, φ]] − g·wᵀ, and the prediction is wᵀ·x(t-1). Fast enough to
    fit a day of minutes in a few milliseconds per evaluation."""
    g1, g2, w1, w2 = alpha, beta, 1.0, phi
    d11, d12, d21, d22 = 1.0 - g1 * w1, phi - g1 * w2, -g2 * w1, phi - g2 * w2
    tr, det = d11 + d22, d11 * d22 - d12 * d21
    a = np.array([1.0, -tr, det])
    n0 = w1 * g1 + w2 * g2
    n1 = -w1 * g1 * d22 + w1 * g2 * d12 + w2 * g1 * d21 - w2 * g2 * d11
    u = y[1:]
    forced = lfilter(np.array([0.0, n0, n1]), a, u)
    k = min(len(y) - 1, 4)
    x0 = (float(y[0]), float((y[k] - y[0]) / k) if k > 0 else 0.0)
    s1 = w1 * x0[0] + w2 * x0[1]
    dx = (d11 * x0[0] + d12 * x0[1], d21 * x0[0] + d22 * x0[1])
    s2 = w1 * dx[0] + w2 * dx[1]
    impulse = np.zeros(len(u))
    if len(u):
        impulse[0] = 1.0
    free = lfilter(np.array([s1, s2 - tr * s1]), a, impulse)
    return np.asarray(u - forced - free, dtype=float)


def fit(y: Array) -> HoltParams:
    """Least-squares fit of α, β, φ on the one-step errors."""
    y = np.asarray(y, dtype=float)
    if len(y) < 3 or float(np.ptp(y)) == 0.0:
        level = float(y[-1]) if len(y) else 0.0
        return HoltParams(0.5, 0.0, 0.9, level, 0.0, 0.0)

    def sse(p: Array) -> float:
        a, bb, ph = float(p[0]), float(p[1]), float(p[2])
        err = one_step_errors(y, a, a * bb, ph)
        return float(err @ err)

    # A coarse grid finds the basin, one L-BFGS-B run from its best point refines it.
    grid = [
        np.array((a, bb, ph))
        for a in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
        for bb in (0.0, 0.05, 0.2, 0.5, 1.0)
        for ph in (0.8, 0.9, 0.98)
    ]
    start = min(grid, key=sse)
    bounds = [(0.02, 0.98), (0.0, 1.0), (0.80, 0.98)]
    res = minimize(sse, start, method="L-BFGS-B", bounds=bounds, options={"maxiter": 50})
    best = (float(res.fun), np.asarray(res.x, dtype=float))
    if sse(start) < best[0]:
        best = (sse(start), start)
    a, bb, ph = (float(v) for v in best[1])
    level, trend, err = _run(y, a, a * bb, ph)
    sigma = float(math.sqrt(float(err @ err) / max(len(err), 1)))
    return HoltParams(a, a * bb, ph, level, trend, sigma)


def predict(p: HoltParams, horizon: int) -> tuple[Array, Array]:
    """Point forecasts for steps 1..horizon and the half-width of the 80 % interval."""
    h = np.arange(1, horizon + 1)
    damp = np.cumsum(p.phi**h)  # φ + … + φ^h
    mean = p.level + damp * p.trend
    if p.phi < 1.0:
        cj = p.alpha + p.beta * p.phi * (1.0 - p.phi ** np.arange(1, horizon)) / (1.0 - p.phi)
    else:
        cj = p.alpha + p.beta * np.arange(1, horizon)
    var = 1.0 + np.concatenate(([0.0], np.cumsum(cj**2)))
    return mean, Z80 * p.sigma * np.sqrt(var)


@dataclass(frozen=True, slots=True)
class Series:
    """A key's history resampled to a fixed step; `start_s` is the first step's start."""

    start_s: float
    step_s: int
    score: Array
    tracks: Array

    @property
    def end_s(self) -> float:
        return self.start_s + self.step_s * len(self.score)


def resample(windows: list[tuple[float, float, float]], step_s: int, window_s: int) -> Series:
    """Windows (start in epoch seconds, score, unique tracks) into epoch-aligned steps:
    mean score per step, mean unique tracks per window × windows per step; empty steps
    in between are interpolated."""
    if not windows:
        return Series(0.0, step_s, np.zeros(0), np.zeros(0))
    buckets: dict[int, list[tuple[float, float]]] = {}
    for start, w_score, w_tracks in windows:
        buckets.setdefault(math.floor(start / step_s), []).append((w_score, w_tracks))
    first, last = min(buckets), max(buckets)
    idx = np.arange(first, last + 1)
    have = np.array(sorted(buckets), dtype=float)
    score = np.array([np.mean([s for s, _ in buckets[b]]) for b in sorted(buckets)])
    per_step = step_s / window_s
    tracks = np.array([np.mean([t for _, t in buckets[b]]) * per_step for b in sorted(buckets)])
    return Series(
        float(first * step_s),
        step_s,
        np.interp(idx, have, score),
        np.interp(idx, have, tracks),
    )


@dataclass(frozen=True, slots=True)
class ForecastStep:
    end_s: float
    score: float
    lower: float
    upper: float
    tracks: float


@dataclass(frozen=True, slots=True)
class Forecast:
    method: str
    steps: list[ForecastStep]
    mae: float
    rmse: float
    holdout_steps: int
    params: HoltParams


def holdout_error(y: Array) -> tuple[float, float, int]:
    """MAE and RMSE of a forecast of the held-out tail from a fit on the rest."""
    n_out = max(2, round(len(y) * HOLDOUT_FRACTION))
    train, test = y[:-n_out], y[-n_out:]
    mean, _ = predict(fit(train), n_out)
    err = np.clip(mean, 0.0, 1.0) - test
    return float(np.mean(np.abs(err))), float(np.sqrt(np.mean(err**2))), n_out


class TooLittleHistory(ValueError):
    pass


def forecast(series: Series, horizon_steps: int) -> Forecast:
    """The forecast of the next `horizon_steps` steps after the series."""
    n = len(series.score)
    if n < MIN_STEPS:
        raise TooLittleHistory(f"{n} steps of history, at least {MIN_STEPS} are needed")
    mae, rmse, n_out = holdout_error(series.score)
    ps = fit(series.score)
    mean, half = predict(ps, horizon_steps)
    pt = fit(series.tracks)
    tracks, _ = predict(pt, horizon_steps)
    steps = []
    for i in range(horizon_steps):
        score = float(np.clip(mean[i], 0.0, 1.0))
        steps.append(
            ForecastStep(
                end_s=series.end_s + series.step_s * (i + 1),
                score=score,
                lower=float(np.clip(mean[i] - half[i], 0.0, 1.0)),
                upper=float(np.clip(mean[i] + half[i], 0.0, 1.0)),
                tracks=max(0.0, float(tracks[i])),
            )
        )
    return Forecast(METHOD, steps, mae, rmse, n_out, ps)


def naive(y: Array, horizon: int) -> Array:
    """The naive forecast: the last value, repeated (the benchmark's baseline)."""
    return np.full(horizon, float(y[-1]))
