-- A job run is a Temporal workflow (JobRunWorkflow) whose children are its owners' runs: Temporal
-- keeps the orchestration, so the cancel flag the server's dispatcher needed is gone. paused stays
-- as a fact the parent workflow records (through an activity) when it is paused or resumed, so the
-- job run reads PAUSED even while none of its owners runs.
alter table job_runs drop column cancelled;

create or replace function job_run_state(jr bigint) returns text language sql stable as $$
  select case
    when count(r.id) = 0 then 'CREATED'
    when bool_or(r.finished_at is null) then
      case
        when bool_or(j.paused) then 'PAUSED'
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
