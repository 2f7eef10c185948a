-- A large owner is split into shards along its folder tree, each transferred by its own child
-- workflow: one row per shard of a run, the range of the run's manifest it covers (seq, once the
-- manifest is in folder-tree order), its size, and its state and figures as its workflow records
-- them. over_threshold: the shard is larger than the job's thresholds (one folder's files, which
-- are never cut). An owner whose manifest could not be cut at all keeps one row and no child.
create table run_shards (
  run_id         bigint not null references runs(id) on delete cascade,
  shard          int not null,
  shard_count    int not null,
  from_seq       bigint not null,
  to_seq         bigint not null,
  items          bigint not null,
  files          bigint not null,
  bytes          bigint not null,
  files_to_copy  bigint not null,
  bytes_to_copy  bigint not null,
  first_path     text,
  last_path      text,
  over_threshold boolean not null default false,
  state          text not null default 'CREATED',
  workflow_id    text,
  files_done     bigint not null default 0,
  bytes_done     bigint not null default 0,
  files_failed   bigint not null default 0,
  primary key (run_id, shard)
);
