-- An address's events by time: credential-stuffing and anonymous abuse counts read one address's failures over a
-- window on every failed login; without this index each count read the whole window of every address's failures,
-- so a stuffing attack made each further failure cost more.
CREATE INDEX audit_events_ip_time_idx ON audit_events (client_ip, occurred_at) WHERE client_ip IS NOT NULL;
