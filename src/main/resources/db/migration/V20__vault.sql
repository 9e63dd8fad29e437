-- Credential vault: KEKs (master keys) by term, per-org data keys wrapped under a KEK, sealed credential versions,
-- and a compact access log for usage analytics. No secret is stored in clear; ciphertexts carry their key id.

CREATE TABLE vault_settings (
    id              smallint PRIMARY KEY CHECK (id = 1),
    kdf_salt        bytea NOT NULL,
    kdf_iterations  integer NOT NULL CHECK (kdf_iterations >= 600000),
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- One row per master key ever used. check_value = HMAC-SHA256(KEK, label): proves the right key at start.
CREATE TABLE vault_keks (
    id            integer PRIMARY KEY CHECK (id > 0),
    check_value   bytea NOT NULL UNIQUE,
    state         text NOT NULL CHECK (state IN ('active', 'pending', 'retired')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    activated_at  timestamptz,
    retired_at    timestamptz
);
CREATE UNIQUE INDEX vault_keks_one_active ON vault_keks (state) WHERE state = 'active';
CREATE UNIQUE INDEX vault_keks_one_pending ON vault_keks (state) WHERE state = 'pending';

CREATE TABLE vault_data_keys (
    org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    version     integer NOT NULL CHECK (version > 0),
    state       text NOT NULL CHECK (state IN ('active', 'retired')),
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (org_id, version)
);
CREATE UNIQUE INDEX vault_data_keys_one_active ON vault_data_keys (org_id) WHERE state = 'active';

-- A data key wrapped under a KEK. During master-key rotation a data key has two rows (old and new KEK).
CREATE TABLE vault_wrapped_keys (
    org_id   uuid NOT NULL,
    version  integer NOT NULL,
    kek_id   integer NOT NULL REFERENCES vault_keks (id),
    wrapped  bytea NOT NULL,
    PRIMARY KEY (org_id, version, kek_id),
    FOREIGN KEY (org_id, version) REFERENCES vault_data_keys (org_id, version) ON DELETE CASCADE
);
CREATE INDEX vault_wrapped_keys_kek_idx ON vault_wrapped_keys (kek_id);

CREATE TABLE vault_credentials (
    id             uuid PRIMARY KEY,
    org_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    provider       text NOT NULL,
    key_name       text NOT NULL,
    version        integer NOT NULL CHECK (version > 0),
    status         text NOT NULL CHECK (status IN ('active', 'revoked')),
    created_at     timestamptz NOT NULL,
    created_by     uuid,
    rotated_at     timestamptz NOT NULL,
    rotated_by     uuid,
    last_used_at   timestamptz,
    last_used_by   uuid,
    access_count   bigint NOT NULL DEFAULT 0,
    revoked_at     timestamptz,
    revoked_by     uuid,
    revoke_reason  text,
    UNIQUE (org_id, provider, key_name)
);
CREATE INDEX vault_credentials_rotation_idx ON vault_credentials (org_id, rotated_at) WHERE status = 'active';

-- The last few sealed versions of each credential (older ones are deleted on rotation).
CREATE TABLE vault_credential_versions (
    credential_id     uuid NOT NULL REFERENCES vault_credentials (id) ON DELETE CASCADE,
    version           integer NOT NULL,
    org_id            uuid NOT NULL,
    data_key_version  integer NOT NULL,
    ciphertext        bytea NOT NULL,
    created_at        timestamptz NOT NULL,
    created_by        uuid,
    PRIMARY KEY (credential_id, version)
);
CREATE INDEX vault_credential_versions_org_dk_idx ON vault_credential_versions (org_id, data_key_version);

-- One row per reveal attempt, written in the reveal's transaction. client_prefix is the /24 or /64 network.
CREATE TABLE vault_access_log (
    id             bigserial PRIMARY KEY,
    org_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    provider       text NOT NULL,
    key_name       text NOT NULL,
    accessed_at    timestamptz NOT NULL,
    success        boolean NOT NULL,
    actor_id       uuid,
    client_prefix  text
);
CREATE INDEX vault_access_log_org_time_idx ON vault_access_log (org_id, accessed_at);
