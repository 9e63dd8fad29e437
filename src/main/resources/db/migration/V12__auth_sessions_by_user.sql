-- Every session of a user, ended ones included, newest last: the login's "IP changed since the last session"
-- check and a user's erasure read this. Without it both scanned the whole table, so each login cost grew with
-- the number of sessions ever opened (1 ms at 8,000 sessions).
CREATE INDEX auth_sessions_user_created_idx ON auth_sessions (user_id, created_at);
