import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { SensorKind, TrackSchema, TrackStatus } from "../src/gen/aura/common/v1/common_pb";
import {
  FusedTrackEventType,
  FusedTrackSchema,
  StreamFusedTracksResponseSchema,
} from "../src/gen/aura/fusion/v1/fusion_pb";
import { StreamTracksResponseSchema, TrackEventType } from "../src/gen/aura/tracker/v1/tracker_pb";
import { TrackStore } from "../src/state/tracks";

const track = (id: string, x: number, y: number, extra: Record<string, unknown> = {}) =>
  create(TrackSchema, {
    id,
    sensorId: "radar_1",
    sensorKind: SensorKind.RADAR,
    status: TrackStatus.CONFIRMED,
    position: { x, y },
    worldPosition: { x, y },
    classLabel: "person",
    ...extra,
  });

const event = (type: TrackEventType, t?: ReturnType<typeof track>) =>
  create(StreamTracksResponseSchema, { type, track: t });

describe("TrackStore", () => {
  it("keeps a track deleted while selected as the selection, marked ended, with its last state", () => {
    let now = 1000;
    const store = new TrackStore("sensor", 30, () => now);
    store.applyTrackEvent(event(TrackEventType.SNAPSHOT, track("radar_1-1", 1, 1)));
    store.applyTrackEvent(event(TrackEventType.SNAPSHOT, track("radar_1-2", 9, 9)));
    store.applyTrackEvent(event(TrackEventType.SNAPSHOT_COMPLETE));
    store.select("radar_1-1");
    store.applyTrackEvent(event(TrackEventType.UPDATED, track("radar_1-1", 2, 1)));
    expect(store.selection).toMatchObject({ id: "radar_1-1", ended: false });
    expect(store.selection?.track.x).toBe(2);

    now = 5000;
    const before = store.version;
    store.applyTrackEvent(event(TrackEventType.DELETED, track("radar_1-1", 2.5, 1, { status: TrackStatus.DELETED })));
    expect(store.version).toBeGreaterThan(before);
    expect(store.tracks.has("radar_1-1")).toBe(false);
    expect(store.selection).toMatchObject({ id: "radar_1-1", ended: true, endedAtMs: 5000 });
    expect(store.selection?.track.x).toBe(2.5);
    // the trail it had is kept for the details panel
    expect(store.selection?.track.trail).toEqual([1, 1, 2, 1]);

    // other tracks go on; updates of others do not revive or move the ended selection
    store.applyTrackEvent(event(TrackEventType.UPDATED, track("radar_1-2", 9, 10)));
    expect(store.selection).toMatchObject({ id: "radar_1-1", ended: true });
    // a click elsewhere selects the live track; a click on nothing clears
    store.select("radar_1-2");
    expect(store.selection).toMatchObject({ id: "radar_1-2", ended: false });
    store.select(null);
    expect(store.selection).toBeNull();
  });

  it("ends the selection when the new snapshot after a reconnect no longer has the track", () => {
    const store = new TrackStore("sensor");
    store.applyTrackEvent(event(TrackEventType.SNAPSHOT, track("a", 1, 1)));
    store.applyTrackEvent(event(TrackEventType.SNAPSHOT_COMPLETE));
    store.select("a");
    store.beginSnapshot();
    expect(store.tracks.has("a")).toBe(true); // still shown while reconnecting
    store.applyTrackEvent(event(TrackEventType.SNAPSHOT, track("b", 1, 1)));
    store.applyTrackEvent(event(TrackEventType.SNAPSHOT_COMPLETE));
    expect([...store.tracks.keys()]).toEqual(["b"]);
    expect(store.selection).toMatchObject({ id: "a", ended: true });
  });

  it("drops fused tracks that are deleted or leave the filter, and keeps threat levels", () => {
    const store = new TrackStore("fused");
    const fused = (id: string, threat = 0) =>
      create(StreamFusedTracksResponseSchema, {
        type: FusedTrackEventType.UPDATED,
        fusedTrack: create(FusedTrackSchema, {
          globalId: id,
          status: TrackStatus.CONFIRMED,
          position: { x: 1, y: 2 },
          threatLevel: threat,
          threatReason: threat ? "inside protected zone gate" : "",
          contributors: [{ sensorId: "radar_1" }, { sensorId: "camera_1" }, { sensorId: "radar_1" }],
        }),
      });
    store.applyFusedEvent(fused("g-1", 3));
    store.applyFusedEvent(fused("g-2"));
    expect(store.tracks.get("g-1")).toMatchObject({ threatLevel: 3, sensorIds: ["radar_1", "camera_1"] });
    store.select("g-2");
    store.applyFusedEvent(create(StreamFusedTracksResponseSchema, { ...fused("g-2"), type: FusedTrackEventType.LEFT_FILTER }));
    expect(store.tracks.has("g-2")).toBe(false);
    expect(store.selection).toMatchObject({ id: "g-2", ended: true });
    expect(TrackStore.needsReopen(create(StreamFusedTracksResponseSchema, { type: FusedTrackEventType.MISSED }))).toBe(true);
    expect(TrackStore.needsReopen(event(TrackEventType.MISSED))).toBe(true);
    expect(TrackStore.needsReopen(event(TrackEventType.UPDATED, track("x", 0, 0)))).toBe(false);
  });

  it("places camera tracks only through the world position, and bounds trails", () => {
    const store = new TrackStore("sensor", 3);
    store.applyTrackEvent(
      event(TrackEventType.NEW, track("cam-1", 640, 360, { sensorKind: SensorKind.CAMERA, worldPosition: undefined })),
    );
    expect(store.tracks.get("cam-1")).toMatchObject({ x: null, y: null, placed: false });
    store.applyTrackEvent(event(TrackEventType.NEW, track("r", 0, 0, { worldPosition: undefined })));
    expect(store.tracks.get("r")).toMatchObject({ x: 0, y: 0, placed: false });
    for (let i = 1; i <= 5; i++) store.applyTrackEvent(event(TrackEventType.UPDATED, track("r", i, 0)));
    expect(store.tracks.get("r")?.trail).toEqual([3, 0, 4, 0, 5, 0]);
  });
});
