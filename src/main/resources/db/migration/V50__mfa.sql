-- Multi-factor authentication: enrolled methods (TOTP secrets sealed by the vault), recovery codes and
-- one-time codes (keyed hashes only), single-use login challenges, send log and failure log for throttling.

CREATE TABLE mfa_methods (
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    method         text NOT NULL CHECK (method IN ('totp', 'email', 'sms')),
    status         text NOT NULL CHECK (status IN ('pending', 'active')),
    sealed_secret  bytea,
    phone_number   text,
    last_step      bigint,
    created_at     timestamptz NOT NULL,
    enabled_at     timestamptz,
    PRIMARY KEY (user_id, method)
);

CREATE TABLE mfa_recovery_codes (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash   bytea NOT NULL,
    created_at  timestamptz NOT NULL,
    used_at     timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- One live emailed/texted code per user and channel; a new send replaces it.
CREATE TABLE mfa_otp_codes (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel     text NOT NULL CHECK (channel IN ('email', 'sms')),
    code_hash   bytea NOT NULL,
    expires_at  timestamptz NOT NULL,
    attempts    integer NOT NULL DEFAULT 0,
    used_at     timestamptz,
    PRIMARY KEY (user_id, channel)
);

CREATE TABLE mfa_otp_sends (
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel  text NOT NULL,
    sent_at  timestamptz NOT NULL
);
CREATE INDEX mfa_otp_sends_idx ON mfa_otp_sends (user_id, channel, sent_at);

-- MFA login tokens seen by /v1/auth/mfa/verify (SHA-256 of the token): consumed once, dead after 5 wrong codes.
CREATE TABLE mfa_login_challenges (
    token_hash   bytea PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at   timestamptz NOT NULL,
    failures     integer NOT NULL DEFAULT 0,
    consumed_at  timestamptz
);
CREATE INDEX mfa_login_challenges_expiry_idx ON mfa_login_challenges (expires_at);

CREATE TABLE mfa_failures (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    failed_at  timestamptz NOT NULL
);
CREATE INDEX mfa_failures_idx ON mfa_failures (user_id, failed_at);
