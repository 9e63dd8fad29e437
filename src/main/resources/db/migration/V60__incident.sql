-- Incident detection and response: incidents with evidence and a timeline, blocked IPs, emergency mode.

CREATE TABLE incidents (
    id              uuid PRIMARY KEY,
    org_id          uuid REFERENCES organizations (id) ON DELETE CASCADE,
    type            text NOT NULL,
    severity        text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low')),
    status          text NOT NULL CHECK (status IN ('open', 'contained', 'resolved')),
    -- What the incident is about, e.g. user:<id> or ip:<address>; one open incident per (org, type, subject).
    subject         text NOT NULL,
    opened_at       timestamptz NOT NULL,
    respond_by      timestamptz NOT NULL,
    contained_at    timestamptz,
    resolved_at     timestamptz,
    updated_at      timestamptz NOT NULL,
    hits            integer NOT NULL DEFAULT 1,
    affected_users  uuid[] NOT NULL DEFAULT '{}',
    affected_keys   text[] NOT NULL DEFAULT '{}',
    evidence        uuid[] NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX incidents_one_open_key ON incidents
    (coalesce(org_id, '00000000-0000-0000-0000-000000000000'::uuid), type, subject) WHERE status <> 'resolved';
CREATE INDEX incidents_org_time_idx ON incidents (org_id, opened_at DESC);

CREATE TABLE incident_timeline (
    id           bigserial PRIMARY KEY,
    incident_id  uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL,
    actor_id     uuid,
    action       text NOT NULL,
    detail       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX incident_timeline_incident_idx ON incident_timeline (incident_id, id);

-- Refused at the edge on every instance until blocked_until.
CREATE TABLE blocked_ips (
    ip             text PRIMARY KEY,
    blocked_until  timestamptz NOT NULL,
    reason         text NOT NULL,
    incident_id    uuid REFERENCES incidents (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL
);

-- Organizations in emergency (read-only) mode.
CREATE TABLE emergency_mode (
    org_id      uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    since       timestamptz NOT NULL,
    enabled_by  uuid,
    reason      text NOT NULL
);
