import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { TrackSchema, TrackStatus } from "../src/gen/aura/common/v1/common_pb";
import {
  StreamTracksResponseSchema,
  TrackEventType,
  type StreamTracksResponse,
} from "../src/gen/aura/tracker/v1/tracker_pb";
import { ResilientStream, backoffDelay, describeState, type StreamState } from "../src/state/stream";
import { TrackStore } from "../src/state/tracks";

function ev(type: TrackEventType, id?: string, x = 0, y = 0): StreamTracksResponse {
  return create(StreamTracksResponseSchema, {
    type,
    track: id
      ? create(TrackSchema, {
          id,
          sensorId: "radar_1",
          status: TrackStatus.CONFIRMED,
          position: { x, y, z: 0 },
          worldPosition: { x, y, z: 0 },
        })
      : undefined,
  });
}

/** A scripted server: each call to open() plays the next script, then ends or fails. */
class FakeServer {
  opened = 0;
  constructor(private readonly scripts: { events: StreamTracksResponse[]; then: "end" | "hang" | ConnectError }[]) {}

  open = (signal: AbortSignal, onHeader: (h: Headers) => void): AsyncIterable<StreamTracksResponse> => {
    const script = this.scripts[Math.min(this.opened, this.scripts.length - 1)];
    this.opened++;
    return (async function* () {
      // an error before any message comes as a trailers-only answer (grpc-status in the headers)
      const trailersOnly = script.events.length === 0 && script.then instanceof ConnectError;
      onHeader(new Headers(trailersOnly ? { "grpc-status": "14" } : {}));
      for (const e of script.events) yield e;
      if (script.then instanceof ConnectError) throw script.then;
      if (script.then === "hang") {
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
      }
    })();
  };
}

describe("backoffDelay", () => {
  it("grows by the factor up to the maximum", () => {
    const policy = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0, unavailableMs: 5000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, policy))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("spreads the delay by the jitter", () => {
    const policy = { initialMs: 1000, maxMs: 1000, factor: 2, jitter: 0.2, unavailableMs: 5000 };
    expect(backoffDelay(1, policy, () => 0)).toBe(800);
    expect(backoffDelay(1, policy, () => 1)).toBe(1200);
  });
});

