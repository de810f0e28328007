-- Recording sessions (ASTRA), notes on sessions and tracks, replay jobs.
-- Every row carries a version that starts at 1 and grows by one with each change.

create table sessions (
    session_id  text primary key,
    name        text not null,
    description text not null default '',
    -- The sensors whose data is attributed to the session; a sensor is in at most one
    -- active session (checked under an advisory lock by admin).
    sensor_ids  text[] not null default '{}',
    tags        text[] not null default '{}',
    metadata    jsonb not null default '{}',
    state       text not null check (state in ('active', 'ended')),
    started_at  timestamptz not null,
    ended_at    timestamptz,
    started_by  text not null default '',
    ended_by    text not null default '',
    version     bigint not null default 1 check (version >= 1),
    updated_at  timestamptz not null,
    check ((state = 'active') = (ended_at is null))
);
create index sessions_newest_idx on sessions (started_at desc, session_id desc);
create index sessions_sensor_ids_idx on sessions using gin (sensor_ids);
create index sessions_tags_idx on sessions using gin (tags);
create index sessions_active_idx on sessions (session_id) where state = 'active';

create table notes (
    note_id            text primary key,
    -- null for a note on a track only.
    session_id         text references sessions (session_id) on delete cascade,
    track_id           text not null default '',
    ts                 timestamptz not null,
    speaker            text not null default '',
    type               text not null check (type in ('observation', 'command', 'system')),
    text               text not null,
    tags               text[] not null default '{}',
    telemetry_snapshot jsonb not null default '{}',
    created_by         text not null default '',
    created_at         timestamptz not null,
    updated_at         timestamptz not null,
    version            bigint not null default 1 check (version >= 1),
    check (session_id is not null or track_id <> '')
);
create index notes_session_ts_idx on notes (session_id, ts, note_id);
create index notes_ts_idx on notes (ts, note_id);
create index notes_track_idx on notes (track_id, ts) where track_id <> '';

create table replays (
    replay_id                text primary key,
    -- The source: exactly one of a session and a JSONL file (relative to the replay folder).
    session_id               text,
    jsonl_path               text,
    speed_factor             double precision not null check (speed_factor >= 0),
    repeat                   integer not null check (repeat >= 1),
    keep_original_timestamps boolean not null default false,
    status                   text not null
        check (status in ('pending', 'running', 'done', 'failed', 'cancelled')),
    frames_total             bigint not null default 0,
    frames_sent              bigint not null default 0,
    detections_sent          bigint not null default 0,
    source_time              timestamptz,
    created_at               timestamptz not null,
    started_at               timestamptz,
    finished_at              timestamptz,
    created_by               text not null default '',
    error                    text not null default '',
    scores                   jsonb not null default '{}',
    -- Written by the admin instance running the job at least every few seconds; a pending or
    -- running job whose heartbeat stops is failed by any instance.
    heartbeat_at             timestamptz not null,
    check ((session_id is null) <> (jsonl_path is null))
);
create index replays_newest_idx on replays (created_at desc, replay_id desc);
create index replays_unfinished_idx on replays (heartbeat_at) where status in ('pending', 'running');
