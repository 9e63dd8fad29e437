package com.liftos.security.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.store.Db;
import com.liftos.security.store.StoreException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The simple chained audit log: each {@link #record(SecurityEvent)} is its own transaction (one commit per event).
 * The service uses {@link GroupCommitAuditLog}, which batches commits; this one remains for tools and for tests of
 * other features that want an audit log with no background thread. Both chain identically.
 */
public final class JdbcAuditLog implements AuditLog {
    private final Db db;
    private final SecurityEventListener listener;
    private final ChainAppender appender;

    /** Kept with the foundation's signature; the mapper is no longer needed (details are canonicalized here). */
    public JdbcAuditLog(Db db, ObjectMapper json, SecurityEventListener listener) {
        this(db, listener, new ChainAppender(new SecureRandom(), List.of()));
    }

    JdbcAuditLog(Db db, SecurityEventListener listener, ChainAppender appender) {
        this.db = db;
        this.listener = listener;
        this.appender = appender;
    }

    @Override
    public void record(SecurityEvent event) {
        db.tx(c -> {
            appender.append(c, List.of(event));
            return null;
        });
        listener.onEvent(event);
    }

    @Override
    public void recordAll(List<SecurityEvent> events) {
        db.tx(c -> {
            appender.append(c, events);
            return null;
        });
        events.forEach(listener::onEvent);
    }

    @Override
    public void record(Connection transaction, SecurityEvent event) {
        try {
            appender.append(transaction, List.of(event));
        } catch (SQLException e) {
            throw new StoreException("audit write failed: " + e.getSQLState(), e);
        }
        listener.onEvent(event);
    }
}
