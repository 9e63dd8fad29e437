-- A block's scope: global (org_id NULL: every request from the address is refused before routing) or one
-- organization's (org_id set: refused only for that organization's callers and accounts). Rows written before
-- scopes existed were global and stay so. One entry per (address, scope).
ALTER TABLE blocked_ips ADD COLUMN org_id uuid REFERENCES organizations (id) ON DELETE CASCADE;
ALTER TABLE blocked_ips DROP CONSTRAINT blocked_ips_pkey;
CREATE UNIQUE INDEX blocked_ips_scope_key ON blocked_ips (ip, coalesce(org_id, '00000000-0000-0000-0000-000000000000'::uuid));
