// Opens the dashboard in headless Debian Chromium (playwright-core) and samples, every
// `sample_s` seconds for `duration_s` seconds after a warm-up:
//   - frame times measured by the page itself (requestAnimationFrame deltas, and the time
//     each redraw took), from window.__aura.perf;
//   - memory: performance.memory.usedJSHeapSize and CDP Performance.getMetrics
//     (JSHeapUsedSize, Nodes, JSEventListeners), and the heap after a forced GC at the
//     start, at every sample (its floor: what the page really keeps) and at the end.
// Prints one JSON object per line: {"kind": "sample", ...} and a final {"kind": "summary"}.
import { createRequire } from "node:module";
import { join } from "node:path";

const args = JSON.parse(process.argv[2]);
const require = createRequire(join(args.web, "package.json"));
const { chromium } = require("playwright-core");
const emit = (o) => console.log(JSON.stringify(o));

const browser = await chromium.launch({
  executablePath: args.chromium,
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-precise-memory-info",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  await page.goto(args.url);
  await page.fill("#api-key", args.key);
  await page.click("#use-key");
  const count = () => page.evaluate(() => Number(document.getElementById("track-count").dataset.count));
  const started = Date.now();
  while ((await count()) < args.min_tracks && Date.now() - started < args.warmup_timeout_s * 1000) {
    await page.waitForTimeout(1000);
  }
  const reached = await count();
  emit({ kind: "warmup", tracks: reached, seconds: (Date.now() - started) / 1000, source: await page.evaluate(() => window.__aura.source()) });
  await page.waitForTimeout(args.settle_s * 1000);

  const metrics = async () => Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
  const heapAfterGc = async () => {
    await cdp.send("HeapProfiler.collectGarbage");
    return (await metrics()).JSHeapUsedSize;
  };
  const gcStart = await heapAfterGc();
  // read and clear the page's frame records
  const take = () =>
    page.evaluate(() => {
      const p = window.__aura.perf;
      const out = { frameMs: p.frameMs.splice(0), drawMs: p.drawMs.splice(0), frames: p.frames, draws: p.draws };
      return out;
    });
  await take();
  const t0 = Date.now();
  let all = [];
  let allDraw = [];
  while (Date.now() - t0 < args.duration_s * 1000) {
    // the page keeps at most 600 frame times: sample well within that
    const until = Math.min(t0 + args.duration_s * 1000, Date.now() + args.sample_s * 1000);
    let frameMs = [];
    let drawMs = [];
    while (Date.now() < until) {
      await page.waitForTimeout(Math.min(5000, until - Date.now()));
      const got = await take();
      frameMs = frameMs.concat(got.frameMs);
      drawMs = drawMs.concat(got.drawMs);
    }
    const m = await metrics();
    const used = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? null);
    // the floor of the heap: what stays after a full GC (one forced GC per sample)
    const floor = await heapAfterGc();
    all = all.concat(frameMs);
    allDraw = allDraw.concat(drawMs);
    emit({
      kind: "sample",
      t: (Date.now() - t0) / 1000,
      tracks: await count(),
      frameMs,
      drawMs,
      heapUsed: used ?? m.JSHeapUsedSize,
      heapAfterGc: floor,
      heapTotal: m.JSHeapTotalSize,
      nodes: m.Nodes,
      listeners: m.JSEventListeners,
    });
  }
  const gcEnd = await heapAfterGc();
  emit({ kind: "summary", frameMs: all, drawMs: allDraw, gcStart, gcEnd, seconds: (Date.now() - t0) / 1000 });
  if (args.screenshot) await page.screenshot({ path: args.screenshot });
} finally {
  await browser.close();
}
