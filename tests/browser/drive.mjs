// Drives the dashboard in headless Debian Chromium with playwright-core, as a person would:
// types the API key, looks at the map, the status and the alerts, clicks buttons.
// Called by tests/browser/test_dashboard.py with one JSON argument:
//   {"step": "...", "url": "...", "key": "...", "artifacts": "DIR", ...}
// and prints one JSON object with what it saw (the Python test asserts on it).
// Exit code 0 even when a check fails: the JSON says what failed, pytest decides.
import { createRequire } from "node:module";
import { join } from "node:path";

const args = JSON.parse(process.argv[2]);
const require = createRequire(join(args.web, "package.json"));
const { chromium } = require("playwright-core");

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
  ],
});
const out = { step: args.step, console: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on("console", (m) => {
    if (m.type() === "error") out.console.push(m.text());
  });
  page.on("pageerror", (e) => out.console.push(`pageerror: ${e.message}`));
  await page.goto(args.url + (args.query ?? ""));
  await page.fill("#api-key", args.key);
  await page.click("#use-key");
  const loadedAt = Date.now();

  // The role badge settles once the page has asked the mesh (see web/src/state/role.ts).
  await page
    .waitForFunction(() => !["unknown", "no key"].includes(document.getElementById("role").textContent), null, {
      timeout: 15000,
    })
    .catch(() => {});
  out.role = await page.textContent("#role");

  if (args.step === "tracks") {
    // Tracks appear: the count shown above the map, and the tracks the map draws.
    const appeared = await page
      .waitForFunction(() => Number(document.getElementById("track-count").dataset.count) > 0, null, {
        timeout: args.within_ms,
      })
      .then(() => true)
      .catch(() => false);
    out.tracks_appeared = appeared;
    out.track_count_text = await page.textContent("#track-count");
    out.first = await page.evaluate(() => window.__aura.tracks());
    // ... and move: some track drawn now is somewhere else a moment later.
    const remaining = Math.max(0, args.within_ms - (Date.now() - loadedAt));
    out.moved = await page
      .waitForFunction(
        (first) => {
          const before = new Map(first.filter((t) => t.x !== null).map((t) => [t.id, t]));
          return window.__aura
            .tracks()
            .some((t) => before.has(t.id) && t.x !== null && Math.hypot(t.x - before.get(t.id).x, t.y - before.get(t.id).y) > 0.05);
        },
        out.first,
        { timeout: Math.max(remaining, 1) },
      )
      .then(() => true)
      .catch(() => false);
    out.source = await page.evaluate(() => window.__aura.source());
    // Status shows every service.
    await page.waitForSelector("#status-table tr[data-name]", { timeout: 10000 }).catch(() => {});
    out.status = await page.$$eval("#status-table tr[data-name]", (rows) =>
      Object.fromEntries(rows.map((r) => [r.dataset.name, r.dataset.state])),
    );
    out.streams = await page.$$eval("#streams li", (items) =>
      Object.fromEntries(items.map((i) => [i.id, { state: i.dataset.state, text: i.textContent }])),
    );
    // Click a drawn track: its details show.
    const target = await page.evaluate(() => {
      const t = window.__aura.tracks().find((x) => x.x !== null);
      return t ? { id: t.id, at: window.__aura.screenOf(t.id) } : null;
    });
    if (target && target.at) {
      const box = await page.locator("#map").boundingBox();
      await page.mouse.click(box.x + target.at[0], box.y + target.at[1]);
      out.selected = await page
        .waitForSelector("#selection-table", { timeout: 3000 })
        .then((e) => e.getAttribute("data-track-id"))
        .catch(() => null);
    }
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(args.artifacts, "dashboard-tracks.png") });
  }

  if (args.step === "alerts") {
    // A congestion alert is listed (the test's thresholds keep it active; a threat alert
    // may clear at any time); say whether this key gets an acknowledge button, and use it.
    const open = ".alert-row[data-kind=congestion][data-acknowledged=false]";
    out.alert_listed = await page
      .waitForSelector(open, { timeout: args.alert_timeout_ms })
      .then(() => true)
      .catch(() => false);
    out.events_stream = await page
      .$eval("#stream-events", (e) => ({ state: e.dataset.state, text: e.textContent }))
      .catch(() => null);
    out.ack_buttons = await page.locator(".alert-row button.ack").count();
    if (args.acknowledge && out.ack_buttons > 0) {
      const row = page.locator(open).first();
      out.alert_id = await row.getAttribute("data-alert-id");
      await row.locator("button.ack").click();
      out.acknowledged = await page
        .waitForSelector(`.alert-row[data-alert-id="${out.alert_id}"][data-acknowledged=true]`, { timeout: 10000 })
        .then(() => true)
        .catch(() => false);
      out.acknowledged_text = await page
        .$eval(`.alert-row[data-alert-id="${out.alert_id}"] .acked`, (e) => e.textContent)
        .catch(() => null);
    }
    out.notes = await page.$$eval("#notes li", (items) => items.map((i) => i.textContent));
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(args.artifacts, `dashboard-alerts-${out.role}.png`) });
    if (args.readme_screenshot) await page.screenshot({ path: args.readme_screenshot });
  }
} catch (err) {
  out.error = String(err && err.stack ? err.stack : err);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
