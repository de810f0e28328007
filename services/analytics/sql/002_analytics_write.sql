-- Write-side bookkeeping (additive to 001): what makes replays and redeliveries idempotent.

-- The number of input events a window was computed from: a recomputation from fewer
-- events (a partial redelivery after a crash between commit and ack) never overwrites it.
alter table window_metrics add column event_count bigint not null default 0;

-- One row per dropped message (source, e.g. 'detections:cam_01', and a key naming the
-- message, e.g. 'det:cam_01:1700000000000000'); dropped_events is incremented only for rows
-- inserted here, so a message dropped again on redelivery or replay is counted once.
create table dropped_log (
    source     text not null,
    event_key  text not null,
    reason     text not null,
    minute     timestamptz not null,
    count      integer not null check (count >= 0),
    logged_at  timestamptz not null default now(),
    primary key (source, event_key)
);
create index dropped_log_minute_idx on dropped_log (minute);

-- Late events per window they would have fed: window_metrics.late_dropped is the sum of
-- `count` here for the window's key and start.
create table late_events (
    scope        smallint not null,
    sensor_id    text not null default '',
    zone_id      text not null default '',
    lane_id      text not null default '',
    window_start timestamptz not null,
    event_key    text not null,
    count        integer not null check (count >= 0),
    primary key (scope, sensor_id, zone_id, lane_id, window_start, event_key)
);
create index late_events_start_idx on late_events (window_start);

-- Retention sweeps of cleared alerts.
create index alerts_cleared_idx on alerts (cleared_at) where state = 2;
