-- A user's sessions are listed newest first by (created_at, id): with id in the index too, a page is the first rows of
-- a backward index scan in every plan. Without it, the generic plan that pgJDBC settles on after five executions
-- sorted all of a user's live sessions for each page (3.4 ms for 2,501; docs/perf/directory.md).
CREATE INDEX auth_sessions_user_live_order_idx ON auth_sessions (user_id, created_at, id) WHERE ended_at IS NULL;
DROP INDEX auth_sessions_user_live_idx;
CREATE INDEX auth_sessions_user_created_order_idx ON auth_sessions (user_id, created_at, id);
DROP INDEX auth_sessions_user_created_idx;
