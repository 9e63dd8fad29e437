-- Revocation feed: every instance LISTENs on channel liftos_auth and keeps an in-memory view of session and
-- token state. Triggers announce every change that stops a token, whatever code path (or cascade) made it, as
-- '<schema> <kind> <id>': s = session ended or deleted, j = access token revoked, a = service account changed.

CREATE TABLE auth_instances (
    id            uuid PRIMARY KEY,
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION auth_notify_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('liftos_auth', current_schema() || ' s ' || OLD.id::text);
        RETURN OLD;
    END IF;
    IF NEW.ended_at IS NOT NULL AND OLD.ended_at IS NULL THEN
        PERFORM pg_notify('liftos_auth', current_schema() || ' s ' || NEW.id::text);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER auth_sessions_notify AFTER UPDATE OF ended_at OR DELETE ON auth_sessions
    FOR EACH ROW EXECUTE FUNCTION auth_notify_session();

CREATE FUNCTION auth_notify_jti() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('liftos_auth', current_schema() || ' j ' || NEW.jti);
    RETURN NEW;
END $$;
CREATE TRIGGER revoked_access_tokens_notify AFTER INSERT ON revoked_access_tokens
    FOR EACH ROW EXECUTE FUNCTION auth_notify_jti();

CREATE FUNCTION auth_notify_service_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('liftos_auth', current_schema() || ' a ' || OLD.id::text);
        RETURN OLD;
    END IF;
    PERFORM pg_notify('liftos_auth', current_schema() || ' a ' || NEW.id::text);
    RETURN NEW;
END $$;
CREATE TRIGGER service_accounts_notify AFTER UPDATE OF status, secret_hash OR DELETE ON service_accounts
    FOR EACH ROW EXECUTE FUNCTION auth_notify_service_account();

-- Orders sessions opened within the same clock tick (the session limit ends the oldest).
ALTER TABLE auth_sessions ADD COLUMN opened_seq bigserial;
