-- Idempotency keys of audit batches written by services (POST /v1/orgs/{orgId}/audit/events): the key, the digest
-- of the body it came with and the ids of the events it wrote, committed in the same transaction as the events, so
-- a retried batch is answered from here and never written twice. Kept one day (a retry comes within minutes).
CREATE TABLE audit_ingest_keys (
    org_id          uuid        NOT NULL,
    actor_id        uuid        NOT NULL,
    idempotency_key text        NOT NULL,
    body_sha256     bytea       NOT NULL,
    event_ids       uuid[]      NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (org_id, actor_id, idempotency_key)
);
