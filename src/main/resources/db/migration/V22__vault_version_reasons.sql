-- Why a sealed version exists when it is not a plain store or rotation: a rollback records the version it restores
-- and the caller's reason. History stays append-only: a rollback seals the earlier values as a new version.
ALTER TABLE vault_credential_versions
    ADD COLUMN reason         text CHECK (reason IS NULL OR length(reason) <= 200),
    ADD COLUMN restored_from  integer CHECK (restored_from IS NULL OR restored_from > 0);
