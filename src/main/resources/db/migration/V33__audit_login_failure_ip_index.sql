-- An address's failed logins by time: the slow-attack count reads one address's LOGIN_FAILURE events over days on
-- each failed login. Through the (client_ip, occurred_at) index it also read every other event of the address (an
-- office behind one address signs in and refreshes all day): 16.4 ms for an address with 30,000 events of which 8
-- failures in 72 hours, against 0.23 ms through this index (100,000 events, EXPLAIN ANALYZE, generic plan).
CREATE INDEX audit_events_login_failure_ip_time_idx ON audit_events (client_ip, occurred_at)
    WHERE event_type = 'LOGIN_FAILURE' AND client_ip IS NOT NULL;
