// The TypeScript client of AURA: the generated services (web/src/gen, from proto/ with
// protoc-gen-es) over gRPC-web to Envoy, with the API key sent as `x-api-key`.
// Works in browsers and in Node.js 20+ (global fetch). See examples/typescript/.
export { makeClients, type Clients } from "./client";
export { create, toJson, fromJson } from "@bufbuild/protobuf";
export { timestampDate, timestampFromDate, timestampNow } from "@bufbuild/protobuf/wkt";
export { Code, ConnectError } from "@connectrpc/connect";
export * as admin from "./gen/aura/admin/v1/admin_pb";
export * as analytics from "./gen/aura/analytics/v1/analytics_pb";
export * as common from "./gen/aura/common/v1/common_pb";
export * as fusion from "./gen/aura/fusion/v1/fusion_pb";
export * as ingest from "./gen/aura/ingest/v1/ingest_pb";
export * as tracker from "./gen/aura/tracker/v1/tracker_pb";
