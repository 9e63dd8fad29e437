-- Reveal counters move to the insert-only access log: updating a counter on the credential row serialized every
-- concurrent reveal of one credential behind its row lock (and the commit). Metadata reads count from the log.
ALTER TABLE vault_credentials DROP COLUMN access_count, DROP COLUMN last_used_at, DROP COLUMN last_used_by;
CREATE INDEX vault_access_log_key_idx ON vault_access_log (org_id, provider, key_name, accessed_at);
