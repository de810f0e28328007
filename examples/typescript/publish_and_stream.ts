// Publish detections and stream the tracks they become, with the generated TypeScript
// client (web/src/gen) over gRPC-web through Envoy. Against `make run`:
//
//   export AURA_API_KEY=aura_...        # the admin key `make run` printed (or an ingest+viewer pair)
//   cd web && npm ci && npm run example  # = tsx ../examples/typescript/publish_and_stream.ts
//
// AURA_ENVOY_URL (default http://127.0.0.1:8080) says where Envoy is.
import { Code, ConnectError, common, makeClients, timestampFromDate, tracker } from "../../web/src/sdk";

const envoy = process.env.AURA_ENVOY_URL ?? "http://127.0.0.1:8080";
const key = process.env.AURA_API_KEY ?? "";
const aura = makeClients(envoy, () => key);
const sensorId = `example_ts_${process.pid}`;

async function publish(): Promise<void> {
  // One target walking east, seen by a radar: 10 frames, 0.2 s apart.
  for (let i = 0; i < 10; i++) {
    const resp = await aura.ingest.publishDetections({
      detections: [
        {
          sensorId,
          sensorKind: common.SensorKind.RADAR,
          timestamp: timestampFromDate(new Date()),
          classLabel: "person",
          confidence: 0.9,
          measurement: { case: "position", value: { x: 10 + 1.4 * 0.2 * i, y: 20, z: 0 } },
        },
      ],
    });
    console.log(`published frame ${resp.frames[0]?.frameId} (${resp.accepted} detection)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  const stop = new AbortController();
  const stream = aura.tracker.streamTracks({ filter: { sensorIds: [sensorId] } }, { signal: stop.signal });
  let publishing: Promise<void> | null = null;
  let updates = 0;
  try {
    for await (const ev of stream) {
      // subscribed: from now on no track event of ours can be missed
      if (ev.type === tracker.TrackEventType.SNAPSHOT_COMPLETE) publishing = publish();
      const t = ev.track;
      const where = t?.position ? `(${t.position.x.toFixed(2)}, ${t.position.y.toFixed(2)})` : "";
      console.log(`${tracker.TrackEventType[ev.type]} ${t?.id ?? ""} ${t ? common.TrackStatus[t.status] : ""} ${where}`);
      if (ev.type === tracker.TrackEventType.UPDATED && ++updates >= 5) break;
    }
  } catch (err) {
    if (err instanceof ConnectError && err.code === Code.Unauthenticated) {
      console.error("UNAUTHENTICATED: export AURA_API_KEY=<the key `make run` printed>");
      process.exitCode = 1;
    } else throw err;
  } finally {
    stop.abort();
    await publishing?.catch(() => {});
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
