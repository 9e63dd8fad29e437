package com.liftos.security.audit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers written events to listeners off the request path, on virtual threads, so a slow or failing
 * listener never delays or breaks the audited action. Listeners are added during wiring, before traffic.
 */
public final class EventFanout implements SecurityEventListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventFanout.class);

    private final List<SecurityEventListener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    public void add(SecurityEventListener listener) {
        listeners.add(listener);
    }

    @Override
    public void onEvent(SecurityEvent event) {
        for (SecurityEventListener l : listeners) {
            try {
                executor.execute(() -> {
                    try {
                        l.onEvent(event);
                    } catch (RuntimeException e) {
                        LOG.warn("event listener {} failed on {}: {}", l.getClass().getSimpleName(), event.type(), e.getClass().getSimpleName());
                    }
                });
            } catch (RejectedExecutionException e) {
                LOG.debug("event listener skipped during shutdown");
            }
        }
    }

    @Override
    public void close() {
        executor.shutdown();
    }
}
