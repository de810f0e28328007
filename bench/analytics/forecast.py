"""Error of GetForecast's method on held-out history, against the naive forecast.

    python -m bench.analytics.forecast [--days 7] [--every 15] [--out FILE]

A synthetic but realistic congestion score per minute: a morning rush hour (peak near
08:00), a longer evening one (near 17:30), a midday shoulder, each day's peaks shifted and
scaled a little, plus AR(1) noise, clipped to 0..1. From every origin (each `every` minutes
after the first hour of each day) the methods see the last 60 minutes (GetForecast's
default lookback, one step per minute) and forecast the next 10 steps (the default
horizon); the forecasts are scored against what followed:

- holt_damped: services/analytics/domain/forecast.py, as GetForecast runs it;
- naive: the last value, repeated;
- mean: the mean of the lookback (a second baseline).

Prints a Markdown table (MAE and RMSE over all horizons, MAE at 1, 5 and 10 steps, and the
share of outcomes inside the 80 % interval), and writes it to RESULTS_FORECAST.md.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.machine import cpu_model
from services.analytics.domain import forecast as fc

OUT = Path(__file__).resolve().parent / "RESULTS_FORECAST.md"
LOOKBACK, HORIZON = 60, 10


def synthetic_day(rng: np.random.Generator) -> np.ndarray:
    """One day of congestion scores per minute, 0..1."""
    h = np.arange(1440) / 60.0
    am_peak, pm_peak = 8.0 + rng.normal(0, 0.25), 17.5 + rng.normal(0, 0.3)
    base = (
        0.12
        + rng.uniform(0.45, 0.65) * np.exp(-(((h - am_peak) / 0.9) ** 2))
        + rng.uniform(0.5, 0.7) * np.exp(-(((h - pm_peak) / 1.4) ** 2))
        + 0.12 * np.exp(-(((h - 12.5) / 2.0) ** 2))
        - 0.08 * np.exp(-(((h - 3.5) / 2.5) ** 2))
    )
    noise = np.zeros(1440)
    for i in range(1, 1440):  # AR(1), a jam does not vanish in a minute
        noise[i] = 0.8 * noise[i - 1] + rng.normal(0, 0.025)
    return np.asarray(np.clip(base + noise, 0.0, 1.0), dtype=float)


Method = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray | None]]


def holt(y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    mean, half = fc.predict(fc.fit(y), HORIZON)
    return np.clip(mean, 0, 1), half


def naive(y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    return fc.naive(y, HORIZON), None


def lookback_mean(y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    return np.full(HORIZON, float(np.mean(y))), None


METHODS: dict[str, Method] = {
    "holt_damped": holt,
    "naive (last value)": naive,
    "mean": lookback_mean,
}


def evaluate(days: int, every: int, seed: int) -> tuple[dict[str, dict[str, float]], int, float]:
    rng = np.random.default_rng(seed)
    errors: dict[str, list[np.ndarray]] = {m: [] for m in METHODS}
    inside: list[float] = []
    fit_s = 0.0
    origins = 0
    for _ in range(days):
        y = synthetic_day(rng)
        for t in range(LOOKBACK, 1440 - HORIZON, every):
            hist, future = y[t - LOOKBACK : t], y[t : t + HORIZON]
            origins += 1
            for name, method in METHODS.items():
                t0 = time.perf_counter()
                pred, half = method(hist)
                if name == "holt_damped":
                    fit_s += time.perf_counter() - t0
                    assert half is not None
                    lo, hi = np.clip(pred - half, 0, 1), np.clip(pred + half, 0, 1)
                    inside.append(float(np.mean((future >= lo) & (future <= hi))))
                errors[name].append(pred - future)
    out: dict[str, dict[str, float]] = {}
    for name, errs in errors.items():
        e = np.array(errs)  # (origins, horizon)
        out[name] = {
            "mae": float(np.mean(np.abs(e))),
            "rmse": float(np.sqrt(np.mean(e**2))),
            "mae1": float(np.mean(np.abs(e[:, 0]))),
            "mae5": float(np.mean(np.abs(e[:, 4]))),
            "mae10": float(np.mean(np.abs(e[:, 9]))),
        }
    out["holt_damped"]["coverage"] = float(np.mean(inside))
    return out, origins, fit_s / max(origins, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--every", type=int, default=15, help="minutes between origins")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    res, origins, fit_s = evaluate(args.days, args.every, args.seed)
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    base = res["naive (last value)"]["mae"]
    lines = [
        "# Congestion forecast error on held-out history",
        "",
        f"{args.days} synthetic days of per-minute congestion scores (two rush hours, midday "
        f"shoulder, AR(1) noise), {origins} forecast origins every {args.every} min; each "
        f"method sees the last {LOOKBACK} min and forecasts {HORIZON} steps of 1 min "
        "(GetForecast's defaults). Errors are in score units (0..1). "
        f"`python -m bench.analytics.forecast --days {args.days} --every {args.every} "
        f"--seed {args.seed}` on a shared {nproc}-core machine ({cpu_model()}); "
        f"holt_damped fit + forecast takes {fit_s * 1000:.0f} ms per origin there.",
        "",
        "| method | MAE | RMSE | MAE 1 step | MAE 5 steps | MAE 10 steps | vs naive MAE "
        "| 80 % interval coverage |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in res.items():
        cov = f"{r['coverage'] * 100:.0f} %" if "coverage" in r else "–"
        lines.append(
            f"| {name} | {r['mae']:.4f} | {r['rmse']:.4f} | {r['mae1']:.4f} | {r['mae5']:.4f} "
            f"| {r['mae10']:.4f} | {(r['mae'] / base - 1) * 100:+.1f} % | {cov} |"
        )
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        args.out.write_text(table)


if __name__ == "__main__":
    main()
