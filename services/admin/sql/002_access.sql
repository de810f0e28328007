-- API keys and the audit log (AdminService: CreateApiKey, ListApiKeys, RevokeApiKey,
-- ListAuditLog). A key's secret is never stored: only the SHA-256 of the whole key string.

create table api_keys (
    key_id        text primary key,
    name          text not null,
    role          smallint not null check (role between 1 and 4),  -- aura.common.v1.Role
    secret_sha256 text not null check (secret_sha256 ~ '^[0-9a-f]{64}$'),
    secret_prefix text not null,
    created_at    timestamptz not null default now(),
    created_by    text not null,
    expires_at    timestamptz,
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    revoked_by    text
);

-- A name belongs to one key that is not revoked.
create unique index api_keys_active_name on api_keys (name) where revoked_at is null;
create index api_keys_created on api_keys (created_at desc, key_id desc);

-- One row per audited call of any service, allowed or refused; append-only.
create table audit_log (
    entry_id    bigserial primary key,
    time        timestamptz not null,
    service     text not null,
    key_id      text not null default '',
    key_name    text not null default '',
    role        smallint not null default 0,
    rpc         text not null,
    target      text not null default '',
    outcome     smallint not null,           -- aura.admin.v1.AuditOutcome
    status_code text not null,
    detail      text not null default '',
    peer        text not null default '',
    trace_id    text not null default '',
    msg_id      text not null unique,        -- Nats-Msg-Id: a redelivery is stored once
    stored_at   timestamptz not null default now()
);

create index audit_log_time on audit_log (time desc);
create index audit_log_key on audit_log (key_id, entry_id desc);

create function audit_log_append_only() returns trigger
language plpgsql as $$
begin
    raise exception 'audit_log is append-only: % is not allowed', tg_op
        using errcode = 'insufficient_privilege';
end;
$$;

create trigger audit_log_no_update_or_delete
    before update or delete on audit_log
    for each row execute function audit_log_append_only();

create trigger audit_log_no_truncate
    before truncate on audit_log
    for each statement execute function audit_log_append_only();
