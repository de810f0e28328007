-- Analytics history. Every table is written idempotently, keyed by what makes a row unique
-- (a replay of the same JetStream messages gives the same rows), and in bulk (COPY into a
-- temporary staging table, then one INSERT ... ON CONFLICT per batch).
-- Times are timestamptz in UTC. Enum columns hold the proto enum numbers.

-- Raw detections: every field that was ingested. `detection` is the serialized
-- aura.common.v1.Detection, so nothing is lost; the columns beside it are what queries
-- filter and aggregate on. One row per (sensor, frame, index in the frame).
create table detections (
    sensor_id    text not null,
    frame_id     bigint not null,
    idx          integer not null,
    ts           timestamptz not null,
    received_at  timestamptz not null,
    sensor_kind  smallint not null default 0,
    class_label  text not null default '',
    confidence   real not null default 0,
    -- World position (points) or null; pixel boxes keep their box in `detection`.
    x            double precision,
    y            double precision,
    speed_mps    double precision,
    lane_id      text not null default '',
    session_id   text not null default '',
    detection    bytea not null,
    primary key (sensor_id, frame_id, idx)
);
create index detections_ts_idx on detections using brin (ts);
create index detections_sensor_ts_idx on detections (sensor_id, ts desc);
create index detections_class_ts_idx on detections (class_label, ts desc);
create index detections_session_ts_idx on detections (session_id, ts desc) where session_id <> '';

-- Fused track positions, sampled (at most one row per track per sample interval); the
-- heatmap counts distinct global ids per grid cell from these.
create table fused_positions (
    global_id    text not null,
    ts           timestamptz not null,
    site_id      text not null default '',
    class_label  text not null default '',
    x            double precision not null,
    y            double precision not null,
    speed_mps    double precision not null default 0,
    threat_level smallint not null default 0,
    primary key (global_id, ts)
);
create index fused_positions_ts_idx on fused_positions (ts desc) include (global_id, x, y, class_label, site_id);

-- One row per key and closed event-time window. scope: 1 sensor, 2 zone, 3 lane
-- (aura.analytics.v1.MetricsScope); unused id columns hold ''.
create table window_metrics (
    scope                  smallint not null check (scope in (1, 2, 3)),
    sensor_id              text not null default '',
    zone_id                text not null default '',
    lane_id                text not null default '',
    window_start           timestamptz not null,
    window_end             timestamptz not null,
    detection_count        bigint not null default 0,
    counts_by_class        jsonb not null default '{}',
    unique_tracks          bigint not null default 0,
    unique_tracks_by_class jsonb not null default '{}',
    -- The distinct track ids of the window, for distinct counts over longer ranges.
    track_ids              text[] not null default '{}',
    mean_speed_mps         double precision not null default 0,
    p85_speed_mps          double precision not null default 0,
    speed_samples          bigint not null default 0,
    speed_source           smallint not null default 0,
    occupancy              double precision not null default 0,
    congestion_level       smallint not null default 0,
    congestion_score       double precision not null default 0,
    late_dropped           bigint not null default 0,
    session_id             text not null default '',
    written_at             timestamptz not null default now(),
    check (window_end > window_start),
    primary key (scope, sensor_id, zone_id, lane_id, window_start)
);
create index window_metrics_start_idx on window_metrics (window_start desc);
create index window_metrics_level_idx on window_metrics (congestion_level, window_start desc)
    where congestion_level >= 2;

-- Events dropped by analytics, with the reason (too late for their window, malformed, ...),
-- counted per source and minute so that nothing is dropped silently.
create table dropped_events (
    source      text not null,
    reason      text not null,
    minute      timestamptz not null,
    count       bigint not null check (count >= 0),
    primary key (source, reason, minute)
);

-- Alerts. One alert lasts as long as its condition; condition_key names the condition
-- (e.g. 'congestion:1:cam_01::' or 'threat:g-000042'), and at most one alert per condition
-- is active at a time.
create table alerts (
    alert_id            text primary key,
    condition_key       text not null,
    kind                smallint not null,
    severity            smallint not null,
    state               smallint not null check (state in (1, 2)),
    title               text not null,
    detail              text not null default '',
    scope               smallint not null default 0,
    sensor_id           text not null default '',
    zone_id             text not null default '',
    lane_id             text not null default '',
    sensor_ids          text[] not null default '{}',
    global_id           text not null default '',
    congestion_level    smallint not null default 0,
    congestion_score    double precision not null default 0,
    threat_level        smallint not null default 0,
    x                   double precision,
    y                   double precision,
    raised_at           timestamptz not null,
    last_seen_at        timestamptz not null,
    cleared_at          timestamptz,
    occurrences         integer not null default 1,
    acknowledged_by     text not null default '',
    acknowledged_at     timestamptz,
    acknowledge_comment text not null default '',
    session_id          text not null default '',
    check ((state = 1) = (cleared_at is null))
);
create unique index alerts_one_active_per_condition on alerts (condition_key) where state = 1;
create index alerts_raised_idx on alerts (raised_at desc);
create index alerts_active_idx on alerts (severity desc, raised_at desc) where state = 1;
create sequence alert_seq;

-- Zone events from fusion, keyed by their deterministic event_id. type and direction are
-- aura.fusion.v1 enum numbers; `event` is the serialized aura.fusion.v1.ZoneEvent.
create table zone_events (
    event_id    text primary key,
    zone_id     text not null,
    global_id   text not null,
    type        smallint not null,
    ts          timestamptz not null,
    class_label text not null default '',
    x           double precision,
    y           double precision,
    speed_mps   double precision not null default 0,
    dwell_s     double precision not null default 0,
    direction   smallint not null default 0,
    sensor_ids  text[] not null default '{}',
    event       bytea not null
);
create index zone_events_zone_ts_idx on zone_events (zone_id, ts desc);
create index zone_events_ts_idx on zone_events (ts desc);

-- Telemetry (ASTRA channels): one row per source, channel and sample time.
create table telemetry (
    source_id text not null,
    channel   text not null,
    ts        timestamptz not null,
    value     double precision not null,
    unit      text not null default '',
    primary key (source_id, channel, ts)
);
create index telemetry_ts_idx on telemetry using brin (ts);
