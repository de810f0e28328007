// The live picture: what the map draws, built from StreamTracks (per-sensor tracks) or
// StreamFusedTracks (fused tracks in the site frame). Pure state, no DOM: unit-tested.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { SensorKind, TrackStatus } from "../gen/aura/common/v1/common_pb";
import type { Track } from "../gen/aura/common/v1/common_pb";
import {
  FusedTrackEventType,
  type FusedTrack,
  type StreamFusedTracksResponse,
} from "../gen/aura/fusion/v1/fusion_pb";
import { TrackEventType, type StreamTracksResponse } from "../gen/aura/tracker/v1/tracker_pb";

export type TrackSource = "sensor" | "fused";

/** One track as the map shows it, in the site frame (metres). */
export interface TrackView {
  id: string;
  source: TrackSource;
  /** Position in metres in the site frame; null when it cannot be placed (camera without homography). */
  x: number | null;
  y: number | null;
  /** False when the position is the sensor frame used as is (no pose registered). */
  placed: boolean;
  vx: number;
  vy: number;
  status: TrackStatus;
  classLabel: string;
  confidence: number;
  speedMps: number;
  threatLevel: number;
  threatReason: string;
  sensorIds: string[];
  zoneIds: string[];
  updatedAtMs: number;
  /** Recent positions, oldest first, as x0, y0, x1, y1, … (at most trailLength points). */
  trail: number[];
}

export interface Selection {
  id: string;
  /** Latest known state (kept after the track ends). */
  track: TrackView;
  /** True once the track was deleted (or left the filter) while selected. */
  ended: boolean;
  endedAtMs: number | null;
}

function ms(ts: Timestamp | undefined): number {
  return ts ? timestampMs(ts) : 0;
}

export function viewOfTrack(t: Track): TrackView {
  let x: number | null = null;
  let y: number | null = null;
  let placed = false;
  if (t.worldPosition) {
    x = t.worldPosition.x;
    y = t.worldPosition.y;
    placed = true;
  } else if (t.sensorKind !== SensorKind.CAMERA && t.position) {
    // A point sensor with no pose in the registry: its own frame, shown as is.
    x = t.position.x;
    y = t.position.y;
  }
  return {
    id: t.id,
    source: "sensor",
    x,
    y,
    placed,
    vx: t.velocity?.vx ?? 0,
    vy: t.velocity?.vy ?? 0,
    status: t.status,
    classLabel: t.classLabel,
    confidence: t.confidence,
    speedMps: t.speedMps,
    threatLevel: 0,
    threatReason: "",
    sensorIds: [t.sensorId],
    zoneIds: [],
    updatedAtMs: ms(t.updatedAt),
    trail: [],
  };
}

export function viewOfFused(t: FusedTrack): TrackView {
  return {
    id: t.globalId,
    source: "fused",
    x: t.position?.x ?? 0,
    y: t.position?.y ?? 0,
    placed: true,
    vx: t.velocity?.vx ?? 0,
    vy: t.velocity?.vy ?? 0,
    status: t.status,
    classLabel: t.classLabel,
    confidence: t.confidence,
    speedMps: t.speedMps,
    threatLevel: t.threatLevel,
    threatReason: t.threatReason,
    sensorIds: [...new Set(t.contributors.map((c) => c.sensorId))],
    zoneIds: [...t.zoneIds],
    updatedAtMs: ms(t.updatedAt),
    trail: [],
  };
}

export class TrackStore {
  readonly tracks = new Map<string, TrackView>();
  selection: Selection | null = null;
  /** Grows with every change, so a renderer can skip frames with nothing new. */
  version = 0;
  /** True between a (re)connect and SNAPSHOT_COMPLETE. */
  snapshotting = false;
  /** Events that arrived since the store was made (for the status line and the bench). */
  events = 0;
  /** Tracks the stream said were dropped for this subscriber (MISSED). */
  missed = 0;
  private stale = new Set<string>();

  constructor(
    readonly source: TrackSource,
    readonly trailLength = 30,
    private readonly now: () => number = Date.now,
  ) {}

  /** A (re)connect: what is shown stays until the new snapshot says what still lives. */
  beginSnapshot(): void {
    this.snapshotting = true;
    this.stale = new Set(this.tracks.keys());
  }

  /** Snapshot complete: tracks not re-sent ended while the stream was down. */
  endSnapshot(): void {
    for (const id of this.stale) this.remove(id);
    this.stale.clear();
    this.snapshotting = false;
    this.version++;
  }

