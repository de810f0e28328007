"""Markdown tables from the result dictionary built by ``cli.run_all``."""

from __future__ import annotations

import math
from typing import Any

from .peers import REPO

NAMES = {
    "aura": "AURA",
    "bytetrack": "ByteTrack",
    "norfair": "norfair",
    "motpy": "motpy",
    "stonesoup": "Stone Soup",
}


def _name(key: str) -> str:
    return NAMES.get(key, key)


def _pct(v: float | None) -> str:
    return "–" if v is None or not math.isfinite(v) else f"{100 * v:.1f}"


def _ms(v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "–"
    if v < 10:
        return f"{v:.2f}"
    if v < 100:
        return f"{v:.1f}"
    return f"{v:,.0f}"


def _int(v: float | None) -> str:
    return "–" if v is None or not math.isfinite(v) else f"{v:,.0f}"


def _ratio(v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "–"
    return f"{v:.2f}×" if v < 10 else f"{v:,.0f}×"


def _table(head: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    align = align or "l" + "r" * (len(head) - 1)
    sep = ["---:" if a == "r" else "---" for a in align]
    out = ["| " + " | ".join(head) + " |", "| " + " | ".join(sep) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out + [""]


def _datasets(res: dict[str, Any], group: str) -> list[str]:
    return list(dict.fromkeys(r["dataset"] for r in res["runs"] if r["group"] == group))


def _runs(res: dict[str, Any], dataset: str) -> list[dict[str, Any]]:
    return [r for r in res["runs"] if r["dataset"] == dataset]


def _status(r: dict[str, Any]) -> str:
    if r["status"] == "n/a":
        return "n/a"
    return f"{r['status']}: {r['reason']}" if r["reason"] else r["status"]


def _best(runs: list[dict[str, Any]], metric: str) -> float:
    vals = [
        r["scores"][metric]
        for r in runs
        if r["status"] == "ok" and not r["capped"] and math.isfinite(r["scores"][metric])
    ]
    return max(vals) if vals else math.nan


def _label(r: dict[str, Any]) -> str:
    if r["capped"]:
        return f"{_name(r['tracker'])} †"
    return _name(r["tracker"])


def _summary(res: dict[str, Any]) -> list[str]:
    keys = [t["key"] for t in res["trackers"]]
    rows = []
    for group in ("MOT15", "synthetic"):
        for ds in _datasets(res, group):
            by = {r["tracker"]: r for r in _runs(res, ds)}
            cells = [ds]
            for k in keys:
                r = by.get(k)
                if r is None or r["status"] != "ok":
                    cells.append("n/a" if r is not None and r["status"] == "n/a" else "–")
                    continue
                s = r["scores"]
                mark = " †" if r["capped"] else ""
                cells.append(f"{_pct(s['mota'])} / {_pct(s['idf1'])}{mark}")
            rows.append(cells)
    return _table(["dataset"] + [_name(k) for k in keys], rows)


def _accuracy(res: dict[str, Any], group: str) -> list[str]:
    head = ["dataset", "tracker", "MOTA %", "IDF1 %", "ID sw.", "FP", "FN", "GT", "scans"]
    rows = []
    for ds in _datasets(res, group):
        runs = _runs(res, ds)
        best_mota, best_idf1 = _best(runs, "mota"), _best(runs, "idf1")
        for r in runs:
            if r["status"] == "n/a":
                continue
            if r["status"] != "ok":
                rows.append([ds, _name(r["tracker"]), _status(r)] + [""] * 6)
                continue
            s = r["scores"]
            mota, idf1 = _pct(s["mota"]), _pct(s["idf1"])
            if not r["capped"] and s["mota"] == best_mota:
                mota = f"**{mota}**"
            if not r["capped"] and s["idf1"] == best_idf1:
                idf1 = f"**{idf1}**"
            rows.append(
                [ds, _label(r), mota, idf1, _int(s["idsw"]), _int(s["fp"]), _int(s["fn"])]
                + [_int(s["gt"]), f"{s['scans']}/{r['scans_total']}"]
            )
            if r["aura_same_scans"]:
                a = r["aura_same_scans"]
                rows.append(
                    [ds, f"AURA (same {a['scans']} scans)", _pct(a["mota"]), _pct(a["idf1"])]
                    + [_int(a["idsw"]), _int(a["fp"]), _int(a["fn"]), _int(a["gt"])]
                    + [f"{a['scans']}/{r['scans_total']}"]
                )
    return _table(head, rows)


def _speed(res: dict[str, Any]) -> list[str]:
    head = [
        "dataset",
        "tracker",
        "scans",
        "detections/scan",
        "ms/scan median",
        "ms/scan mean",
        "ms/scan p95",
        "detections/s",
        "time vs AURA",
    ]
    rows = []
    for group in ("MOT15", "synthetic"):
        for ds in _datasets(res, group):
            for r in _runs(res, ds):
                if r["status"] != "ok":
                    continue
                rows.append(
                    [ds, _label(r), str(r["scans"]), f"{r['dets_per_scan']:,.0f}"]
                    + [_ms(r["ms_median"]), _ms(r["ms_mean"]), _ms(r["ms_p95"])]
                    + [_int(r["dets_per_s"]), _ratio(r["time_vs_aura"])]
                )
    return _table(head, rows)


def _growth(res: dict[str, Any]) -> list[str]:
    rows = []
    for g in res["growth"]:
        rows.append(
            [
                _name(g["tracker"]),
                "points" if g["kind"] == "point" else "boxes",
                str(g["scans"]),
                _ms(g["ms_100"]),
                _ms(g["ms_1000"]),
                f"{g['exponent']:.2f}",
            ]
        )
    head = ["tracker", "kind", "scans", "ms/scan at 100", "ms/scan at 1,000", "exponent"]
    return _table(head, rows)


def _targets(res: dict[str, Any]) -> list[str]:
    """The performance targets of the tracker issue, checked against this run."""
    rows: list[list[str]] = []
    runs = res["runs"]

    def find(ds: str, key: str) -> dict[str, Any] | None:
        for r in runs:
            if r["dataset"] == ds and r["tracker"] == key and r["status"] == "ok":
                return r
        return None

    for metric, label in (("mota", "MOTA"), ("idf1", "IDF1")):
        gaps = []
        checked = 0
        for group in ("MOT15", "synthetic"):
            for ds in _datasets(res, group):
                aura = find(ds, "aura")
                if aura is None:
                    continue
                for r in _runs(res, ds):
                    if r["tracker"] == "aura" or r["status"] != "ok":
                        continue
                    mine = (r["aura_same_scans"] or aura["scores"])[metric]
                    checked += 1
                    if r["scores"][metric] > mine + 1e-12:
                        gaps.append(
                            f"{ds}: {_name(r['tracker'])} {_pct(r['scores'][metric])}"
                            f" > AURA {_pct(mine)}"
                        )
        ok = checked > 0 and not gaps
        rows.append(
            [
                f"{label} at least the best peer's on every dataset",
                "yes" if ok else ("not measured" if checked == 0 else "no: " + "; ".join(gaps)),
            ]
        )
    for ds, limit in (("points-1000", 5.0), ("boxes-1000", 12.0)):
        r = find(ds, "aura")
        if r is None:
            rows.append([f"{ds}: AURA at most {limit:g} ms/scan (mean)", "not measured"])
            continue
        ok = r["ms_mean"] <= limit
        rows.append(
            [
                f"{ds}: AURA at most {limit:g} ms/scan (mean)",
                f"{'yes' if ok else 'no'}: {_ms(r['ms_mean'])} mean, {_ms(r['ms_median'])} median",
            ]
        )
    bt = find("boxes-1000", "bytetrack")
    if bt is None:
        rows.append(["boxes-1000: at least 10× faster than ByteTrack", "not measured"])
    else:
        ok = bt["time_vs_aura"] >= 10
        rows.append(
            [
                "boxes-1000: at least 10× faster than ByteTrack",
                f"{'yes' if ok else 'no'}: {_ratio(bt['time_vs_aura'])}",
            ]
        )
    for kind in ("point", "box"):
        g = [x for x in res["growth"] if x["tracker"] == "aura" and x["kind"] == kind]
        name = "points" if kind == "point" else "boxes"
        if not g:
            rows.append([f"{name}: cost growth exponent below 1", "not measured"])
            continue
        e = g[0]["exponent"]
        rows.append(
            [f"{name}: cost growth exponent below 1", f"{'yes' if e < 1 else 'no'}: {e:.2f}"]
        )
    return _table(["target (issue 3)", "met"], rows, "ll")


def _trackers(res: dict[str, Any]) -> list[str]:
    info: dict[str, dict[str, Any]] = {}
    for r in res["runs"]:
        if r["status"] == "ok" and r["tracker"] not in info:
            info[r["tracker"]] = r["info"]
    rows = []
    for t in res["trackers"]:
        i = info.get(t["key"], {})
        st = res["setup"].get(t["key"], {})
        lib = i.get("library", " ".join(t["requirements"]) or "AURA")
        if st and not st.get("ok", True):
            lib += f" (not installed: {st.get('reason', '')})"
        env = f"`{t['venv']}` (numpy {i.get('numpy', '?')})"
        rows.append([t["name"], lib, env, i.get("config", "–"), i.get("output", "–")])
    return _table(["tracker", "package", "venv", "settings", "output scored"], rows, "lllll")


def markdown(res: dict[str, Any]) -> str:
    m = res["machine"]
    setup = res["setup"]
    built = {k: v for k, v in setup.items() if not v["skipped"]}
    if built:
        setup_txt = "; ".join(
            f"{_name(k)} {v['seconds']:.0f} s" + ("" if v["ok"] else " (failed)")
            for k, v in built.items()
        )
        setup_line = f"Peer venvs created in this run (in parallel): {setup_txt}."
    else:
        setup_line = "Peer venvs were already present (created on first run)."
    lines = [
        f"## {res['title']}",
        "",
        f"`{res['command']}` on {res['date']}, {res['total_s']:.0f} s in all. "
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM; Python {m['python']}, "
        f"numpy {m['numpy']} (AURA). Each tracker runs in its own process pinned to core "
        f"{m['run_core']} with OPENBLAS/OMP/MKL threads = 1; time is measured inside the "
        "process around the per-scan update call only (input objects built before, outputs "
        f"read after, no I/O). {setup_line}",
        "",
    ]
    lines += _load_line(m)
    lines += [
        "### Summary: MOTA % / IDF1 %",
        "",
    ]
    lines += _summary(res)
    lines += ["### Accuracy on MOT15 (public detections, train ground truth)", ""]
    lines += _accuracy(res, "MOT15")
    lines += ["### Accuracy on synthetic scenarios", ""]
    lines += _accuracy(res, "synthetic")
    lines += ["### Speed, one core", ""]
    lines += _speed(res)
    lines += ["### Growth of the cost per scan from 100 to 1,000 targets", ""]
    lines += [
        "log10(mean ms/scan at 1,000 / at 100), over the same first scans of both scenarios; "
        "1 is linear, 2 quadratic.",
        "",
    ]
    lines += _growth(res)
    lines += ["### Targets of the tracker issue", ""]
    lines += _targets(res)
    lines += ["### Trackers", ""]
    lines += _trackers(res)
    lines += ["### Notes", ""]
    lines += _notes(res)
    return "\n".join(lines).rstrip() + "\n"


def _load_line(m: dict[str, Any]) -> list[str]:
    others = m.get("others_cores")
    if others is None:
        return []
    text = (
        f"Other processes used {m['others_cpu_s']:.0f} CPU-seconds during the run (on average "
        f"{others:.2f} of the {m['cores']} cores; load average {m['load_at_start']} at the start)."
    )
    if others > 0.1:
        text += " The machine was not idle: timings may be inflated; rerun on a quiet machine."
    return [text, ""]


def _notes(res: dict[str, Any]) -> list[str]:
    notes = [
        f"- Matching for the metrics (motmetrics): boxes {res['metrics']['box_match']}, points "
        f"{res['metrics']['point_match']}. Each tracker is scored on what it reports as its "
        "tracks after each scan (see 'output scored'); MOT15 ground truth with conf=0 is ignored.",
        "- Synthetic scenarios (bench/tracker/scenarios.py, seeded): points at 10 Hz (0.3 m noise, "
        "p_d 0.9, one target per 400 m²), boxes at 30 fps in a virtual image with 20 targets per "
        "1920×1080 (noise 3% of the box for the centre, 5% for the size; occluded boxes are "
        "missed more and scored low); 70% pedestrians and 30% cars; targets appear, enter and "
        "leave; 30% of spawns are crossing pairs; clutter 0.05 false alarms per target per scan, "
        "mostly with low scores.",
        "- Every tracker gets the same detections, scores included. ByteTrack and AURA use the "
        "scores; norfair drops detections below its demo's detection_threshold 0.5; motpy and "
        "Stone Soup track every detection.",
    ]
    caps = [
        f"{_name(r['tracker'])} on {r['dataset']}: first {r['scans']} of {r['scans_total']} scans"
        for r in res["runs"]
        if r["status"] == "ok" and r["capped"]
    ]
    if caps:
        notes.append(
            "- † Run length capped because the tracker is slow at this size (its accuracy "
            "is then compared with AURA's on the same first scans, shown in the row below "
            "it; those scans include the start, when every target of the scenario appears at "
            "once, so they weigh how fast tracks are confirmed): " + "; ".join(caps) + "."
        )
    shared = [
        f"{_name(r['tracker'])} on {r['dataset']} ({100 * r['cpu_share']:.0f}%)"
        for r in res["runs"]
        if r["status"] == "ok" and r.get("cpu_share") is not None and r["cpu_share"] < 0.9
    ]
    if shared:
        notes.append(
            "- Timed calls that got less than 90% of their core (CPU time / wall time; another "
            "process shared the core): " + "; ".join(shared) + "."
        )
    na = sorted(
        {f"{_name(r['tracker'])} ({r['reason']})" for r in res["runs"] if r["status"] == "n/a"}
    )
    if na:
        notes.append("- Not applicable: " + "; ".join(na) + ".")
    bad = [
        f"{_name(r['tracker'])} on {r['dataset']}: {r['status']} ({r['reason']})"
        for r in res["runs"]
        if r["status"] in ("failed", "not installed")
    ]
    if bad:
        notes.append("- Could not run: " + "; ".join(bad) + ".")
    notes.append(
        "- Stone Soup uses DetectionKDTreeGNN2D, i.e. GNNWith2DAssignment with Stone Soup's k-d "
        "tree mix-in that hypothesises only detections near each track: the plain "
        "GNNWith2DAssignment hypothesises every track against every detection and took about "
        "0.6 s per scan at 100 points and 27 s per scan at 1,000 on this machine."
    )
    cfg = REPO / "services" / "tracker" / "domain" / "config.py"
    try:
        if "MOT15" in cfg.read_text():
            notes.append(
                "- AURA's BOX defaults were tuned on these same MOT15 train sequences "
                "(TrackerConfig's docstring); the peers run with their published defaults, so "
                "AURA's MOT15 numbers are in-sample."
            )
    except OSError:
        pass
    return notes + [""]
