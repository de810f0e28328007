-- Configuration every other service follows: the sensor registry, zones and counting lines,
-- and the thresholds. PostgreSQL is the source of truth; admin writes each change to the
-- JetStream key-value bucket AURA_CONFIG in the same transaction, before it commits.
--
-- `spec` holds the object's writable fields as proto3 JSON (field names as in admin.proto);
-- the columns beside it are what lists filter on, and the output-only fields. `version`
-- starts at 1 and grows by one with each change (optimistic concurrency: see AdminService).

create table if not exists sensors (
    sensor_id text collate "C" primary key,
    kind integer not null,
    site_id text not null default '',
    enabled boolean not null default true,
    spec jsonb not null,
    version bigint not null default 1 check (version >= 1),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    updated_by text not null default ''
);

create index if not exists sensors_site_idx on sensors (site_id, sensor_id);

create table if not exists zones (
    zone_id text collate "C" primary key,
    kind integer not null,
    site_id text not null default '',
    enabled boolean not null default true,
    spec jsonb not null,
    version bigint not null default 1 check (version >= 1),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    updated_by text not null default ''
);

create index if not exists zones_site_idx on zones (site_id, zone_id);

-- One row: the thresholds in force. Admin seeds it with the defaults at its first start.
create table if not exists thresholds (
    id smallint primary key default 1 check (id = 1),
    spec jsonb not null,
    version bigint not null default 1 check (version >= 1),
    updated_at timestamptz not null default now(),
    updated_by text not null default ''
);
