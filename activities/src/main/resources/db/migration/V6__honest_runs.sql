-- A run that went to its end with some files failed is COMPLETED_WITH_ERRORS, not COMPLETED; a job
-- run is so when any of its owners' runs is (after FAILED and CANCELLED, before READY / COMPLETED).
create or replace function job_run_state(jr bigint) returns text language sql stable as $$
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
    when bool_or(r.state = 'COMPLETED_WITH_ERRORS') then 'COMPLETED_WITH_ERRORS'
    when bool_and(r.mode = 'DRY_RUN') then 'READY'
    else 'COMPLETED'
  end
  from job_runs j left join runs r on r.job_run_id = j.id where j.id = jr
$$;

-- Live figures of the batches in flight, one row per batch (its first sequence number): the bytes
-- read so far of files not finished yet, and one of those files. A new attempt of a batch (after a
-- crash, a restart of Temporal, a pause) replaces its row, so bytes read by an attempt that did not
-- finish are never counted twice; runs.files_done and bytes_done count finished files only, in the
-- transaction that records their outcomes.
create table run_inflight (
  run_id     bigint not null references runs(id) on delete cascade,
  batch_from bigint not null,
  bytes      bigint not null,
  file       text,
  updated_at timestamptz not null default now(),
  primary key (run_id, batch_from)
);

-- Files (and their bytes) of those the plan had to transfer that have finished, whatever their
-- outcome (transferred, found unchanged by content, failed): with files_to_copy and bytes_to_copy,
-- how far the transfer phase is, so a progress bar reaches its end even when some files failed.
alter table runs add column files_finished bigint not null default 0;
alter table runs add column bytes_finished bigint not null default 0;
