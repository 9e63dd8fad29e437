-- One-time links mailed to people: invitations, password resets, email-change confirmations. Only SHA-256 of the
-- token (32 random bytes) is kept; a token is bound to its purpose and organization, works once (used_at) until
-- expires_at, and is dead once revoked (an invitation revoked, a newer link mailed for the same purpose).
-- An invitation keeps its id across resends: a resend replaces token_hash and expires_at, so the old link dies.
-- email: the invitee (invitation), the account's address when mailed (reset), the new address (email change).
CREATE TABLE account_tokens (
    id           uuid PRIMARY KEY,
    purpose      text        NOT NULL CHECK (purpose IN ('invitation', 'password_reset', 'email_change')),
    token_hash   bytea       NOT NULL,
    org_id       uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id      uuid        REFERENCES users (id) ON DELETE CASCADE,
    email        text        NOT NULL,
    display_name text,
    roles        text[]      NOT NULL DEFAULT '{}',
    created_by   uuid,
    created_at   timestamptz NOT NULL,
    sent_at      timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    revoked_at   timestamptz,
    CHECK ((purpose = 'invitation') = (user_id IS NULL))
);
CREATE UNIQUE INDEX account_tokens_hash_idx ON account_tokens (token_hash);
-- one open invitation per address and organization (resend it instead); listed in (email, id) order
CREATE INDEX account_tokens_open_invitation_idx ON account_tokens (org_id, email COLLATE "C", id)
    WHERE purpose = 'invitation' AND used_at IS NULL AND revoked_at IS NULL;
CREATE UNIQUE INDEX account_tokens_one_invitation_idx ON account_tokens (org_id, email)
    WHERE purpose = 'invitation' AND used_at IS NULL AND revoked_at IS NULL;
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose) WHERE user_id IS NOT NULL;
