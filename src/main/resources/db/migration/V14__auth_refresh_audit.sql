-- When a session's refresh was last audited (TOKEN_REFRESHED). The rotation statement audits a session's first
-- refresh in 15 minutes, and every refresh from another address than the session's, and records it here in the
-- same statement, so every instance samples alike.
ALTER TABLE auth_sessions ADD COLUMN refresh_audited_at timestamptz;
