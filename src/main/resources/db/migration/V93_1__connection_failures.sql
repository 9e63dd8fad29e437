-- Failure handling of connections (issue 21): a provider's Retry-After and our backoff after failed refreshes
-- (retry_not_before: no instance calls the provider for this connection before then), the provider's refresh budget
-- per refresh token (Zoho: 10 per 10 minutes; budget_window_start and budget_used, reset when the grant changes), and
-- the last failure, counted per provider to open an incident when many connections of one provider fail at once.
ALTER TABLE connections
    ADD COLUMN retry_not_before     timestamptz,
    ADD COLUMN budget_window_start  timestamptz,
    ADD COLUMN budget_used          integer NOT NULL DEFAULT 0,
    ADD COLUMN failures             integer NOT NULL DEFAULT 0,
    ADD COLUMN last_failed_at       timestamptz,
    ADD COLUMN last_failure         text;
CREATE INDEX connections_failed_by_provider ON connections (provider, last_failed_at) WHERE last_failed_at IS NOT NULL;
