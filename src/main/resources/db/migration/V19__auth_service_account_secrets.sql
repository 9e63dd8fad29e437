-- Client secret rotation with an overlap window: the current secret and, until previous_secret_expires_at, the one
-- it replaced (at most two secrets work at once, so a grant checks at most two hashes). last_used_at is written at
-- most once a minute per account and instance (sampled, never a write per grant).
ALTER TABLE service_accounts
    ADD COLUMN secret_version              integer NOT NULL DEFAULT 1 CHECK (secret_version > 0),
    ADD COLUMN secret_created_at           timestamptz,
    ADD COLUMN previous_secret_hash        bytea,
    ADD COLUMN previous_secret_version     integer,
    ADD COLUMN previous_secret_created_at  timestamptz,
    ADD COLUMN previous_secret_expires_at  timestamptz,
    ADD COLUMN last_used_at                timestamptz;
UPDATE service_accounts SET secret_created_at = created_at;
ALTER TABLE service_accounts ALTER COLUMN secret_created_at SET NOT NULL,
    ADD CONSTRAINT service_accounts_previous_secret_whole CHECK (
        (previous_secret_hash IS NULL) = (previous_secret_expires_at IS NULL)
        AND (previous_secret_hash IS NULL) = (previous_secret_version IS NULL)
        AND (previous_secret_hash IS NULL) = (previous_secret_created_at IS NULL));
-- An organization's service accounts in pages: keyset order (created_at, id).
CREATE INDEX service_accounts_org_page_idx ON service_accounts (org_id, created_at, id);
DROP INDEX service_accounts_org_idx;
