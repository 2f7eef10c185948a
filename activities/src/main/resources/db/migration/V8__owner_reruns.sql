-- An owner that failed as a whole is rerun automatically by its job run's parent workflow (up to
-- three times, with a backoff): each rerun continues the owner's catalog run (incrementally: what
-- was copied is found unchanged) and is recorded here — which attempt it is (2 for the first
-- rerun), when it was decided and when it starts, and why (the failed attempt's message).
create table owner_reruns (
  run_id     bigint not null references runs(id) on delete cascade,
  attempt    int not null,
  decided_at timestamptz not null,
  starts_at  timestamptz not null,
  reason     text not null,
  primary key (run_id, attempt)
);
