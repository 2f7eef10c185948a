-- A client's webhooks (optionally one project's) and every delivery with its attempts.
create table webhooks (
  id            uuid primary key,
  client_id     uuid not null references clients(id) on delete cascade,
  project_id    uuid references projects(id) on delete cascade,
  url           text not null,
  events        text[] not null,
  secret_sealed bytea not null,
  created_at    timestamptz not null default now()
);
create index webhooks_client on webhooks(client_id);

create table webhook_deliveries (
  id           bigserial primary key,
  webhook_id   uuid not null references webhooks(id) on delete cascade,
  event        text not null,
  body         text not null,
  state        text not null default 'pending' check (state in ('pending', 'delivered', 'failed')),
  attempts     int not null default 0,
  last_status  int,
  last_error   text,
  created_at   timestamptz not null default now(),
  delivered_at timestamptz
);
create index webhook_deliveries_webhook on webhook_deliveries(webhook_id, id desc);

-- when an agent's going offline was last told (once per absence)
alter table agents add column offline_told_at timestamptz;
