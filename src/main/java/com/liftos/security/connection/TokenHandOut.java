package com.liftos.security.connection;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.connection.ConnectionStore.Row;
import com.liftos.security.connection.ConnectionStore.Status;
import com.liftos.security.connection.Connections.Actor;
import com.liftos.security.connection.Connections.Issued;
import com.liftos.security.connection.Connections.Outcome;
import com.liftos.security.connection.Connections.Refusal;
import com.liftos.security.connection.ProviderCatalogue.ProviderSpec;
import com.liftos.security.connection.ProviderClient.AppClient;
import com.liftos.security.connection.ProviderClient.TokenAnswer;
import com.liftos.security.store.Db;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Fresh access tokens: hand-outs to workers and the proactive refresh, one refresh of a connection at a time across
 * every instance ({@link Connections} states the guarantees). In this instance, callers of one connection queue on
 * its lock; across instances, a refresher takes a lease under the row lock ({@code SELECT ... FOR UPDATE}), which
 * moves the row's fence, and stores its tokens only while the fence is unchanged.
 */
final class TokenHandOut {
    static final Duration LEASE = Duration.ofSeconds(30);
    /** How long a caller waits for another instance's refresh before answering 503. */
    static final Duration WAIT_FOR_REFRESH = Duration.ofSeconds(20);
    /** A token refreshed this recently is handed out even when it lives less than asked (a provider's short lifetime), instead of refreshing again. */
    static final Duration JUST_REFRESHED = Duration.ofSeconds(10);
    static final int SCAN_BATCH = 200;

    private final Db db;
    private final AuditLog audit;
    private final ConnectionStore store;
    private final ProviderCatalogue catalogue;
    private final ProviderClient client;
    private final ConnectionSecrets sealing;
    private final Clock clock;
    // One lock per connection id for this instance's callers; the lease orders instances. Never pruned: one small
    // lock per connection this instance served.
    private final Map<UUID, ReentrantLock> refreshing = new ConcurrentHashMap<>();

    TokenHandOut(Db db, AuditLog audit, ConnectionStore store, ProviderCatalogue catalogue, ProviderClient client,
                 ConnectionSecrets sealing, Clock clock) {
        this.db = db;
        this.audit = audit;
        this.store = store;
        this.catalogue = catalogue;
        this.client = client;
        this.sealing = sealing;
        this.clock = clock;
    }

