-- q on display names reads keys only: the listing's order (email, id) and the name are in the index, so a common
-- one-letter prefix (12,000 of 100,000 users) is an index-only scan instead of a heap row per match (docs/perf/directory.md).
-- display_name itself is included because PostgreSQL plans an index-only scan on an expression index only when the
-- column under the expression is in the index too.
CREATE INDEX users_org_name_prefix_keys_idx ON users (org_id, lower(display_name) text_pattern_ops)
    INCLUDE (email, id, display_name) WHERE display_name IS NOT NULL;
DROP INDEX users_org_name_prefix_idx;
