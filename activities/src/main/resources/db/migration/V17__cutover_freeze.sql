-- A cutover's freeze that Ferry applied itself on a local source: the mode of each entry whose write
-- permission it removed, stored before the change, so that an abort or the decommission puts back
-- exactly what was there (a crash halfway loses nothing).
create table cutover_frozen (
  job_id uuid not null references jobs(id) on delete cascade,
  root   text not null,
  path   text not null,
  mode   int not null,
  primary key (job_id, root, path)
);
