// A page-side synthetic feed for the bench (`?synthetic=N`): N targets moving on a
// 100 m x 60 m site, sent through the same TrackStore path as StreamTracks events, so the
// page's state handling and drawing are measured without the mesh's load on the machine.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { SensorKind, TrackSchema, TrackStatus } from "../gen/aura/common/v1/common_pb";
import { StreamTracksResponseSchema, TrackEventType } from "../gen/aura/tracker/v1/tracker_pb";
import type { TrackStore } from "./tracks";

const LABELS = ["person", "person", "car", "bicycle"];

export function startSynthetic(store: TrackStore, count: number, hz = 2, seed = 1): () => void {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  let next = 0;
  const spawn = () => {
    const label = LABELS[Math.floor(rand() * LABELS.length)];
    const speed = { person: 1.4, car: 8, bicycle: 4 }[label] ?? 1;
    const a = rand() * 2 * Math.PI;
    return { id: `synthetic-${next++}`, x: 10 + 80 * rand(), y: 10 + 40 * rand(), vx: speed * Math.cos(a), vy: speed * Math.sin(a), label };
  };
  const targets = Array.from({ length: count }, spawn);
  const send = (type: TrackEventType, t: (typeof targets)[number], status = TrackStatus.CONFIRMED) =>
    store.applyTrackEvent(
      create(StreamTracksResponseSchema, {
        type,
        track: create(TrackSchema, {
          id: t.id,
          sensorId: "synthetic",
          sensorKind: SensorKind.RADAR,
          status,
          position: { x: t.x, y: t.y },
          worldPosition: { x: t.x, y: t.y },
          velocity: { vx: t.vx, vy: t.vy },
          classLabel: t.label,
          confidence: 0.9,
          speedMps: Math.hypot(t.vx, t.vy),
          updatedAt: timestampFromMs(Date.now()),
        }),
      }),
    );
  store.beginSnapshot();
  for (const t of targets) send(TrackEventType.SNAPSHOT, t);
  store.applyTrackEvent(create(StreamTracksResponseSchema, { type: TrackEventType.SNAPSHOT_COMPLETE }));
  // Every target is updated `hz` times a second, spread over 10 ticks a second.
  const perTick = Math.max(1, Math.round((count * hz) / 10));
  let cursor = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < perTick; i++) {
      const k = cursor++ % targets.length;
      const t = targets[k];
      const dt = 1 / hz;
      t.x += t.vx * dt;
      t.y += t.vy * dt;
      if (t.x < 0 || t.x > 100 || t.y < 0 || t.y > 60) {
        send(TrackEventType.DELETED, t, TrackStatus.DELETED);
        targets[k] = spawn();
        send(TrackEventType.NEW, targets[k]);
      } else {
        send(TrackEventType.UPDATED, t);
      }
    }
  }, 100);
  return () => clearInterval(timer);
}
