-- A file the destination stored but rewrote on the way in (a SharePoint library's metadata in Office
-- files): outcome 'altered', with both sides' size and the store's native hash of each. dest_size and
-- sent_hash are set for such files only (dest_hash is the stored one, as for every file).
alter table run_files add column dest_size bigint;
alter table run_files add column sent_hash text;
-- An altered copy the job accepts is kept in the manifest with the size the destination lists for
-- it, so the next incremental run finds it unchanged instead of uploading it again (null: the
-- destination holds the source's size).
alter table manifest add column dest_size bigint;
