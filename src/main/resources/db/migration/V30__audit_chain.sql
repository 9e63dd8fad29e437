-- Audit: per-organization hash chains, signed checkpoints, erasable personal fields, alert outbox.
--
-- Rows written before chaining existed (foundation's unchained audit_events) are kept, unchanged, in
-- audit_events_prechain; the chained table starts empty so that every row in it is covered by a chain.
CREATE TABLE audit_events_prechain AS SELECT * FROM audit_events;
DELETE FROM audit_events;

ALTER TABLE audit_events
    -- The chain an event belongs to: its organization, or the all-zero UUID for system events.
    ADD COLUMN chain uuid GENERATED ALWAYS AS (coalesce(org_id, '00000000-0000-0000-0000-000000000000'::uuid)) STORED,
    ADD COLUMN seq bigint NOT NULL,
    ADD COLUMN format smallint NOT NULL DEFAULT 1,
    -- Non-personal details exactly as hashed (canonical JSON); personal details live apart so they can be erased.
    ADD COLUMN details_text text NOT NULL DEFAULT '{}',
    ADD COLUMN personal_text text,
    ADD COLUMN personal_salt bytea,
    ADD COLUMN personal_digest bytea NOT NULL,
    ADD COLUMN pseudonymized boolean NOT NULL DEFAULT false,
    ADD COLUMN prev_hash bytea NOT NULL,
    ADD COLUMN hash bytea NOT NULL;

-- details stays the queryable view (details->>'provider'): hashed part plus the erasable part.
ALTER TABLE audit_events DROP COLUMN details;
ALTER TABLE audit_events ADD COLUMN details jsonb
    GENERATED ALWAYS AS (details_text::jsonb || coalesce(personal_text::jsonb, '{}'::jsonb)) STORED;

CREATE UNIQUE INDEX audit_events_chain_seq_key ON audit_events (chain, seq);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_events_chain_type_time_idx ON audit_events (chain, event_type, occurred_at);
CREATE INDEX audit_events_chain_risk_idx ON audit_events (chain, risk_score) WHERE risk_score >= 0.6;

-- One row per chain: the newest record (seq, hash) and the anchor (last purged record) the chain now starts from.
-- Every writer locks this row (FOR UPDATE or a compare-and-set UPDATE), so appends to a chain are serialized.
CREATE TABLE audit_chain_heads (
    chain             uuid PRIMARY KEY,
    seq               bigint NOT NULL,
    hash              bytea NOT NULL,
    anchor_seq        bigint NOT NULL DEFAULT 0,
    anchor_hash       bytea NOT NULL,
    anchor_key_id     text,
    anchor_signature  bytea
);

-- Signed statements "chain C had record seq S with hash H at time T" (HMAC-SHA256, see AuditKey).
CREATE TABLE audit_checkpoints (
    id          bigserial PRIMARY KEY,
    chain       uuid NOT NULL,
    seq         bigint NOT NULL,
    hash        bytea NOT NULL,
    created_at  timestamptz NOT NULL,
    key_id      text NOT NULL,
    signature   bytea NOT NULL
);
CREATE UNIQUE INDEX audit_checkpoints_chain_seq_key ON audit_checkpoints (chain, seq);

-- Durable outbox of alert deliveries: written in the same transaction as the high/critical event.
CREATE TABLE audit_alert_outbox (
    id               bigserial PRIMARY KEY,
    event_id         uuid NOT NULL,
    webhook_id       text NOT NULL,
    created_at       timestamptz NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed'))
);
CREATE INDEX audit_alert_outbox_due_idx ON audit_alert_outbox (next_attempt_at) WHERE status = 'pending';

-- Every delivery attempt, for the record.
CREATE TABLE audit_webhook_deliveries (
    id            bigserial PRIMARY KEY,
    outbox_id     bigint NOT NULL REFERENCES audit_alert_outbox (id) ON DELETE CASCADE,
    attempt       integer NOT NULL,
    attempted_at  timestamptz NOT NULL,
    status_code   integer,
    error         text,
    duration_ms   integer NOT NULL
);
CREATE INDEX audit_webhook_deliveries_outbox_idx ON audit_webhook_deliveries (outbox_id);
