// The generated services over one gRPC-web transport to Envoy; the API key travels as
// `x-api-key` metadata on every call.
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { AdminService } from "./gen/aura/admin/v1/admin_pb";
import { AnalyticsService } from "./gen/aura/analytics/v1/analytics_pb";
import { FusionService } from "./gen/aura/fusion/v1/fusion_pb";
import { IngestService } from "./gen/aura/ingest/v1/ingest_pb";
import { TrackerService } from "./gen/aura/tracker/v1/tracker_pb";

export interface Clients {
  ingest: Client<typeof IngestService>;
  tracker: Client<typeof TrackerService>;
  fusion: Client<typeof FusionService>;
  analytics: Client<typeof AnalyticsService>;
  admin: Client<typeof AdminService>;
}

export function makeClients(envoyUrl: string, key: () => string): Clients {
  const withKey: Interceptor = (next) => (req) => {
    const k = key();
    if (k) req.header.set("x-api-key", k);
    return next(req);
  };
  const transport = createGrpcWebTransport({ baseUrl: envoyUrl, interceptors: [withKey] });
  return {
    ingest: createClient(IngestService, transport),
    tracker: createClient(TrackerService, transport),
    fusion: createClient(FusionService, transport),
    analytics: createClient(AnalyticsService, transport),
    admin: createClient(AdminService, transport),
  };
}

/** Where Envoy is: `?envoy=URL`, else /config.json from the dashboard server, else :8080 of this host. */
export async function envoyUrl(): Promise<string> {
  const param = new URLSearchParams(location.search).get("envoy");
  if (param) return param.replace(/\/$/, "");
  try {
    const resp = await fetch("config.json", { cache: "no-store" });
    if (resp.ok) {
      const cfg = (await resp.json()) as { envoyUrl?: string };
      if (cfg.envoyUrl) return cfg.envoyUrl.replace(/\/$/, "");
    }
  } catch {
    // no dashboard server (e.g. `vite` dev server): fall through
  }
  return `${location.protocol}//${location.hostname}:8080`;
}
