"""The fusion unit tests build cameras with bench.fusion.scenario.Camera: put the repository
root on sys.path so `pytest tests/unit/fusion` finds `bench` however pytest is started."""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
