-- A transit cutover (TransitCutoverWorkflow keeps its state, steps, moves and windows in Temporal):
-- the catalog keeps what must not travel in a workflow's payload — the hooks (a command or URL may
-- hold credentials) — and what the API lists: whose it is, its two jobs (the files of every
-- account copied to the transit and back, one owner per account), its PostgreSQL connections and
-- its accounts with their files' paths and databases.
create table transits (
  id                       uuid primary key,
  client_id                uuid not null references clients(id),
  project_id               uuid not null references projects(id),
  name                     text not null,
  kind                     text not null check (kind in ('dedicated', 'shared')),
  out_job_id               uuid not null references jobs(id),
  back_job_id              uuid not null references jobs(id),
  server_database_id       uuid references connections(id),
  transit_database_id      uuid references connections(id),
  accounts                 jsonb not null,
  hooks                    jsonb not null default '{}',
  settings                 jsonb not null default '{}',
  created_by               text,
  created_at               timestamptz not null default now()
);

create index transits_client on transits(client_id, created_at);
