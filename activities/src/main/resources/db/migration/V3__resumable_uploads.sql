-- Unfinished resumable uploads: per job and destination path, the connector's small state (for S3
-- the multipart upload id and the size, mtime and part size it was started for), so an upload cut
-- off by a failure or a crash is continued instead of started again. No secrets; never in Temporal.
create table uploads (
  job_id     uuid not null references jobs(id) on delete cascade,
  path       text not null,
  state      text not null,
  updated_at timestamptz not null default now(),
  primary key (job_id, path)
);

-- Bytes of the file the destination accepted in this run, over all attempts; parts kept from an
-- interrupted upload are not counted. Null for files that were not written.
alter table run_files add column bytes_sent bigint;
