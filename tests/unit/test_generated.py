"""gen/ must be exactly what the protos give: never hand-edited, never stale."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_code_and_descriptor_are_up_to_date():
    proc = subprocess.run(
        [sys.executable, "scripts/gen.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
