-- A job's cutover (CutoverWorkflow keeps its state, steps and rounds in Temporal): the catalog keeps
-- what must not travel in a workflow's payload — the hooks (a command or URL may hold credentials)
-- and the differences each verification found (file names).
create table cutovers (
  job_id uuid primary key references jobs(id) on delete cascade,
  freeze_hook jsonb,
  switch_hook jsonb,
  created_at timestamptz not null default now()
);

create table cutover_differences (
  job_id uuid not null references jobs(id) on delete cascade,
  check_no int not null,
  path text not null,
  kind text not null,
  detail text,
  primary key (job_id, check_no, path, kind)
);
