// Metrics over time per sensor or zone, from METRICS_UPDATE events (one closed window each).
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { MetricsScope, type WindowMetrics } from "../gen/aura/analytics/v1/analytics_pb";

export interface Series {
  key: string;
  t: number[]; // window end, seconds since the epoch
  count: number[]; // unique tracks
  speed: number[]; // mean speed m/s
  congestion: number[]; // score 0..1
}

export function keyName(m: WindowMetrics): string {
  const k = m.key;
  if (!k) return "?";
  switch (k.scope) {
    case MetricsScope.ZONE:
      return `zone ${k.zoneId}`;
    case MetricsScope.LANE:
      return `lane ${k.laneId}${k.sensorId ? ` (${k.sensorId})` : ""}`;
    default:
      return `sensor ${k.sensorId}`;
  }
}

export class MetricsStore {
  readonly series = new Map<string, Series>();
  version = 0;
  constructor(readonly maxPoints = 240) {}

  add(m: WindowMetrics): void {
    const key = keyName(m);
    let s = this.series.get(key);
    if (!s) {
      s = { key, t: [], count: [], speed: [], congestion: [] };
      this.series.set(key, s);
    }
    const t = (m.windowEnd ? timestampMs(m.windowEnd) : Date.now()) / 1000;
    const n = s.t.length;
    if (n && t <= s.t[n - 1]) {
      if (t < s.t[n - 1]) return; // late and out of order: the chart keeps time order
      s.count[n - 1] = Number(m.uniqueTracks);
      s.speed[n - 1] = m.meanSpeedMps;
      s.congestion[n - 1] = m.congestionScore;
    } else {
      s.t.push(t);
      s.count.push(Number(m.uniqueTracks));
      s.speed.push(m.meanSpeedMps);
      s.congestion.push(m.congestionScore);
      if (s.t.length > this.maxPoints) {
        for (const a of [s.t, s.count, s.speed, s.congestion]) a.shift();
      }
    }
    this.version++;
  }

  keys(): string[] {
    return [...this.series.keys()].sort();
  }
}
