-- How each content difference of a verification was checked (the destination's native hash, or
-- both sides read back), and every file a verification found identical, with the hash of its
-- source bytes: decommission deletes at the source only files listed here for the last passing
-- verification, after checking each is still the same.
alter table cutover_differences add column checked_by text;

create table cutover_verified (
  job_id uuid not null references jobs(id) on delete cascade,
  check_no int not null,
  path text not null,
  size bigint not null,
  mtime_millis bigint not null,
  algorithm text not null,
  hash text not null,
  checked_by text not null,
  primary key (job_id, check_no, path)
);
