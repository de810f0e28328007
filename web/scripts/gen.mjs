// Generate src/gen (TypeScript from ../proto with protoc-gen-es) by running `buf generate`
// with buf.gen.yaml. `--check` generates into a temporary folder and fails when src/gen
// differs (stale or hand-edited), as scripts/gen.py --check does for gen/python.
//
// buf comes from $BUF, else the Python venv (../.venv/bin/buf, installed by `make venv`),
// else PATH.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const web = dirname(dirname(fileURLToPath(import.meta.url)));
const venvBuf = join(web, "..", ".venv", "bin", "buf");
const buf = process.env.BUF || (existsSync(venvBuf) ? venvBuf : "buf");
const plugin = join(web, "node_modules", ".bin", "protoc-gen-es");
if (!existsSync(plugin)) {
  console.error("protoc-gen-es is missing: run `npm ci` in web/ first");
  process.exit(2);
}

function generate(outBase) {
  const args = ["generate", "--template", "buf.gen.yaml"];
  if (outBase) args.push("--output", outBase);
  execFileSync(buf, args, { cwd: web, stdio: "inherit" });
}

function files(root) {
  const out = new Map();
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(root, path), readFileSync(path, "utf8"));
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

if (!process.argv.includes("--check")) {
  generate();
  console.log("web/src/gen generated");
  process.exit(0);
}
const tmp = mkdtempSync(join(tmpdir(), "aura-web-gen-"));
try {
  generate(tmp);
  const fresh = files(join(tmp, "src", "gen"));
  const have = files(join(web, "src", "gen"));
  const problems = [];
  for (const [name, text] of fresh) {
    if (!have.has(name)) problems.push(`missing: ${name}`);
    else if (have.get(name) !== text) problems.push(`differs: ${name}`);
  }
  for (const name of have.keys()) if (!fresh.has(name)) problems.push(`not generated: ${name}`);
  if (problems.length) {
    console.error("web/src/gen is stale; run `make gen`:\n  " + problems.join("\n  "));
    process.exit(1);
  }
  console.log("web/src/gen is up to date");
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