describe("ResilientStream", () => {
  const policy = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0, unavailableMs: 5000 };

  it("reconnects with backoff after a drop, says so, and the new snapshot replaces the old picture", async () => {
    const store = new TrackStore("sensor");
    const server = new FakeServer([
      {
        events: [ev(TrackEventType.SNAPSHOT, "a", 1, 1), ev(TrackEventType.SNAPSHOT, "b", 2, 2), ev(TrackEventType.SNAPSHOT_COMPLETE)],
        then: new ConnectError("upstream connect error", Code.Unavailable),
      },
      { events: [], then: new ConnectError("connection refused", Code.Unavailable) },
      // back: "a" ended while the stream was down, "b" moved, "c" is new
      {
        events: [ev(TrackEventType.SNAPSHOT, "b", 3, 3), ev(TrackEventType.SNAPSHOT, "c", 5, 5), ev(TrackEventType.SNAPSHOT_COMPLETE)],
        then: "hang",
      },
    ]);
    const states: StreamState[] = [];
    const sleeps: number[] = [];
    const picturesDuringDrop: string[][] = [];
    let stream: ResilientStream<StreamTracksResponse> | null = null;
    const live = new Promise<void>((resolve) => {
      stream = new ResilientStream<StreamTracksResponse>({
        name: "tracks",
        open: server.open,
        onOpen: () => store.beginSnapshot(),
        onMessage: (m) => store.applyTrackEvent(m),
        onState: (s) => {
          states.push(s);
          if (s.kind === "live" && s.reconnects === 1) resolve();
        },
        policy,
        sleep: async (ms) => {
          sleeps.push(ms);
          picturesDuringDrop.push([...store.tracks.keys()]);
        },
      });
    });
    stream!.start();
    await live;
    // wait until the snapshot after the reconnect is applied
    await new Promise((r) => setTimeout(r, 0));

    expect(server.opened).toBe(3);
    expect(sleeps).toEqual([100, 200]);
    // while the stream was down the last picture stayed on screen
    expect(picturesDuringDrop[0]).toEqual(["a", "b"]);
    expect([...store.tracks.keys()].sort()).toEqual(["b", "c"]);
    expect(store.tracks.get("b")?.x).toBe(3);
    expect(store.tracks.get("b")?.trail).toEqual([2, 2, 3, 3]);
    const kinds = states.map((s) => s.kind);
    expect(kinds).toEqual(["connecting", "live", "retrying", "connecting", "retrying", "connecting", "live"]);
    const dropped = states[2];
    expect(describeState("tracks", dropped)).toMatch(/stream dropped \(Unavailable: upstream connect error\); retrying in 0\.1 s/);
    expect(describeState("tracks", states[6])).toBe("tracks: live (reconnected ×1)");
    stream!.stop();
    await stream!.finished;
    expect(stream!.state.kind).toBe("stopped");
  });

  it("treats a stream the server ends as a drop", async () => {
    const server = new FakeServer([
      { events: [ev(TrackEventType.SNAPSHOT_COMPLETE)], then: "end" },
      { events: [ev(TrackEventType.SNAPSHOT_COMPLETE)], then: "hang" },
    ]);
    const states: StreamState[] = [];
    const s = new ResilientStream<StreamTracksResponse>({
      name: "tracks",
      open: server.open,
      onMessage: () => {},
      onState: (st) => states.push(st),
      policy,
      sleep: async () => {},
    });
    s.start();
    await new Promise((r) => setTimeout(r, 5));
    expect(states.map((x) => x.kind)).toEqual(["connecting", "live", "retrying", "connecting", "live"]);
    expect(states[2]).toMatchObject({ kind: "retrying", error: "stream ended", delayMs: 100 });
    s.stop();
    await s.finished;
  });

  it("says a service is not available yet on UNIMPLEMENTED and checks again later", async () => {
    const server = new FakeServer([
      { events: [], then: new ConnectError("belongs to the analytics issue", Code.Unimplemented) },
      { events: [], then: "hang" },
    ]);
    const states: StreamState[] = [];
    const sleeps: number[] = [];
    const s = new ResilientStream<StreamTracksResponse>({
      name: "events",
      open: server.open,
      onMessage: () => {},
      onState: (st) => states.push(st),
      policy,
      sleep: async (ms) => void sleeps.push(ms),
    });
    s.start();
    await new Promise((r) => setTimeout(r, 5));
    expect(states.map((x) => x.kind)).toEqual(["connecting", "unavailable", "connecting", "live"]);
    expect(states[1]).toMatchObject({ kind: "unavailable", delayMs: 5000 });
    expect(describeState("events", states[1])).toContain("service not available yet");
    expect(sleeps).toEqual([5000]);
    expect(server.opened).toBe(2);
    s.stop();
    await s.finished;
  });

  it("stops retrying when the key is refused, until restarted", async () => {
    const server = new FakeServer([
      { events: [], then: new ConnectError("unknown key", Code.Unauthenticated) },
      { events: [], then: "hang" },
    ]);
    const states: StreamState[] = [];
    const s = new ResilientStream<StreamTracksResponse>({
      name: "tracks",
      open: server.open,
      onMessage: () => {},
      onState: (st) => states.push(st),
      policy,
      sleep: async () => {},
    });
    s.start();
    await s.finished;
    expect(states.at(-1)).toMatchObject({ kind: "denied", code: "unauthenticated" });
    expect(server.opened).toBe(1);
    s.restart();
    await new Promise((r) => setTimeout(r, 5));
    expect(server.opened).toBe(2);
    expect(s.state.kind).toBe("live");
    s.stop();
    await s.finished;
  });
});
