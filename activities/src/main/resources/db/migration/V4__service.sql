-- Ferry as a service: clients, their projects and connections, API tokens, agents.
-- Jobs created through the API belong to a project; jobs of `ferry migrate` keep project_id null.

create table clients (
  id             uuid primary key,
  name           text not null,
  contact_name   text,
  contact_email  text,
  psa_company_id text,
  status         text not null default 'ACTIVE' check (status in ('ACTIVE', 'INACTIVE')),
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now()
);
create unique index clients_name on clients(lower(name));

-- Credentials plus location of one storage system. settings: non-secret JSON (root, bucket, ...).
-- secret: AES-GCM (version byte, 12-byte IV, ciphertext and tag), bound to the row's id; never
-- returned by the API.
create table connections (
  id         uuid primary key,
  client_id  uuid not null references clients(id),
  name       text not null,
  kind       text not null,
  settings   jsonb not null default '{}',
  secret     bytea,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index connections_name on connections(client_id, lower(name));

create table projects (
  id                         uuid primary key,
  client_id                  uuid not null references clients(id),
  name                       text not null,
  type                       text not null check (type in ('FILE_MIGRATION', 'ARCHIVE')),
  default_dest_connection_id uuid references connections(id),
  bandwidth_schedule         jsonb,
  psa_ticket_id              text,
  psa_project_id             text,
  created_at                 timestamptz not null default now(),
  updated_at                 timestamptz not null default now()
);
create unique index projects_name on projects(client_id, lower(name));

-- A worker process at a customer site; it serves the task queue agent-<id>. key_sealed: the
-- agent's own key (it holds the only other copy), sealed under the master key; connection secrets
-- an agent needs are copied into agent_connection_secrets sealed under that key, so an agent never
-- holds the master key and never receives a secret through the API.
create table agents (
  id            uuid primary key,
  client_id     uuid references clients(id),
  name          text not null,
  hostname      text,
  version       text,
  key_sealed    bytea not null,
  registered_at timestamptz not null default now(),
  last_seen_at  timestamptz
);

create table agent_connection_secrets (
  agent_id      uuid not null references agents(id) on delete cascade,
  connection_id uuid not null references connections(id) on delete cascade,
  sealed        bytea not null,
  primary key (agent_id, connection_id)
);

-- One-time codes an agent exchanges for its identity. Only a SHA-256 of the code is kept.
create table agent_registration_codes (
  code_hash  text primary key,
  client_id  uuid references clients(id),
  agent_name text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at    timestamptz,
  agent_id   uuid references agents(id)
);

-- Bearer tokens. Only a SHA-256 of the token is kept. client_id null and agent_id null: operator.
create table api_tokens (
  id           uuid primary key,
  name         text not null,
  token_hash   text not null unique,
  client_id    uuid references clients(id),
  agent_id     uuid references agents(id) on delete cascade,
  created_at   timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at   timestamptz,
  check (client_id is null or agent_id is null)
);

-- A job of the API has a project, a source and a destination (connection + path), options and
-- optionally an agent. Its owners are jobs too (parent_job_id = the job): each owner has its own
-- source_uri / dest_uri and its own manifest, and runs as its own workflow. owner_seq 0 is the
-- implicit owner (the whole source) of a job that lists none; retired owners keep their history.
alter table jobs
  add column project_id           uuid references projects(id),
  add column parent_job_id        uuid references jobs(id) on delete cascade,
  add column source_connection_id uuid references connections(id),
  add column source_path          text,
  add column dest_connection_id   uuid references connections(id),
  add column dest_path            text,
  add column options              jsonb,
  add column agent_id             uuid references agents(id),
  add column owner_seq            int,
  add column retired_at           timestamptz;
create index jobs_project on jobs(project_id) where project_id is not null;
create index jobs_parent on jobs(parent_job_id) where parent_job_id is not null;

-- One run of an API job: one catalog run per owner. The server starts owners' workflows through a
-- sliding window of at most max_parallel at once (the job's concurrency) and splits the job's
-- limits among those running; paused and cancelled hold the operator's request for owners not
-- started yet. data_task_queue: the agent's queue for the activities that touch the storage.
create table job_runs (
  id              bigserial primary key,
  job_id          uuid not null references jobs(id) on delete cascade,
  mode            text not null,
  max_parallel    int not null default 1,
  data_task_queue text,
  paused          boolean not null default false,
  cancelled       boolean not null default false,
  started_at      timestamptz not null default now()
);
create index job_runs_job on job_runs(job_id, id);
alter table runs add column job_run_id bigint references job_runs(id) on delete cascade;
create index runs_job_run on runs(job_run_id) where job_run_id is not null;

-- The state of a job run, from the states of its owners' runs: active while any owner run has not
-- ended — PAUSED when the operator paused it (or every active owner is paused), SCANNING while none
-- is past its scan, else RUNNING — then the worst ending (FAILED, then CANCELLED), else READY for
-- a dry run and COMPLETED otherwise.
create function job_run_state(jr bigint) returns text language sql stable as $$
  select case
    when count(r.id) = 0 then 'CREATED'
    when bool_or(r.finished_at is null) then
      case
        when bool_or(j.paused) and not bool_or(j.cancelled) then 'PAUSED'
        when bool_and(r.state = 'PAUSED' or r.finished_at is not null) then 'PAUSED'
        when bool_and(r.state in ('CREATED', 'SCANNING') or r.finished_at is not null)
          then 'SCANNING'
        else 'RUNNING'
      end
    when bool_or(r.state = 'FAILED') then 'FAILED'
    when bool_or(r.state = 'CANCELLED') then 'CANCELLED'
    when bool_and(r.mode = 'DRY_RUN') then 'READY'
    else 'COMPLETED'
  end
  from job_runs j left join runs r on r.job_run_id = j.id where j.id = jr
$$;

create function job_state(job uuid) returns text language sql stable as $$
  select coalesce(
    (select job_run_state(max(id)) from job_runs where job_id = job having max(id) is not null),
    'CREATED')
$$;
