// AURA dashboard: wires the generated clients, the resilient streams, the stores and the views.
import { timestampDate, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { makeClients, envoyUrl, type Clients } from "./client";
import { HealthState, type GetSystemStatusResponse } from "./gen/aura/admin/v1/admin_pb";
import {
  AlertKind,
  AlertSeverity,
  EventType,
  type Alert,
  type StreamEventsResponse,
} from "./gen/aura/analytics/v1/analytics_pb";
import { TrackStatus } from "./gen/aura/common/v1/common_pb";
import { ThreatEventType, type Threat } from "./gen/aura/fusion/v1/fusion_pb";
import { AlertStore, BannerStore, applyEvent } from "./state/alerts";
import { MetricsStore, keyName } from "./state/metrics";
import { detectRole, mayAcknowledge, type Role } from "./state/role";
import { ResilientStream, describeState, type StreamState } from "./state/stream";
import { startSynthetic } from "./state/synthetic";
import { TrackStore, type TrackSource } from "./state/tracks";
import { MapView } from "./ui/map";

const KEY_STORAGE = "aura.apiKey";
const ROLE_STORAGE = "aura.role";
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

function clockTime(ms: number): string {
  return ms ? new Date(ms).toISOString().slice(11, 19) : "—";
}

const HEALTH = ["unknown", "ok", "degraded", "down"];
const SEVERITY = ["", "info", "warning", "high", "critical"];

class Dashboard {
  private key = sessionStorage.getItem(KEY_STORAGE) ?? "";
  private role: Role = "unknown";
  private clients!: Clients;
  private source: TrackSource;
  private sourceChosen: boolean;
  private stores: Record<TrackSource, TrackStore> = {
    sensor: new TrackStore("sensor"),
    fused: new TrackStore("fused"),
  };
  private readonly alerts = new AlertStore();
  private readonly banners = new BannerStore();
  private readonly metrics = new MetricsStore();
  private readonly threats = new Map<string, Threat>();
  private map!: MapView;
  private streams: Record<string, ResilientStream<unknown>> = {};
  private streamStates: Record<string, StreamState> = {};
  private metricsKey = "";
  private metricsKeyChosen = false;
  private charts: uPlot[] = [];
  private analyticsState = "unknown";
  private notes: string[] = [];
  private stopSynthetic: (() => void) | null = null;
  /** `?sensors=a,b`: per-sensor tracks of these sensors only (e.g. for the bench). */
  private readonly sensorFilter: string[];
  /** `?synthetic=N`: N page-side synthetic tracks instead of the track stream (bench). */
  private readonly synthetic: number;

  constructor() {
    const q = new URLSearchParams(location.search);
    this.sensorFilter = (q.get("sensors") ?? "").split(",").filter(Boolean);
    this.synthetic = Number(q.get("synthetic") ?? 0);
    const wanted = q.get("tracks");
    this.source = wanted === "sensor" ? "sensor" : "fused";
    this.sourceChosen = wanted === "sensor" || wanted === "fused";
  }

  async start(): Promise<void> {
    const url = await envoyUrl();
    $("envoy-url").textContent = url;
    this.clients = makeClients(url, () => this.key);
    this.map = new MapView($<HTMLCanvasElement>("map"), () => this.stores[this.source], (id) =>
      this.select(id),
    );
    this.map.start();
    this.bindControls();
    this.makeStreams();
    this.connect();
    setInterval(() => this.refreshStatus(), 5000);
    setInterval(() => this.refreshRegistry(), 30000);
    setInterval(() => this.renderChrome(), 500);
    (window as unknown as { __aura: unknown }).__aura = {
      perf: this.map.perf,
      tracks: () =>
        [...this.stores[this.source].tracks.values()].map((t) => ({ id: t.id, x: t.x, y: t.y, status: t.status })),
      source: () => this.source,
      role: () => this.role,
      streams: () => ({ ...this.streamStates }),
      screenOf: (id: string) => this.map.screenOf(id),
    };
  }

  // ------------------------------------------------------------------ key & role

  private bindControls(): void {
    const input = $<HTMLInputElement>("api-key");
    input.value = this.key;
    $("key-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.key = input.value.trim();
      sessionStorage.setItem(KEY_STORAGE, this.key);
      sessionStorage.removeItem(ROLE_STORAGE);
      this.connect();
    });
    $("forget-key").addEventListener("click", () => {
      this.key = "";
      input.value = "";
      sessionStorage.removeItem(KEY_STORAGE);
      sessionStorage.removeItem(ROLE_STORAGE);
      this.connect();
    });
    for (const r of document.querySelectorAll<HTMLInputElement>("input[name=source]")) {
      r.checked = r.value === this.source;
      r.addEventListener("change", () => {
        if (!r.checked) return;
        this.sourceChosen = true;
        this.setSource(r.value as TrackSource);
      });
    }
    $<HTMLInputElement>("show-heatmap").addEventListener("change", (e) => {
      this.map.showHeatmap = (e.target as HTMLInputElement).checked;
      this.map.invalidate();
    });
    $<HTMLInputElement>("show-trails").addEventListener("change", (e) => {
      this.map.showTrails = (e.target as HTMLInputElement).checked;
      this.map.invalidate();
    });
    $("fit").addEventListener("click", () => this.map.fit());
    $("alert-history").addEventListener("click", () => void this.loadAlertHistory());
    $<HTMLSelectElement>("metrics-key").addEventListener("change", (e) => {
      this.metricsKey = (e.target as HTMLSelectElement).value;
      this.metricsKeyChosen = true;
      void this.loadMetricsHistory();
      this.renderCharts();
    });
  }

  private connect(): void {
    $("key-state").textContent = this.key ? "key set (this browser session)" : "no key";
    this.role = (sessionStorage.getItem(ROLE_STORAGE) as Role | null) ?? "unknown";
    for (const s of Object.values(this.stores)) s.clear();
    this.alerts.reset([]);
    if (this.synthetic > 0) {
      this.source = "sensor";
      this.stopSynthetic?.();
      this.stopSynthetic = startSynthetic(this.stores.sensor, this.synthetic);
      this.note(`synthetic feed: ${this.synthetic} page-side tracks (no track stream)`);
    } else {
      this.streams.tracks.restart();
    }
    this.streams.events.restart();
    this.streams.threats.restart();
    void this.refreshRegistry();
    void this.refreshStatus();
    void this.refreshRole();
    void this.loadHeatmap();
  }

  private async refreshRole(): Promise<void> {
    // Without a key too: with authentication off every call passes (the answer says admin).
    if (this.role !== "unknown") {
      this.renderRole();
      return;
    }
    try {
      this.role = await detectRole({
        listApiKeys: () => this.clients.admin.listApiKeys({ pageSize: 1 }),
        acknowledgeEmpty: () => this.clients.analytics.acknowledgeAlert({ alertId: "" }),
      });
      if (this.role !== "invalid" && this.key) sessionStorage.setItem(ROLE_STORAGE, this.role);
    } catch (err) {
      this.note(`role not known yet: ${String(err)}`);
      setTimeout(() => void this.refreshRole(), 5000);
    }
    this.renderRole();
    this.renderAlerts();
  }

  private renderRole(): void {
    const badge = $("role");
    badge.textContent = !this.key && this.role === "invalid" ? "no key" : this.role;
    badge.dataset.role = this.role;
  }

  // ------------------------------------------------------------------ streams

  private makeStreams(): void {
    const onState = (name: string) => (s: StreamState) => {
      this.streamStates[name] = s;
      if (name === "tracks" && s.kind === "unavailable" && this.source === "fused" && !this.sourceChosen) {
        this.note("Fusion is not available yet (UNIMPLEMENTED): showing per-sensor tracks.");
        this.setSource("sensor");
      }
      if (name === "events") this.analyticsState = s.kind;
      this.renderStreams();
    };
    this.streams.tracks = new ResilientStream<unknown>({
      name: "tracks",
      open: (signal, onHeader) =>
        this.source === "fused"
          ? this.clients.fusion.streamFusedTracks({ minIntervalMs: 100 }, { signal, onHeader })
          : this.clients.tracker.streamTracks({ filter: { sensorIds: this.sensorFilter } }, { signal, onHeader }),
      onOpen: () => this.stores[this.source].beginSnapshot(),
      onMessage: (m) => {
        const store = this.stores[this.source];
        const ev = m as Parameters<typeof TrackStore.needsReopen>[0];
        if (ev.$typeName === "aura.fusion.v1.StreamFusedTracksResponse") store.applyFusedEvent(ev);
        else store.applyTrackEvent(ev);
        if (TrackStore.needsReopen(ev)) this.streams.tracks.restart();
      },
      onState: onState("tracks"),
    });
    this.streams.events = new ResilientStream<unknown>({
      name: "events",
      open: (signal, onHeader) => {
        void this.loadActiveAlerts();
        return this.clients.analytics.streamEvents({ heartbeatSeconds: 5 }, { signal, onHeader });
      },
      onMessage: (m) => {
        const missed = applyEvent(m as StreamEventsResponse, this.alerts, this.banners, (ev) => this.otherEvent(ev));
        if (missed) void this.loadActiveAlerts();
        this.renderAlerts();
        this.renderBanners();
      },
      onState: onState("events"),
    });
    this.streams.threats = new ResilientStream<unknown>({
      name: "threats",
      open: (signal, onHeader) => {
        this.threats.clear();
        return this.clients.fusion.streamThreats({ minLevel: 1 }, { signal, onHeader });
      },
      onMessage: (m) => {
        const ev = m as { type: ThreatEventType; threat?: Threat };
        if (ev.type === ThreatEventType.MISSED) this.streams.threats.restart();
        const t = ev.threat;
        if (!t) return;
        if (t.level > 0) this.threats.set(t.globalId, t);
        else this.threats.delete(t.globalId);
        this.renderThreats();
      },
      onState: onState("threats"),
    });
  }

  private setSource(source: TrackSource): void {
    if (this.source === source) return;
    this.source = source;
    for (const r of document.querySelectorAll<HTMLInputElement>("input[name=source]")) r.checked = r.value === source;
    this.stores[source].clear();
    this.map.setHistory([]);
    this.streams.tracks.restart();
    this.map.invalidate();
  }

  private otherEvent(ev: StreamEventsResponse): void {
    const p = ev.payload;
    if (p.case === "metricsUpdate") {
      this.metrics.add(p.value);
      // the first sensor seen is charted until another key is chosen
      const key = keyName(p.value);
      if (!this.metricsKey || (!this.metricsKeyChosen && !this.metricsKey.startsWith("sensor") && key.startsWith("sensor"))) {
        this.metricsKey = key;
        void this.loadMetricsHistory();
      }
      this.renderCharts();
    } else if (p.case === "heatmapUpdate") {
      this.map.setHeatmap(p.value);
    } else if (p.case === "zoneEvent" && ev.type === EventType.ZONE_EVENT) {
      const z = p.value;
      this.note(`${z.globalId} ${["", "entered", "left", "dwells in", "crossed"][z.type] ?? "?"} ${z.zoneName || z.zoneId}`);
    }
  }

  // ------------------------------------------------------------------ unary reads

  private async refreshRegistry(): Promise<void> {
    try {
      const [zones, sensors] = await Promise.all([
        this.clients.admin.listZones({ pageSize: 1000 }),
        this.clients.admin.listSensors({ pageSize: 1000 }),
      ]);
      this.map.setZones(zones.zones);
      this.map.setSensors(sensors.sensors);
    } catch (err) {
      this.note(`zones and sensors: ${describe(err)}`);
    }
  }

  private async refreshStatus(): Promise<void> {
    try {
      this.renderStatus(await this.clients.admin.getSystemStatus({}));
    } catch (err) {
      $("status-body").replaceChildren(el("p", { class: "muted" }, `status not available: ${describe(err)}`));
    }
  }

  private async loadActiveAlerts(): Promise<void> {
    try {
      const resp = await this.clients.analytics.listActiveAlerts({});
      this.alerts.reset(resp.alerts);
      this.renderAlerts();
    } catch (err) {
      if (!(err instanceof ConnectError && err.code === Code.Unimplemented)) this.note(`alerts: ${describe(err)}`);
    }
  }

  private async loadAlertHistory(): Promise<void> {
    const box = $("alert-history-list");
    try {
      const resp = await this.clients.analytics.listAlertHistory({ pageSize: 50 });
      box.replaceChildren(
        ...resp.alerts.map((a) =>
          el(
            "li",
            { class: `sev-${SEVERITY[a.severity] ?? ""}` },
            `${clockTime(a.raisedAt ? timestampMs(a.raisedAt) : 0)} ${a.title}` +
              (a.acknowledged ? ` · ack ${a.acknowledgedBy}` : "") +
              (a.clearedAt ? " · cleared" : ""),
          ),
        ),
      );
      if (!resp.alerts.length) box.replaceChildren(el("li", { class: "muted" }, "no alerts in the history"));
    } catch (err) {
      box.replaceChildren(el("li", { class: "muted" }, unavailableText("analytics", err)));
    }
  }

  private async loadHeatmap(): Promise<void> {
    try {
      const resp = await this.clients.analytics.getHeatmap({ windowMinutes: 5 });
      this.map.setHeatmap(resp.heatmap ?? null);
    } catch {
      // analytics not there yet: the events stream's state says so
    }
  }

  private async loadMetricsHistory(): Promise<void> {
    const k = this.metricsKey;
    const m = /^(sensor|zone) (.+)$/.exec(k);
    if (!m) return;
    try {
      const resp = await this.clients.analytics.getMetricsHistory({
        sensorId: m[1] === "sensor" ? m[2] : "",
        zoneId: m[1] === "zone" ? m[2] : "",
        startTime: timestampFromMs(Date.now() - 15 * 60_000),
      });
      for (const p of resp.points) this.metrics.add(p);
      this.renderCharts();
    } catch {
      // live points still arrive
    }
  }

  private async select(id: string | null): Promise<void> {
    const store = this.stores[this.source];
    store.select(id);
    this.map.setHistory([]);
    this.renderSelection();
    if (!id) return;
    try {
      let pts: number[] = [];
      if (this.source === "fused") {
        const r = await this.clients.fusion.getFusedTrack({ globalId: id, trailSeconds: 120 });
        pts = r.trail.flatMap((p) => (p.position ? [p.position.x, p.position.y] : []));
      } else {
        const r = await this.clients.tracker.getTrackHistory({ trackId: id, limit: 0 });
        const t = store.tracks.get(id) ?? store.selection?.track;
        // history is in the track's own position frame: usable when that is the site frame
        if (t && !t.placed) pts = r.points.flatMap((p) => (p.position ? [p.position.x, p.position.y] : []));
        else if (t) pts = [...t.trail];
        $("history-count").textContent = `${r.points.length} points of history`;
      }
      if (store.selection?.id === id) this.map.setHistory(pts);
    } catch (err) {
      $("history-count").textContent = `history: ${describe(err)}`;
    }
  }

  // ------------------------------------------------------------------ actions

  private async acknowledge(alert: Alert, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const resp = await this.clients.analytics.acknowledgeAlert({ alertId: alert.alertId, comment: "from the dashboard" });
      if (resp.alert) this.alerts.put(resp.alert);
      this.note(`acknowledged ${alert.alertId}`);
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.PermissionDenied) {
        this.role = "viewer";
        sessionStorage.setItem(ROLE_STORAGE, this.role);
        this.renderRole();
      }
      this.note(`acknowledge ${alert.alertId}: ${describe(err)}`);
      button.disabled = false;
    }
    this.renderAlerts();
  }

  private note(text: string): void {
    if (!this.key && text.includes("Unauthenticated")) text = "enter an API key (authentication is on)";
    if (this.notes[0]?.endsWith(text)) return;
    this.notes.unshift(`${clockTime(Date.now())} ${text}`);
    this.notes.length = Math.min(this.notes.length, 8);
    $("notes").replaceChildren(...this.notes.map((n) => el("li", {}, n)));
  }

  // ------------------------------------------------------------------ rendering

  private renderChrome(): void {
    const store = this.stores[this.source];
    let drawn = 0;
    let unplaced = 0;
    for (const t of store.tracks.values()) {
      if (t.x === null) unplaced++;
      else drawn++;
    }
    const count = $("track-count");
    count.textContent =
      `${drawn} ${this.source === "fused" ? "fused" : "per-sensor"} tracks` +
      (unplaced ? ` (+${unplaced} camera tracks without homography, not drawn)` : "");
    count.dataset.count = String(drawn);
    const perf = this.map.perf.frameMs;
    if (perf.length > 10) {
      const recent = perf.slice(-60);
      const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
      $("fps").textContent = `${(1000 / mean).toFixed(0)} fps`;
    }
    this.renderSelection();
    this.renderBanners();
    this.renderStreams();
  }

  private renderStreams(): void {
    const box = $("streams");
    const items = Object.entries(this.streamStates).map(([name, s]) => {
      const label = name === "tracks" ? (this.source === "fused" ? "fused tracks" : "tracks") : name;
      return el("li", { id: `stream-${name}`, "data-state": s.kind, class: `stream ${s.kind}` }, describeState(label, s));
    });
    box.replaceChildren(...items);
    const analyticsMissing = this.analyticsState === "unavailable";
    $("alerts-unavailable").hidden = !analyticsMissing;
    $("metrics-unavailable").hidden = !analyticsMissing;
    $("threats-unavailable").hidden = this.streamStates.threats?.kind !== "unavailable";
  }

  private renderSelection(): void {
    const sel = this.stores[this.source].selection;
    const box = $("selection");
    if (!sel) {
      box.replaceChildren(el("p", { class: "muted" }, "Click a track on the map for its details and history."));
      $("history-count").textContent = "";
      return;
    }
    const t = sel.track;
    const rows: [string, string][] = [
      ["id", t.id],
      ["status", sel.ended ? `ended at ${clockTime(sel.endedAtMs ?? 0)}` : (TrackStatus[t.status] ?? "?").toLowerCase()],
      ["class", t.classLabel || "—"],
      ["confidence", t.confidence.toFixed(2)],
      ["position", t.x === null ? "not placed (no pose/homography)" : `${t.x.toFixed(1)}, ${t.y?.toFixed(1)} m${t.placed ? "" : " (sensor frame)"}`],
      ["speed", `${t.speedMps.toFixed(1)} m/s (${(t.speedMps * 3.6).toFixed(0)} km/h)`],
      ["sensors", t.sensorIds.join(", ")],
      ["updated", clockTime(t.updatedAtMs)],
    ];
    if (t.source === "fused") {
      rows.push(["threat", t.threatLevel ? `${t.threatLevel}: ${t.threatReason}` : "0"]);
      rows.push(["zones", t.zoneIds.join(", ") || "—"]);
    }
    box.replaceChildren(
      ...(sel.ended ? [el("p", { class: "ended", id: "selection-ended" }, "This track has ended; its last state is shown.")] : []),
      el("table", { class: "kv", id: "selection-table", "data-track-id": t.id }, ...rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, v)))),
    );
  }

  private renderAlerts(): void {
    const list = $("alerts-list");
    const canAck = mayAcknowledge(this.role);
    const rows = this.alerts.list().map((a) => {
      const li = el(
        "li",
        {
          class: `alert-row sev-${SEVERITY[a.severity] ?? ""}`,
          "data-alert-id": a.alertId,
          "data-kind": (AlertKind[a.kind] ?? "").toLowerCase(),
          "data-acknowledged": String(a.acknowledged),
        },
        el("span", { class: "sev" }, (AlertSeverity[a.severity] ?? "").toLowerCase()),
        el("span", { class: "title" }, a.title || `${AlertKind[a.kind]} alert`),
        el("span", { class: "when" }, clockTime(a.raisedAt ? timestampMs(a.raisedAt) : 0)),
      );
      if (a.acknowledged) {
        li.append(el("span", { class: "acked" }, `acknowledged by ${a.acknowledgedBy}`));
      } else if (canAck) {
        const b = el("button", { class: "ack", type: "button" }, "Acknowledge");
        b.addEventListener("click", () => void this.acknowledge(a, b));
        li.append(b);
      }
      return li;
    });
    list.replaceChildren(...rows);
    $("alerts-empty").hidden = rows.length > 0;
    $("alert-count").textContent = String(rows.length);
  }

  private renderBanners(): void {
    const box = $("banners");
    const current = this.banners.current();
    box.replaceChildren(
      ...current.map((b) => {
        const x = el("button", { class: "dismiss", type: "button", title: "dismiss" }, "×");
        x.addEventListener("click", () => {
          this.banners.dismiss(b.id);
          this.renderBanners();
        });
        return el("div", { class: `banner sev${b.severity}`, "data-broadcast-id": b.id }, `Broadcast: ${b.text} (${b.sender})`, x);
      }),
    );
  }

  private renderThreats(): void {
    const list = $("threats-list");
    const threats = [...this.threats.values()].sort((a, b) => b.level - a.level);
    list.replaceChildren(
      ...threats.map((t) => el("li", { class: `threat lvl${t.level}` }, `L${t.level} ${t.globalId} ${t.classLabel}: ${t.reason}`)),
    );
  }

  private renderStatus(s: GetSystemStatusResponse): void {
    const comp = s.components.map((c) =>
      el(
        "tr",
        { "data-name": c.name, "data-state": HEALTH[c.state] ?? "unknown" },
        el("td", {}, c.name),
        el("td", { class: `h-${HEALTH[c.state]}` }, HEALTH[c.state] ?? "unknown"),
        el("td", {}, `${c.latencyMs.toFixed(0)} ms`),
        el("td", { class: "detail" }, c.detail),
      ),
    );
    const lag = s.consumers.map((c) =>
      el(
        "tr",
        { "data-consumer": c.consumer },
        el("td", {}, `${c.stream}/${c.consumer}`),
        el("td", { class: `h-${HEALTH[c.state]}` }, HEALTH[c.state] ?? "unknown"),
        el("td", {}, `${c.pending} pending`),
        el("td", {}, `${c.ackPending} unacked`),
      ),
    );
    const sensors = s.sensors.map((x) =>
      el(
        "tr",
        {},
        el("td", {}, x.sensorId),
        el("td", { class: `h-${HEALTH[x.state]}` }, HEALTH[x.state] ?? "unknown"),
        el("td", {}, `${x.rateHz.toFixed(1)} Hz`),
        el("td", { class: "detail" }, x.detail),
      ),
    );
    $("overall").textContent = HEALTH[s.overall] ?? "unknown";
    $("overall").className = `h-${HEALTH[s.overall]}`;
    $("status-body").replaceChildren(
      el("table", { id: "status-table", class: "status" }, ...comp),
      el("h4", {}, "Consumer lag"),
      lag.length ? el("table", { class: "status" }, ...lag) : el("p", { class: "muted" }, "no durable consumers"),
      el("h4", {}, "Sensors"),
      sensors.length ? el("table", { class: "status" }, ...sensors) : el("p", { class: "muted" }, "no registered sensors"),
      el(
        "p",
        { class: "muted" },
        `auth ${s.authEnabled ? "on" : "OFF"} · TLS ${s.tlsEnabled ? "on" : "off"} · checked ${clockTime(s.checkedAt ? timestampDate(s.checkedAt).getTime() : 0)}`,
      ),
    );
    if (s.overall !== HealthState.OK) $("overall").title = "see the components below";
  }

  private renderCharts(): void {
    const sel = $<HTMLSelectElement>("metrics-key");
    const keys = this.metrics.keys();
    if (sel.options.length !== keys.length) {
      sel.replaceChildren(...keys.map((k) => el("option", { value: k }, k)));
    }
    sel.value = this.metricsKey;
    const s = this.metrics.series.get(this.metricsKey);
    if (!s) return;
    const specs: [string, number[], string][] = [
      ["unique tracks", s.count, "#4aa3ff"],
      ["mean speed (m/s)", s.speed, "#5fd38d"],
      ["congestion score", s.congestion, "#ff6b6b"],
    ];
    const box = $("charts");
    if (!this.charts.length) {
      const width = Math.max(240, Math.floor((box.clientWidth - 24) / 3));
      this.charts = specs.map(
        ([label, , colour]) =>
          new uPlot(
            {
              width,
              height: 150,
              title: label,
              legend: { show: false },
              // the last 15 minutes, ending at the newest window
              scales: {
                x: { time: true },
                y: label.startsWith("congestion") ? { range: [0, 1] } : { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
              },
              axes: [{ stroke: "#9aa4b2" }, { stroke: "#9aa4b2" }],
              series: [{}, { label, stroke: colour, width: 2, points: { show: true, size: 4 } }],
            },
            [[], []],
            box,
          ),
      );
    }
    const last = s.t.length ? s.t[s.t.length - 1] : Date.now() / 1000;
    specs.forEach(([, values], i) => {
      const chart = this.charts[i];
      chart.setData([s.t.slice(), values.slice()], false);
      // the last 15 minutes at most, 5 at least
      const min = Math.min(last - 300, Math.max(s.t[0] ?? last, last - 900));
      chart.setScale("x", { min, max: last + 15 });
    });
  }
}

function describe(err: unknown): string {
  if (err instanceof ConnectError) return `${Code[err.code]}: ${err.rawMessage}`;
  return String(err);
}

function unavailableText(service: string, err: unknown): string {
  if (err instanceof ConnectError && err.code === Code.Unimplemented)
    return `${service} is not available yet (UNIMPLEMENTED)`;
  return describe(err);
}

void new Dashboard().start();
