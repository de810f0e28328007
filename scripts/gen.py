"""Generate gen/python (protobuf + gRPC + .pyi) and gen/descriptor.binpb from proto/.

Usage: python scripts/gen.py [--check]
--check generates into a temporary folder and fails when gen/ differs (stale or hand-edited).
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import grpc_tools
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO = ROOT / "proto"
THIRD = ROOT / "third_party"
GEN = ROOT / "gen"


def generate(out: Path) -> None:
    py_out = out / "python"
    py_out.mkdir(parents=True, exist_ok=True)
    files = sorted(str(p.relative_to(PROTO)) for p in PROTO.rglob("*.proto"))
    wkt = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{PROTO}",
        f"-I{THIRD}",
        f"-I{wkt}",
        f"--python_out={py_out}",
        f"--pyi_out={py_out}",
        f"--grpc_python_out={py_out}",
        *files,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for d in py_out.rglob("*"):
        if d.is_dir() and d.name != "__pycache__":
            (d / "__init__.py").touch()
    buf = shutil.which("buf", path=str(Path(sys.executable).parent)) or "buf"
    subprocess.run(
        [buf, "build", "-o", str(out / "descriptor.binpb"), "--as-file-descriptor-set"],
        cwd=ROOT,
        check=True,
    )


def differ(a: Path, b: Path) -> list[str]:
    out: list[str] = []
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__"])
    out += [f"only in generated: {x}" for x in cmp.left_only]
    out += [f"only in gen/: {x}" for x in cmp.right_only]
    out += [f"differs: {x}" for x in cmp.diff_files]
    for sub in cmp.common_dirs:
        out += differ(a / sub, b / sub)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ns = ap.parse_args()
    if not ns.check:
        shutil.rmtree(GEN, ignore_errors=True)
        generate(GEN)
        return
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        # The descriptor set embeds no timestamps, so a byte comparison is fair.
        problems = differ(Path(tmp), GEN)
    if problems:
        print("gen/ is stale; run `make gen`:\n  " + "\n  ".join(problems))
        raise SystemExit(1)
    print("gen/ is up to date")


if __name__ == "__main__":
    main()
