-- Password-guessing lockouts, counted in the login itself (not after the fact from the audit log): one row per
-- account and device. device '' is every device that has not signed in to the account before (they share one
-- lockout); a known device (its device token proves an earlier sign-in) has a row of its own, so failures from
-- elsewhere never lock it. account_key is 'u:<user id>', or 'e:<sha-256 of the lower-cased email>' for an email
-- with no account, so a lock says nothing about whether an account exists.
-- attempts counts the attempts of the current window that reached (or are about to reach) the password hash;
-- it is taken before hashing, so concurrent attempts never exceed the threshold.
CREATE TABLE login_lockouts (
    account_key       text        NOT NULL,
    device            text        NOT NULL,
    user_id           uuid        REFERENCES users (id) ON DELETE CASCADE,
    attempts          integer     NOT NULL,
    window_started_at timestamptz NOT NULL,
    locked_until      timestamptz,
    -- set by the reservation that found the lock expired (its end), so that one expiry is audited once
    expired_lock_until timestamptz,
    unlock_token_hash bytea,
    unlock_expires_at timestamptz,
    PRIMARY KEY (account_key, device)
);
CREATE INDEX login_lockouts_user_idx ON login_lockouts (user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX login_lockouts_unlock_idx ON login_lockouts (unlock_token_hash) WHERE unlock_token_hash IS NOT NULL;
