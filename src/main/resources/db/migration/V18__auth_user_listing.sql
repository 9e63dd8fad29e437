-- An organization's users listed in pages: keyset order (email, id), byte-wise (COLLATE "C") so that one index
-- serves both the order and the email prefix search (q: LIKE 'prefix%'), whatever the database's collation.
CREATE INDEX users_org_email_c_idx ON users (org_id, email COLLATE "C", id);
-- q also matches the start of the display name, case-insensitively.
CREATE INDEX users_org_name_prefix_idx ON users (org_id, lower(display_name) text_pattern_ops)
    WHERE display_name IS NOT NULL;
