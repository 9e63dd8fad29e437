-- Passkeys (WebAuthn credentials): public keys only, in the COSE form webauthn4j reads back (attested credential
-- data: AAGUID, credential id, COSE key), the signature counter a clone gives away, and a name the owner chose.
CREATE TABLE mfa_passkeys (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    credential_id   bytea NOT NULL UNIQUE,
    attested_data   bytea NOT NULL,
    sign_count      bigint NOT NULL,
    uv_initialized  boolean NOT NULL,
    backup_eligible boolean NOT NULL,
    backup_state    boolean NOT NULL,
    aaguid          uuid NOT NULL,
    name            text NOT NULL,
    created_at      timestamptz NOT NULL,
    last_used_at    timestamptz
);
CREATE INDEX mfa_passkeys_user_idx ON mfa_passkeys (user_id);

-- Challenges handed to browsers (SHA-256 of the challenge only): single-use, deleted when presented or expired.
-- user_id is empty for a passwordless sign-in, which does not know the user until the assertion names one.
CREATE TABLE mfa_passkey_challenges (
    challenge_hash  bytea PRIMARY KEY,
    purpose         text NOT NULL CHECK (purpose IN ('register', 'second_factor', 'passwordless')),
    user_id         uuid REFERENCES users (id) ON DELETE CASCADE,
    expires_at      timestamptz NOT NULL
);
CREATE INDEX mfa_passkey_challenges_expiry_idx ON mfa_passkey_challenges (expires_at);
CREATE INDEX mfa_passkey_challenges_user_idx ON mfa_passkey_challenges (user_id);
