-- An actor's events by time: the incident detector counts one user's logins and failures over a window on every
-- login; with the actor-only index (or the organization's type/time index) each count read the whole window of
-- the organization, so a login cost more the busier the organization was (66 ms at 11,000 logins in the hour).
CREATE INDEX audit_events_actor_time_idx ON audit_events (actor_id, occurred_at) WHERE actor_id IS NOT NULL;
DROP INDEX audit_events_actor_idx;
