-- A path the destination refuses may be copied under another name (the job option names=remap).
-- dest_path is that name, null when the destination path equals the source path.
alter table run_files add column dest_path text;