  upsert(view: TrackView): void {
    this.stale.delete(view.id);
    const old = this.tracks.get(view.id);
    const trail = old ? old.trail : [];
    if (view.x !== null && view.y !== null) {
      const n = trail.length;
      if (n < 2 || trail[n - 2] !== view.x || trail[n - 1] !== view.y) {
        trail.push(view.x, view.y);
        if (trail.length > 2 * this.trailLength) trail.splice(0, trail.length - 2 * this.trailLength);
      }
    }
    view.trail = trail;
    this.tracks.set(view.id, view);
    if (this.selection?.id === view.id) {
      this.selection = { id: view.id, track: view, ended: false, endedAtMs: null };
    }
    this.version++;
  }

  /** A track ended: gone from the map; if selected, the details keep its last state. */
  remove(id: string, last?: TrackView): void {
    const had = this.tracks.get(id);
    this.tracks.delete(id);
    this.stale.delete(id);
    if (this.selection?.id === id && !this.selection.ended) {
      const track = last ? { ...last, trail: had?.trail ?? last.trail } : (had ?? this.selection.track);
      this.selection = { id, track, ended: true, endedAtMs: this.now() };
    }
    this.version++;
  }

  clear(): void {
    for (const id of [...this.tracks.keys()]) this.remove(id);
    this.stale.clear();
    this.snapshotting = false;
  }

  select(id: string | null): void {
    if (id === null) {
      this.selection = null;
    } else {
      const t = this.tracks.get(id);
      this.selection = t ? { id, track: t, ended: false, endedAtMs: null } : null;
    }
    this.version++;
  }

  applyTrackEvent(ev: StreamTracksResponse): void {
    this.events++;
    switch (ev.type) {
      case TrackEventType.SNAPSHOT:
      case TrackEventType.NEW:
      case TrackEventType.UPDATED:
        if (ev.track) {
          if (ev.track.status === TrackStatus.DELETED) this.remove(ev.track.id, viewOfTrack(ev.track));
          else this.upsert(viewOfTrack(ev.track));
        }
        break;
      case TrackEventType.SNAPSHOT_COMPLETE:
        this.endSnapshot();
        break;
      case TrackEventType.DELETED:
        if (ev.track) this.remove(ev.track.id, viewOfTrack(ev.track));
        break;
      case TrackEventType.MISSED:
        this.missed += Number(ev.missed);
        break;
      default:
        break;
    }
  }

  applyFusedEvent(ev: StreamFusedTracksResponse): void {
    this.events++;
    switch (ev.type) {
      case FusedTrackEventType.SNAPSHOT:
      case FusedTrackEventType.NEW:
      case FusedTrackEventType.UPDATED:
        if (ev.fusedTrack) {
          if (ev.fusedTrack.status === TrackStatus.DELETED)
            this.remove(ev.fusedTrack.globalId, viewOfFused(ev.fusedTrack));
          else this.upsert(viewOfFused(ev.fusedTrack));
        }
        break;
      case FusedTrackEventType.SNAPSHOT_COMPLETE:
        this.endSnapshot();
        break;
      case FusedTrackEventType.DELETED:
      case FusedTrackEventType.LEFT_FILTER:
        if (ev.fusedTrack) this.remove(ev.fusedTrack.globalId, viewOfFused(ev.fusedTrack));
        break;
      case FusedTrackEventType.MISSED:
        this.missed += Number(ev.missed);
        break;
      default:
        break;
    }
  }

  /** Whether the stream asked to be re-opened (MISSED): the caller restarts it. */
  static needsReopen(ev: StreamTracksResponse | StreamFusedTracksResponse): boolean {
    return ev.$typeName === "aura.fusion.v1.StreamFusedTracksResponse"
      ? ev.type === FusedTrackEventType.MISSED
      : ev.type === TrackEventType.MISSED;
  }
}

const CLASS_COLOURS: Record<string, string> = {
  person: "#4aa3ff",
  car: "#ffb347",
  truck: "#ff8c42",
  bus: "#ff8c42",
  bicycle: "#5fd38d",
  motorcycle: "#9be15d",
};

export function classColour(label: string): string {
  return CLASS_COLOURS[label] ?? "#c0c6d0";
}

const THREAT_COLOURS = ["", "#f5e050", "#ffa630", "#ff4d4d", "#e040fb"];

/** Ring colour for a threat level 1..4; "" for 0. */
export function threatColour(level: number): string {
  return THREAT_COLOURS[Math.max(0, Math.min(4, level))] ?? "";
}
