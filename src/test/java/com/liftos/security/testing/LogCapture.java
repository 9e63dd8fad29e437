package com.liftos.security.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/**
 * Captures every log event at DEBUG and above while open, for the canary tests (a secret must appear in no log
 * line and no logged exception). {@link #close()} restores the root logger as it was.
 */
public final class LogCapture implements AutoCloseable {
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Level previous = root.getLevel();
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();

    public LogCapture() {
        root.setLevel(Level.DEBUG);
        events.start();
        root.addAppender(events);
    }

    public int count() {
        return events.list.size();
    }

    /** Every captured message and stack trace, one after another. */
    public String text() {
        StringBuilder out = new StringBuilder();
        for (ILoggingEvent e : java.util.List.copyOf(events.list)) {
            out.append(e.getFormattedMessage()).append('\n');
            if (e.getThrowableProxy() != null) {
                out.append(ThrowableProxyUtil.asString(e.getThrowableProxy())).append('\n');
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        root.detachAppender(events);
        root.setLevel(previous);
    }
}
