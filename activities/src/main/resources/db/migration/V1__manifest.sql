-- Jobs, runs and the per-file manifest. Every per-file fact lives here, never in Temporal.

create table jobs (
  id          uuid primary key,
  name        text not null,
  source_uri  text not null,
  dest_uri    text not null,
  state       text not null default 'CREATED',
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);

create table runs (
  id              bigserial primary key,
  job_id          uuid not null references jobs(id) on delete cascade,
  mode            text not null,
  state           text not null default 'CREATED',
  options         jsonb not null,
  workflow_id     text,
  message         text,
  started_at      timestamptz not null default now(),
  finished_at     timestamptz,
  files_total     bigint not null default 0,
  bytes_total     bigint not null default 0,
  files_to_copy   bigint not null default 0,
  bytes_to_copy   bigint not null default 0,
  files_done      bigint not null default 0,
  bytes_done      bigint not null default 0,
  files_unchanged bigint not null default 0,
  files_skipped   bigint not null default 0,
  files_failed    bigint not null default 0
);
create index runs_job on runs(job_id, id);

-- One row per path of a run: what the scan found, what the plan decided, what happened.
-- action: COPY (new or changed), CHECK (same size, new mtime: hash decides), UNCHANGED, MKDIR, REFUSE
-- outcome: null while pending; transferred, unchanged, skipped, failed
create table run_files (
  run_id      bigint not null references runs(id) on delete cascade,
  seq         bigint not null,
  path        text not null,
  folder      boolean not null default false,
  size        bigint not null,
  mtime       bigint not null,
  action      text not null,
  outcome     text,
  reason      text,
  sha256      text,
  dest_hash   text,
  verified_by text,
  attempts    int not null default 0,
  finished_at timestamptz,
  primary key (run_id, seq)
);
create unique index run_files_path on run_files(run_id, path);

-- What the destination held when the run's scan listed it.
create unlogged table dest_files (
  run_id bigint not null,
  path   text not null,
  size   bigint not null,
  mtime  bigint not null,
  primary key (run_id, path)
);

-- The last verified copy of each path of a job: what incremental runs compare against.
create table manifest (
  job_id      uuid not null references jobs(id) on delete cascade,
  path        text not null,
  size        bigint not null,
  mtime       bigint not null,
  sha256      text,
  dest_hash   text,
  verified_by text,
  updated_at  timestamptz not null default now(),
  primary key (job_id, path)
);

-- Append-only events of a run: failed attempts, retries, deletions, refusals.
create table run_events (
  id      bigserial primary key,
  run_id  bigint not null references runs(id) on delete cascade,
  at      timestamptz not null default now(),
  path    text,
  event   text not null,
  detail  text
);
create index run_events_run on run_events(run_id, id);
