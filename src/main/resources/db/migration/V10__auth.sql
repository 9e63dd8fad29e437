-- Identity and tokens: sessions, refresh tokens (hashes only), revoked access tokens, known devices,
-- service accounts and the JWT signing keyring.

CREATE TABLE auth_sessions (
    id                  uuid PRIMARY KEY,
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id              uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    device_fingerprint  text NOT NULL,
    device_id           text,
    client_ip           text NOT NULL,
    user_agent          text,
    amr                 text[] NOT NULL,
    auth_time           timestamptz NOT NULL,
    created_at          timestamptz NOT NULL,
    last_seen_at        timestamptz NOT NULL,
    idle_timeout_seconds integer NOT NULL,
    expires_at          timestamptz NOT NULL,
    ended_at            timestamptz,
    end_reason          text,
    new_device          boolean NOT NULL DEFAULT false,
    ip_changed          boolean NOT NULL DEFAULT false,
    risk_score          double precision NOT NULL DEFAULT 0
);
CREATE INDEX auth_sessions_user_live_idx ON auth_sessions (user_id, created_at) WHERE ended_at IS NULL;
CREATE INDEX auth_sessions_org_live_idx ON auth_sessions (org_id) WHERE ended_at IS NULL;

-- One row per refresh token ever issued; the family is the session. Only SHA-256 of the token is kept.
CREATE TABLE refresh_tokens (
    token_hash   bytea PRIMARY KEY,
    session_id   uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    parent_hash  bytea,
    status       text NOT NULL CHECK (status IN ('active', 'rotated', 'revoked')),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- Access tokens revoked before their expiry; rows may be dropped once expires_at has passed.
CREATE TABLE revoked_access_tokens (
    jti         text PRIMARY KEY,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz NOT NULL
);

CREATE TABLE known_devices (
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    fingerprint  text NOT NULL,
    first_seen   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL,
    last_ip      text,
    user_agent   text,
    PRIMARY KEY (user_id, fingerprint)
);

CREATE TABLE service_accounts (
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name         text NOT NULL,
    client_id    text NOT NULL UNIQUE,
    secret_hash  bytea NOT NULL,
    roles        text[] NOT NULL DEFAULT '{}',
    permissions  text[] NOT NULL DEFAULT '{}',
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at   timestamptz NOT NULL,
    created_by   uuid
);
CREATE INDEX service_accounts_org_idx ON service_accounts (org_id);

-- The JWT keyring shared by every instance. The key from JWT_PRIVATE_KEY_PATH is registered with
-- private_sealed NULL (its private half stays in the file); keys added by `liftos keys rotate-jwt` carry their
-- private key sealed with the master key. The newest active key signs; every key not retired verifies.
CREATE TABLE jwt_signing_keys (
    kid             text PRIMARY KEY,
    public_pem      text NOT NULL,
    private_sealed  bytea,
    created_at      timestamptz NOT NULL,
    activated_at    timestamptz NOT NULL,
    retired_at      timestamptz
);