    /**
     * An access token valid for at least {@code minValid} (unless the provider's tokens live less, then as long as
     * they do), refreshed first when needed; every hand-out is audited (durably, before it is returned).
     */
    Outcome<Issued> accessToken(UUID org, UUID id, Duration minValid, Actor by) {
        Instant deadline = clock.instant().plus(WAIT_FOR_REFRESH);
        while (true) {
            Optional<Row> found = db.run(c -> store.find(c, org, id, false));
            if (found.isEmpty()) {
                return Connections.refused(Refusal.NOT_FOUND, "not_found", "No such connection");
            }
            Row row = found.get();
            Optional<Outcome<Issued>> settled = settled(row, minValid, by, this::handOut);
            if (settled.isPresent()) {
                return settled.get();
            }
            ReentrantLock lock = refreshing.computeIfAbsent(id, k -> new ReentrantLock());
            try {
                if (!lock.tryLock(Math.max(1, Duration.between(clock.instant(), deadline).toMillis()), TimeUnit.MILLISECONDS)) {
                    return busy();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return busy();
            }
            try {
                Optional<Outcome<Issued>> done = refreshOnce(org, id, minValid, by, this::handOut);
                if (done.isPresent()) {
                    return done.get();
                }
            } finally {
                lock.unlock();
            }
            // Another instance holds the lease: wait for its tokens, or for its lease to lapse.
            if (clock.instant().isAfter(deadline)) {
                return busy();
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return busy();
            }
        }
    }

    /** The answer a row gives without a refresh, when it gives one. */
    private Optional<Outcome<Issued>> settled(Row row, Duration minValid, Actor by, HandOut out) {
        Instant now = clock.instant();
        if (row.status() == Status.RELINK_NEEDED) {
            return Optional.of(Connections.refused(Refusal.CONFLICT, "relink_needed", "The provider no longer honours this connection's grant: connect it again"));
        }
        if (row.status() == Status.DISCONNECTED || row.sealedTokens().isEmpty()) {
            return Optional.of(Connections.refused(Refusal.CONFLICT, "disconnected", "The connection was disconnected"));
        }
        Instant expires = row.accessExpiresAt().orElse(Instant.EPOCH);
        boolean fresh = !expires.isBefore(now.plus(minValid));
        boolean justRefreshed = expires.isAfter(now) && row.lastRefreshedAt().map(t -> t.isAfter(now.minus(JUST_REFRESHED))).orElse(false);
        if (fresh || justRefreshed) {
            return Optional.of(out.give(row.orgId(), row.id(), row.provider(), sealing.openTokens(row).access(), expires, false, by));
        }
        ProviderSpec spec = catalogue.find(row.provider()).orElseThrow(() -> new IllegalStateException("provider left the catalogue"));
        if (spec.refresh() != ProviderCatalogue.RefreshMode.REFRESH_TOKEN || sealing.openTokens(row).refresh().isEmpty()) {
            // No refresh grant (Meta, or a provider that sent no refresh token): hand out what still works, else re-consent.
            return Optional.of(expires.isAfter(now)
                    ? out.give(row.orgId(), row.id(), row.provider(), sealing.openTokens(row).access(), expires, false, by)
                    : Connections.refused(Refusal.CONFLICT, "relink_needed", "The token expired and the provider offers no refresh: connect it again"));
        }
        return Optional.empty();
    }

    /** Under this instance's lock: takes the lease and refreshes, or empty when another instance holds it. */
    private Optional<Outcome<Issued>> refreshOnce(UUID org, UUID id, Duration minValid, Actor by, HandOut out) {
        record Lease(Row row, long fence) {}
        Instant now = clock.instant();
        // A lease, or none: held by another instance (or the row is gone; the caller's next read says so).
        Optional<Lease> taken = db.tx(c -> {
            Optional<Row> locked = store.find(c, org, id, true);
            if (locked.isEmpty() || locked.get().leaseUntil().map(u -> u.isAfter(now)).orElse(false)) {
                return Optional.<Lease>empty();
            }
            return Optional.of(new Lease(locked.get(), store.lease(c, id, now.plus(LEASE))));
        });
        if (taken.isEmpty()) {
            return Optional.empty();
        }
        Lease lease = taken.get();
        Row row = lease.row();
        Optional<Outcome<Issued>> settled = settled(row, minValid, by, out);
        if (settled.isPresent()) {
            release(id, lease.fence());
            return settled;
        }
        ProviderSpec spec = catalogue.find(row.provider()).orElseThrow(() -> new IllegalStateException("provider left the catalogue"));
        Optional<AppClient> app = sealing.app(org, row.provider());
        if (app.isEmpty()) {
            release(id, lease.fence());
            return Optional.of(Connections.refused(Refusal.CONFLICT, "app_not_configured", "The organization's OAuth client for " + row.provider() + " is gone"));
        }
        Tokens old = sealing.openTokens(row);
        TokenAnswer answer = client.refresh(spec, row.params(), app.get(), old.refresh().orElseThrow());
        Instant after = clock.instant();
        switch (answer) {
            case TokenAnswer.Granted granted -> {
                Tokens fresh = granted.tokens().keepingRefreshOf(old);
                long generation = row.generation() + 1;
                byte[] sealed = sealing.sealTokens(org, id, generation, fresh);
                Instant expires = after.plus(granted.expiresIn().orElse(spec.defaultExpiry().orElseThrow()));
                boolean stored = db.tx(c -> {
                    if (!store.storeRefreshed(c, id, lease.fence(), sealed, generation, expires, store.write(granted.metadata()), after)) {
                        return false;
                    }
                    audit.record(c, SecurityEvent.builder(SecurityEventType.TOKEN_REFRESHED, "refresh_connection").org(org)
                            .actor(by.subject().orElse(null), by.type()).resource("connection:" + id).requestId(by.requestId())
                            .detail("provider", row.provider()).detail("rotated", granted.tokens().refresh().isPresent()).build(after));
                    return true;
                });
                // Fenced out: a later holder stored newer tokens; ours are dropped and the caller reads theirs.
                return stored ? Optional.of(out.give(org, id, row.provider(), fresh.access(), expires, true, by)) : Optional.empty();
            }
            case TokenAnswer.InvalidGrant invalid -> {
                db.tx(c -> {
                    if (store.markRelinkNeeded(c, id, lease.fence(), after)) {
                        audit.record(c, SecurityEvent.builder(SecurityEventType.API_KEY_REVOKED, "connection_relink_needed").org(org)
                                .actor(by.subject().orElse(null), by.type()).resource("connection:" + id).requestId(by.requestId())
                                .success(false).detail("provider", row.provider()).detail("reason", "invalid_grant").risk(0.5).build(after));
                    }
                    return null;
                });
                return Optional.of(Connections.refused(Refusal.CONFLICT, "relink_needed", "The provider no longer honours this connection's grant: connect it again"));
            }
            case TokenAnswer.Failed failed -> {
                release(id, lease.fence());
                return Optional.of(new Outcome.Refused<>(Refusal.UNAVAILABLE, "provider_unavailable",
                        "The provider did not refresh the token (" + failed.reason() + "); try again", failed.retryAfter()));
            }
        }
    }

    private void release(UUID id, long fence) {
        db.tx(c -> {
            store.releaseLease(c, id, fence);
            return null;
        });
    }

    /** What becomes of the token a flow settles on: handed out to a worker (audited), or only kept (background refresh). */
    @FunctionalInterface
    private interface HandOut {
        Outcome<Issued> give(UUID org, UUID id, String provider, String token, Instant expires, boolean refreshed, Actor by);
    }

    /**
     * One pass of the proactive refresh: connections of refreshing providers whose token ends within
     * {@code ahead} (soonest first, at most {@value #SCAN_BATCH}) are refreshed through the same lease and fence as
     * a worker's request; one whose lease another instance holds, or that this instance is refreshing, is skipped.
     * Returns how many this pass refreshed.
     */
    int refreshDue(Duration ahead) {
        Instant now = clock.instant();
        List<String> refreshable = catalogue.ids().stream()
                .filter(p -> catalogue.find(p).orElseThrow().refresh() == ProviderCatalogue.RefreshMode.REFRESH_TOKEN).sorted().toList();
        List<Row> due = db.run(c -> store.due(c, refreshable, now.plus(ahead), now, SCAN_BATCH));
        Actor system = new Actor(Optional.empty(), SecurityEvent.ActorType.SYSTEM, "", Optional.empty(), "proactive-refresh");
        int refreshed = 0;
        for (Row row : due) {
            ReentrantLock lock = refreshing.computeIfAbsent(row.id(), k -> new ReentrantLock());
            if (!lock.tryLock()) {
                continue;
            }
            try {
                Optional<Outcome<Issued>> done = refreshOnce(row.orgId(), row.id(), ahead, system,
                        (org, id, provider, token, expires, wasRefreshed, by) -> new Outcome.Done<>(new Issued(id, token, expires, wasRefreshed)));
                if (done.isPresent() && done.get() instanceof Outcome.Done<Issued> d && d.value().refreshed()) {
                    refreshed++;
                }
            } finally {
                lock.unlock();
            }
        }
        return refreshed;
    }

    private Outcome<Issued> handOut(UUID org, UUID id, String provider, String token, Instant expires, boolean refreshed, Actor by) {
        Instant now = clock.instant();
        audit.record(Connections.event(SecurityEventType.API_KEY_ACCESSED, "connection_access_token", org, by, "connection:" + id)
                .detail("provider", provider).detail("refreshed", refreshed).build(now));
        return new Outcome.Done<>(new Issued(id, token, expires, refreshed));
    }

    private static <T> Outcome.Refused<T> busy() {
        return new Outcome.Refused<>(Refusal.UNAVAILABLE, "refresh_in_progress", "Another refresh of this connection is under way; try again",
                Optional.of(Duration.ofSeconds(1)));
    }
}
