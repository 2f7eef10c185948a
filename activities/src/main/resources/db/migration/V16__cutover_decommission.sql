-- What a decommission that deletes the source did with each file the last passing verification
-- verified: deleted, or kept (and why), and when.
alter table cutover_verified add column decommission text;
alter table cutover_verified add column decommissioned_at timestamptz;
