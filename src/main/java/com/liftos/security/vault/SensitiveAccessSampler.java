package com.liftos.security.vault;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides which reveals also write SENSITIVE_DATA_ACCESS: the first reveal of a credential version by one caller
 * from one address in each {@link #WINDOW}. API_KEY_ACCESSED still records every reveal; this event says who started
 * reading which secret, at a cost that does not double the audit rows of a service account revealing at a high rate
 * (measured: a second event on every reveal cost a quarter of the reveal throughput). Per instance: with several
 * instances a caller may be recorded once per instance per window, never less.
 */
final class SensitiveAccessSampler {
    static final Duration WINDOW = Duration.ofMinutes(15);
    private static final int MAX_ENTRIES = 50_000;

    private record Key(UUID orgId, String provider, String keyName, int version, Optional<UUID> actor, Optional<String> address) {}

    private final ConcurrentHashMap<Key, Instant> lastRecorded = new ConcurrentHashMap<>();

    /** Whether this reveal is the first of its window (it is not yet marked: call {@link #recorded} once the event is durable). */
    boolean due(UUID orgId, String provider, String keyName, int version, Caller by, Instant now) {
        Instant last = lastRecorded.get(key(orgId, provider, keyName, version, by));
        return last == null || !now.isBefore(last.plus(WINDOW));
    }

    void recorded(UUID orgId, String provider, String keyName, int version, Caller by, Instant now) {
        if (lastRecorded.size() >= MAX_ENTRIES) {
            // Forgetting only makes the next reveals record again: never fewer events than the window promises.
            lastRecorded.clear();
        }
        lastRecorded.put(key(orgId, provider, keyName, version, by), now);
    }

    private static Key key(UUID orgId, String provider, String keyName, int version, Caller by) {
        return new Key(orgId, provider, keyName, version, by.actorId(), by.clientIp());
    }
}
