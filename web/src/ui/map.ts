// The live map: one canvas in the site frame (x east, y north, metres), drawn on
// requestAnimationFrame only when something changed. Pan by dragging, zoom with the wheel,
// click a track for its details. Tracks are batched by colour so 1,000 of them stay cheap.
import type { Heatmap } from "../gen/aura/analytics/v1/analytics_pb";
import { ZoneKind, type Sensor, type Zone } from "../gen/aura/admin/v1/admin_pb";
import { TrackStatus } from "../gen/aura/common/v1/common_pb";
import { classColour, threatColour, type TrackStore, type TrackView } from "../state/tracks";

export interface FramePerf {
  /** Time between consecutive animation frames, ms (last 600). */
  frameMs: number[];
  /** Time spent drawing in a frame that drew, ms (last 600). */
  drawMs: number[];
  frames: number;
  draws: number;
}

/** Shortest time between two redraws, ms (a redraw every other frame at 60 Hz). */
const MIN_REDRAW_MS = 30;

/** Trail points drawn per track (the store keeps more for the details panel). */
const TRAIL_DRAWN = 12;

const ZONE_STYLE: Record<number, { fill: string; stroke: string }> = {
  [ZoneKind.PROTECTED]: { fill: "rgba(255,77,77,0.14)", stroke: "#ff6b6b" },
  [ZoneKind.MONITORING]: { fill: "rgba(74,163,255,0.10)", stroke: "#4aa3ff" },
  [ZoneKind.LANE]: { fill: "rgba(200,200,200,0.07)", stroke: "#9aa4b2" },
};

