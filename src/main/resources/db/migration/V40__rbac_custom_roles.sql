-- An organization's own roles: a named set of organization-scoped permissions from the catalogue, assigned to
-- users by name (users.roles) exactly like the built-in roles, whose names they may not take.

CREATE TABLE custom_roles (
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    permissions  text[] NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    created_by   uuid,
    UNIQUE (org_id, name)
);
