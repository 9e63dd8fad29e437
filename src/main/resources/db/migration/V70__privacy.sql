-- GDPR: consent records per user and purpose (each grant or withdrawal is a row; the latest one counts).
CREATE TABLE privacy_consents (
    id            bigserial PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose       text NOT NULL,
    granted       boolean NOT NULL,
    text_version  text NOT NULL,
    recorded_at   timestamptz NOT NULL
);
CREATE INDEX privacy_consents_user_idx ON privacy_consents (user_id, purpose, id DESC);