export class MapView {
  private readonly ctx: CanvasRenderingContext2D;
  /** Pixels per metre. */
  private scale = 8;
  /** World coordinates of the canvas centre. */
  private cx = 50;
  private cy = 30;
  private dirty = true;
  private drawnVersion = -1;
  private fitted = false;
  private zones: Zone[] = [];
  private sensors: Sensor[] = [];
  private heatmap: Heatmap | null = null;
  showHeatmap = true;
  showTrails = true;
  /** History of the selected track (site frame), drawn dashed. */
  private history: number[] = [];
  readonly perf: FramePerf = { frameMs: [], drawMs: [], frames: 0, draws: 0 };
  private lastFrame = 0;
  private lastDraw = -Infinity;
  private raf = 0;
  private readonly sprites = new Map<string, HTMLCanvasElement>();

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly store: () => TrackStore,
    private readonly onSelect: (id: string | null) => void,
  ) {
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("no 2d canvas");
    this.ctx = ctx;
    this.bind();
    new ResizeObserver(() => this.invalidate()).observe(canvas);
  }

  invalidate(): void {
    this.dirty = true;
  }

  setZones(zones: Zone[]): void {
    this.zones = zones;
    this.fitted = false;
    this.invalidate();
  }

  setSensors(sensors: Sensor[]): void {
    this.sensors = sensors;
    this.fitted = false;
    this.invalidate();
  }

  setHeatmap(h: Heatmap | null): void {
    this.heatmap = h;
    this.invalidate();
  }

  setHistory(points: number[]): void {
    this.history = points;
    this.invalidate();
  }

  start(): void {
    const tick = (t: number) => {
      if (this.lastFrame) {
        this.push(this.perf.frameMs, t - this.lastFrame);
      }
      this.lastFrame = t;
      this.perf.frames++;
      const store = this.store();
      // Redraw when something changed, at most ~30 times a second: with 1,000 tracks
      // updating, every frame has news, and the main thread also has to take the stream.
      if ((this.dirty || store.version !== this.drawnVersion) && t - this.lastDraw >= MIN_REDRAW_MS) {
        this.lastDraw = t;
        const t0 = performance.now();
        this.draw(store);
        this.push(this.perf.drawMs, performance.now() - t0);
        this.perf.draws++;
        this.drawnVersion = store.version;
        this.dirty = false;
      }
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  stop(): void {
    cancelAnimationFrame(this.raf);
  }

  private push(a: number[], v: number): void {
    a.push(v);
    if (a.length > 600) a.splice(0, a.length - 600);
  }

  // ---------------------------------------------------------------- coordinates

  private toScreen(x: number, y: number): [number, number] {
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    return [w / 2 + (x - this.cx) * this.scale, h / 2 - (y - this.cy) * this.scale];
  }

  private toWorld(px: number, py: number): [number, number] {
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    return [this.cx + (px - w / 2) / this.scale, this.cy - (py - h / 2) / this.scale];
  }

  /** Fit the view to the zones, sensors and tracks (once, and on "fit"). */
  fit(): void {
    const xs: number[] = [];
    const ys: number[] = [];
    for (const z of this.zones) {
      const g = z.geometry;
      const pts =
        g.case === "polygon" ? g.value.vertices : g.case === "line" ? [g.value.start, g.value.end] : [];
      for (const p of pts) if (p) (xs.push(p.x), ys.push(p.y));
    }
    for (const s of this.sensors) {
      const p = s.pose?.position;
      if (p) (xs.push(p.x), ys.push(p.y));
    }
    for (const t of this.store().tracks.values()) {
      if (t.x !== null && t.y !== null) (xs.push(t.x), ys.push(t.y));
    }
    if (xs.length < 2) return;
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const w = Math.max(1, this.canvas.clientWidth);
    const h = Math.max(1, this.canvas.clientHeight);
    this.cx = (x0 + x1) / 2;
    this.cy = (y0 + y1) / 2;
    this.scale = Math.max(0.05, Math.min(w / Math.max(10, (x1 - x0) * 1.15), h / Math.max(10, (y1 - y0) * 1.15)));
    this.fitted = true;
    this.invalidate();
  }

  // ---------------------------------------------------------------- input

  private bind(): void {
    const c = this.canvas;
    let drag: { x: number; y: number; cx: number; cy: number; moved: boolean } | null = null;
    c.addEventListener("pointerdown", (e) => {
      drag = { x: e.clientX, y: e.clientY, cx: this.cx, cy: this.cy, moved: false };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (drag.moved) {
        this.cx = drag.cx - dx / this.scale;
        this.cy = drag.cy + dy / this.scale;
        this.fitted = true;
        this.invalidate();
      }
    });
    c.addEventListener("pointerup", (e) => {
      const wasDrag = drag?.moved;
      drag = null;
      if (wasDrag) return;
      const r = c.getBoundingClientRect();
      this.onSelect(this.hit(e.clientX - r.left, e.clientY - r.top));
    });
    c.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const r = c.getBoundingClientRect();
        const px = e.clientX - r.left;
        const py = e.clientY - r.top;
        const [wx, wy] = this.toWorld(px, py);
        this.scale = Math.max(0.05, Math.min(400, this.scale * Math.exp(-e.deltaY * 0.0015)));
        const [nx, ny] = this.toWorld(px, py);
        this.cx += wx - nx;
        this.cy += wy - ny;
        this.fitted = true;
        this.invalidate();
      },
      { passive: false },
    );
  }

  /** The track nearest to a canvas point, within 10 px. */
  hit(px: number, py: number): string | null {
    let best: string | null = null;
    let bestD = 100;
    for (const t of this.store().tracks.values()) {
      if (t.x === null || t.y === null) continue;
      const [sx, sy] = this.toScreen(t.x, t.y);
      const d = (sx - px) ** 2 + (sy - py) ** 2;
      if (d < bestD) {
        bestD = d;
        best = t.id;
      }
    }
    return best;
  }

  /** Where a track is on the canvas (for tests and the bench). */
  screenOf(id: string): [number, number] | null {
    const t = this.store().tracks.get(id);
    if (!t || t.x === null || t.y === null) return null;
    return this.toScreen(t.x, t.y);
  }

  // ---------------------------------------------------------------- drawing

  private draw(store: TrackStore): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    if (!this.fitted) this.fit();
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#10151c";
    ctx.fillRect(0, 0, w, h);
    this.drawGrid(w, h);
    if (this.showHeatmap) this.drawHeatmap();
    this.drawZones();
    this.drawSensors();
    this.drawTracks(store);
    this.drawSelection(store);
  }

  private drawGrid(w: number, h: number): void {
    const ctx = this.ctx;
    const step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].find((s) => s * this.scale >= 40) ?? 1000;
    const [x0, y1] = this.toWorld(0, 0);
    const [x1, y0] = this.toWorld(w, h);
    ctx.strokeStyle = "rgba(255,255,255,0.05)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let x = Math.floor(x0 / step) * step; x <= x1; x += step) {
      const [sx] = this.toScreen(x, 0);
      ctx.moveTo(sx, 0);
      ctx.lineTo(sx, h);
    }
    for (let y = Math.floor(y0 / step) * step; y <= y1; y += step) {
      const [, sy] = this.toScreen(0, y);
      ctx.moveTo(0, sy);
      ctx.lineTo(w, sy);
    }
    ctx.stroke();
    ctx.fillStyle = "rgba(255,255,255,0.35)";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText(`grid ${step} m`, 8, h - 8);
  }

  private drawHeatmap(): void {
    const hm = this.heatmap;
    if (!hm || !hm.maxCount) return;
    const ctx = this.ctx;
    const half = hm.cellSizeM / 2;
    for (const cell of hm.cells) {
      const a = Math.min(0.35, 0.03 + (0.32 * cell.count) / hm.maxCount);
      ctx.fillStyle = `rgba(255,120,40,${a.toFixed(3)})`;
      const [sx, sy] = this.toScreen(cell.xM - half, cell.yM + half);
      const size = hm.cellSizeM * this.scale;
      ctx.fillRect(sx, sy, size, size);
    }
  }

  private drawZones(): void {
    const ctx = this.ctx;
    ctx.font = "12px system-ui, sans-serif";
    for (const z of this.zones) {
      if (z.enabled === false) continue;
      const g = z.geometry;
      if (g.case === "polygon") {
        const style = ZONE_STYLE[z.kind] ?? ZONE_STYLE[ZoneKind.MONITORING];
        ctx.beginPath();
        g.value.vertices.forEach((p, i) => {
          const [sx, sy] = this.toScreen(p.x, p.y);
          if (i === 0) ctx.moveTo(sx, sy);
          else ctx.lineTo(sx, sy);
        });
        ctx.closePath();
        ctx.fillStyle = style.fill;
        ctx.fill();
        ctx.strokeStyle = style.stroke;
        ctx.lineWidth = 1.5;
        ctx.stroke();
        const v = g.value.vertices[0];
        if (v) {
          const [sx, sy] = this.toScreen(v.x, v.y);
          ctx.fillStyle = style.stroke;
          ctx.fillText(z.name || z.zoneId, sx + 4, sy - 4);
        }
      } else if (g.case === "line" && g.value.start && g.value.end) {
        const [ax, ay] = this.toScreen(g.value.start.x, g.value.start.y);
        const [bx, by] = this.toScreen(g.value.end.x, g.value.end.y);
        ctx.strokeStyle = "#f5e050";
        ctx.lineWidth = 2;
        ctx.setLineDash([6, 4]);
        ctx.beginPath();
        ctx.moveTo(ax, ay);
        ctx.lineTo(bx, by);
        ctx.stroke();
        ctx.setLineDash([]);
        // arrow at the end: the line's direction (crossings are left/right of it)
        const ang = Math.atan2(by - ay, bx - ax);
        ctx.beginPath();
        ctx.moveTo(bx, by);
        ctx.lineTo(bx - 9 * Math.cos(ang - 0.4), by - 9 * Math.sin(ang - 0.4));
        ctx.lineTo(bx - 9 * Math.cos(ang + 0.4), by - 9 * Math.sin(ang + 0.4));
        ctx.closePath();
        ctx.fillStyle = "#f5e050";
        ctx.fill();
        ctx.fillText(z.name || z.zoneId, (ax + bx) / 2 + 4, (ay + by) / 2 - 6);
      }
    }
  }

  private drawSensors(): void {
    const ctx = this.ctx;
    ctx.font = "11px system-ui, sans-serif";
    const labelled = new Map<string, number>(); // sensors at one spot: labels stacked
    for (const s of this.sensors) {
      const p = s.pose?.position;
      if (!p) continue;
      const spot = `${p.x.toFixed(1)},${p.y.toFixed(1)}`;
      const stack = labelled.get(spot) ?? 0;
      labelled.set(spot, stack + 1);
      const [sx, sy] = this.toScreen(p.x, p.y);
      // heading: degrees clockwise from north; on screen north is up
      const a = ((s.pose?.headingDeg ?? 0) * Math.PI) / 180;
      const dx = Math.sin(a);
      const dy = -Math.cos(a);
      ctx.beginPath();
      ctx.moveTo(sx + 10 * dx, sy + 10 * dy);
      ctx.lineTo(sx - 6 * dx + 5 * dy, sy - 6 * dy - 5 * dx);
      ctx.lineTo(sx - 6 * dx - 5 * dy, sy - 6 * dy + 5 * dx);
      ctx.closePath();
      ctx.fillStyle = s.enabled === false ? "#555" : "#e8e8e8";
      ctx.fill();
      ctx.fillStyle = "#cfd6df";
      ctx.fillText(s.sensorId, sx + 9, sy + 14 + 13 * stack);
    }
  }

  /** A pre-drawn dot per colour and radius (hollow for tentative and coasting tracks). */
  private sprite(colour: string, r: number, hollow: boolean): HTMLCanvasElement {
    const dpr = window.devicePixelRatio || 1;
    const key = `${colour}|${r}|${hollow}|${dpr}`;
    let c = this.sprites.get(key);
    if (!c) {
      c = document.createElement("canvas");
      const size = Math.ceil((2 * r + 2) * dpr);
      c.width = c.height = size;
      const g = c.getContext("2d") as CanvasRenderingContext2D;
      g.scale(dpr, dpr);
      g.fillStyle = colour;
      g.beginPath();
      g.arc(r + 1, r + 1, r, 0, 2 * Math.PI);
      g.fill();
      if (hollow) {
        g.globalCompositeOperation = "destination-out";
        g.beginPath();
        g.arc(r + 1, r + 1, r / 2, 0, 2 * Math.PI);
        g.fill();
      }
      this.sprites.set(key, c);
    }
    return c;
  }

  private drawTracks(store: TrackStore): void {
    const ctx = this.ctx;
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    // inlined toScreen: no allocation per point (1,000 tracks x their trails per frame)
    const k = this.scale;
    const ox = w / 2 - this.cx * k;
    const oy = h / 2 + this.cy * k;
    const byColour = new Map<string, TrackView[]>();
    const threatened: TrackView[] = [];
    for (const t of store.tracks.values()) {
      if (t.x === null || t.y === null) continue;
      const sx = ox + t.x * k;
      const sy = oy - t.y * k;
      if (sx < -50 || sy < -50 || sx > w + 50 || sy > h + 50) continue;
      const colour = classColour(t.classLabel);
      let list = byColour.get(colour);
      if (!list) byColour.set(colour, (list = []));
      list.push(t);
      if (t.threatLevel > 0) threatened.push(t);
    }
    if (this.showTrails) {
      ctx.lineWidth = 1;
      ctx.globalAlpha = 0.45;
      const from = 2 * Math.max(0, TRAIL_DRAWN - 1);
      for (const [colour, list] of byColour) {
        ctx.strokeStyle = colour;
        ctx.beginPath();
        for (const t of list) {
          const tr = t.trail;
          const first = Math.max(0, tr.length - 2 - from);
          for (let i = first; i + 1 < tr.length; i += 2) {
            const sx = ox + tr[i] * k;
            const sy = oy - tr[i + 1] * k;
            if (i === first) ctx.moveTo(sx, sy);
            else ctx.lineTo(sx, sy);
          }
        }
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
    }
    const r = Math.round(Math.max(2.5, Math.min(6, this.scale * 0.6)) * 2) / 2;
    for (const [colour, list] of byColour) {
      const solid = this.sprite(colour, r, false);
      const hollow = this.sprite(colour, r, true);
      for (const t of list) {
        const img = t.status === TrackStatus.CONFIRMED ? solid : hollow;
        ctx.drawImage(img, ox + (t.x as number) * k - r - 1, oy - (t.y as number) * k - r - 1, 2 * r + 2, 2 * r + 2);
      }
    }
    ctx.lineWidth = 2;
    for (const t of threatened) {
      ctx.strokeStyle = threatColour(t.threatLevel);
      ctx.beginPath();
      ctx.arc(ox + (t.x as number) * k, oy - (t.y as number) * k, r + 4, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }

  private drawSelection(store: TrackStore): void {
    const sel = store.selection;
    if (!sel) return;
    const ctx = this.ctx;
    if (this.history.length >= 4) {
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 1.5;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      for (let i = 0; i + 1 < this.history.length; i += 2) {
        const [sx, sy] = this.toScreen(this.history[i], this.history[i + 1]);
        if (i === 0) ctx.moveTo(sx, sy);
        else ctx.lineTo(sx, sy);
      }
      ctx.stroke();
      ctx.setLineDash([]);
    }
    const t = sel.track;
    if (t.x === null || t.y === null) return;
    const [sx, sy] = this.toScreen(t.x, t.y);
    ctx.strokeStyle = sel.ended ? "#888" : "#ffffff";
    ctx.lineWidth = 2;
    ctx.setLineDash(sel.ended ? [3, 3] : []);
    ctx.beginPath();
    ctx.arc(sx, sy, 11, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#ffffff";
    ctx.font = "12px system-ui, sans-serif";
    ctx.fillText(sel.ended ? `${t.id} (ended)` : t.id, sx + 14, sy - 10);
  }
}
