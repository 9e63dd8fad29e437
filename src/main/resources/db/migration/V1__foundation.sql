-- Foundation: organizations, users, per-org security configuration, security events.

CREATE TABLE organizations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    status      text NOT NULL DEFAULT 'active',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organizations_name_key ON organizations (lower(name));

CREATE TABLE users (
    id                   uuid PRIMARY KEY,
    org_id               uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email                text NOT NULL,
    display_name         text,
    password_hash        text NOT NULL,
    password_changed_at  timestamptz NOT NULL DEFAULT now(),
    roles                text[] NOT NULL DEFAULT '{}',
    status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    locked_until         timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    last_login_at        timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_org_idx ON users (org_id);

CREATE TABLE org_security_config (
    org_id      uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    config      jsonb NOT NULL,
    version     integer NOT NULL DEFAULT 1,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  uuid
);

CREATE TABLE audit_events (
    id           bigserial PRIMARY KEY,
    event_id     uuid NOT NULL UNIQUE,
    occurred_at  timestamptz NOT NULL,
    event_type   text NOT NULL,
    org_id       uuid,
    actor_id     uuid,
    actor_type   text,
    action       text NOT NULL,
    resource     text,
    client_ip    text,
    user_agent   text,
    success      boolean NOT NULL,
    details      jsonb NOT NULL DEFAULT '{}'::jsonb,
    request_id   text,
    risk_score   double precision NOT NULL DEFAULT 0,
    risk_level   text NOT NULL DEFAULT 'low'
);
CREATE INDEX audit_events_org_time_idx ON audit_events (org_id, occurred_at);
CREATE INDEX audit_events_type_time_idx ON audit_events (event_type, occurred_at);
