-- Connections: a tenant's OAuth links to its marketing platforms. Every secret here (the platform OAuth client's
-- secret, PKCE verifiers, access and refresh tokens) is sealed by the vault under the organization's data key;
-- connect-session states are kept only as SHA-256 hashes.

-- The organization's own OAuth client at each platform (its app registration).
CREATE TABLE connection_apps (
    org_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    provider       text NOT NULL,
    client_id      text NOT NULL,
    sealed_secret  bytea NOT NULL,
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (org_id, provider)
);

-- A started connect: single use (used_at set atomically by the callback), short-lived.
CREATE TABLE connection_sessions (
    id               uuid PRIMARY KEY,
    state_hash       bytea NOT NULL UNIQUE,
    org_id           uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    provider         text NOT NULL,
    connection_id    uuid,
    params           jsonb NOT NULL,
    sealed_verifier  bytea,
    created_by       uuid NOT NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz
);
CREATE INDEX connection_sessions_expiry ON connection_sessions (expires_at);

-- One connection; tokens sealed with the purpose conn:<id>:<token_generation>, so an older blob copied back does
-- not open. fence grows with every lease and every token write: a refresh stores its tokens only while fence is
-- still the value its lease was given, so a stalled holder never writes over a newer token.
CREATE TABLE connections (
    id                 uuid PRIMARY KEY,
    org_id             uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    provider           text NOT NULL,
    status             text NOT NULL CHECK (status IN ('active', 'relink_needed', 'disconnected')),
    params             jsonb NOT NULL,
    metadata           jsonb NOT NULL,
    scopes             text NOT NULL,
    sealed_tokens      bytea,
    token_generation   bigint NOT NULL DEFAULT 0,
    access_expires_at  timestamptz,
    fence              bigint NOT NULL DEFAULT 0,
    lease_until        timestamptz,
    refresh_count      bigint NOT NULL DEFAULT 0,
    last_refreshed_at  timestamptz,
    created_by         uuid NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX connections_by_org ON connections (org_id, id);
-- The proactive refresh's scan: active connections by when their token ends.
CREATE INDEX connections_due ON connections (access_expires_at) WHERE status = 'active';
