-- Refresh tokens now name their family (the session, with a keyed tag), so a retired token stays recognisable as
-- reuse from the token itself after its row is purged. Rows of tokens issued before this migration carry no family:
-- they keep the default false and stay until their session is purged. Every token issued from now on is stored with
-- true (set explicitly, so a row written by an instance that predates this column is never taken for one that names
-- its family).
ALTER TABLE refresh_tokens ADD COLUMN carries_family boolean NOT NULL DEFAULT false;

-- A session was announced when it ended; deleting it later (the retention purge) announces nothing again. Deleting a
-- live session (a cascade from its user) still does.
CREATE OR REPLACE FUNCTION auth_notify_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.ended_at IS NULL THEN
            PERFORM pg_notify('liftos_auth', current_schema() || ' s ' || OLD.id::text);
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.ended_at IS NOT NULL AND OLD.ended_at IS NULL THEN
        PERFORM pg_notify('liftos_auth', current_schema() || ' s ' || NEW.id::text);
    END IF;
    RETURN NEW;
END $$;
