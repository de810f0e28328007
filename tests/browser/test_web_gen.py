"""web/src/gen (TypeScript from proto/, committed like gen/python) must be exactly what
`buf generate` with web/buf.gen.yaml gives: never hand-edited, never stale."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed: protoc-gen-es needs it")
def test_typescript_code_is_up_to_date() -> None:
    assert NODE is not None
    if not (WEB / "node_modules" / ".bin" / "protoc-gen-es").exists():
        npm = shutil.which("npm")
        assert npm, "npm is missing beside node"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True, timeout=600)
    buf = Path(sys.executable).with_name("buf")
    env = dict(os.environ, BUF=str(buf)) if buf.exists() else dict(os.environ)
    proc = subprocess.run(
        [NODE, "scripts/gen.mjs", "--check"], cwd=WEB, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
