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
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    static final int SCAN_BATCH = 500;
    static final int MAX_BATCHES_PER_PASS = 200;
    /** Tries of one refresh when the provider fails transiently, with full-jitter backoff between. */
    static final int ATTEMPTS = 3;
    static final Duration RETRY_BASE = Duration.ofMillis(200);
    static final Duration RETRY_CAP = Duration.ofSeconds(2);
    /** After a failed refresh no instance asks the provider for that connection for a full-jitter backoff of these bounds. */
    static final Duration BACKOFF_BASE = Duration.ofSeconds(2);
    static final Duration BACKOFF_CAP = Duration.ofMinutes(5);
    static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);
    /** When the provider may not be asked, a token still valid this long is handed out as it is. */
    static final Duration STILL_USABLE = Duration.ofMinutes(1);
    /** Connections of one provider failing within {@link #PROVIDER_WINDOW} that open an incident. */
    static final int PROVIDER_FAILURES = 10;
    static final Duration PROVIDER_WINDOW = Duration.ofMinutes(10);
    /** HIGH: relink events reach the alert webhooks. */
    static final double RELINK_RISK = 0.6;
    private static final Logger LOG = LoggerFactory.getLogger(TokenHandOut.class);

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
    private final Map<String, Instant> providerSignals = new ConcurrentHashMap<>();
    private final SecureRandom random;
    /** Background refreshers of this instance (each holds a database connection only while it reads or writes). */
    private final ExecutorService refreshers;
    private final int refresherCount;

    TokenHandOut(Db db, AuditLog audit, ConnectionStore store, ProviderCatalogue catalogue, ProviderClient client,
                 ConnectionSecrets sealing, Clock clock, SecureRandom random, int refresherCount) {
        this.db = db;
        this.audit = audit;
        this.store = store;
        this.catalogue = catalogue;
        this.client = client;
        this.sealing = sealing;
        this.clock = clock;
        this.random = random;
        this.refresherCount = refresherCount;
        this.refreshers = Executors.newFixedThreadPool(refresherCount,
                Thread.ofPlatform().name("liftos-connection-refresher-", 0).daemon(true).factory());
    }

    int refreshers() {
        return refresherCount;
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
        if (spec(row).primaryMode() == ProviderCatalogue.AuthMode.OAUTH1A) {
            return Optional.of(Connections.refused(Refusal.CONFLICT, "unsupported_auth_mode",
                    "This connection signs requests (OAuth 1.0a): POST the request to its /sign instead"));
        }
        Instant expires = row.accessExpiresAt().orElse(Instant.EPOCH);
        boolean fresh = !expires.isBefore(now.plus(minValid));
        boolean justRefreshed = expires.isAfter(now) && row.lastRefreshedAt().map(t -> t.isAfter(now.minus(JUST_REFRESHED))).orElse(false);
        if (fresh || justRefreshed) {
            return Optional.of(out.give(row.orgId(), row.id(), row.provider(), sealing.openTokens(row).access(), expires, false, by));
        }
        ProviderSpec spec = catalogue.find(row.provider()).orElseThrow(() -> new IllegalStateException("provider left the catalogue"));
        if (spec.refresh() == ProviderCatalogue.RefreshMode.CLIENT_CREDENTIALS) {
            return Optional.empty(); // a new token from the org's own client
        }
        if (spec.refresh() != ProviderCatalogue.RefreshMode.REFRESH_TOKEN || sealing.openTokens(row).refresh().isEmpty()) {
            // No refresh grant (Meta, or a provider that sent no refresh token): hand out what still works, else re-consent.
            return Optional.of(expires.isAfter(now)
                    ? out.give(row.orgId(), row.id(), row.provider(), sealing.openTokens(row).access(), expires, false, by)
                    : Connections.refused(Refusal.CONFLICT, "relink_needed", "The token expired and the provider offers no refresh: connect it again"));
        }
        return Optional.empty();
    }

    /** What taking the lease of a connection gave. */
    private sealed interface Claim {
        /** The lease is ours: refresh. */
        record Taken(Row row, long fence) implements Claim {}

        /** Another holder has it, or the row no longer needs a refresh (read it again), or the row is gone. */
        record NotNow() implements Claim {}

        /** The provider may not be asked before {@code until} (its Retry-After, our backoff, or its refresh budget is spent). */
        record Blocked(Row row, Instant until, String code) implements Claim {}
    }

    /** Under this instance's lock: takes the lease and refreshes, or empty when another instance holds it. */
    private Optional<Outcome<Issued>> refreshOnce(UUID org, UUID id, Duration minValid, Actor by, HandOut out) {
        Instant now = clock.instant();
        Claim claim = db.tx(c -> {
            Optional<Row> locked = store.find(c, org, id, true);
            if (locked.isEmpty() || locked.get().leaseUntil().map(u -> u.isAfter(now)).orElse(false)) {
                return new Claim.NotNow();
            }
            Row r = locked.get();
            if (!needsRefresh(r, minValid, now)) {
                return new Claim.NotNow(); // refreshed meanwhile (or it cannot be): the caller reads it again
            }
            if (r.retryNotBefore().map(t -> t.isAfter(now)).orElse(false)) {
                return new Claim.Blocked(r, r.retryNotBefore().orElseThrow(), "provider_unavailable");
            }
            ProviderSpec spec = spec(r);
            Optional<Instant> window = r.budgetWindowStart();
            int used = r.budgetUsed();
            if (spec.refreshLimit().isPresent()) {
                ProviderCatalogue.RateLimit limit = spec.refreshLimit().get();
                if (window.isEmpty() || !window.get().plus(limit.per()).isAfter(now)) {
                    window = Optional.of(now);
                    used = 0;
                }
                if (used >= limit.max()) {
                    return new Claim.Blocked(r, window.get().plus(limit.per()), "provider_rate_limited");
                }
                used++;
            }
            return new Claim.Taken(r, store.lease(c, id, now.plus(LEASE), window, used));
        });
        return switch (claim) {
            case Claim.NotNow notNow -> Optional.empty();
            case Claim.Blocked blocked -> Optional.of(meanwhile(blocked.row(), blocked.until(), blocked.code(), by, out));
            case Claim.Taken taken -> refresh(taken.row(), taken.fence(), now, minValid, by, out);
        };
    }

    private static boolean refreshable(ProviderSpec spec) {
        return spec.refresh() == ProviderCatalogue.RefreshMode.REFRESH_TOKEN || spec.refresh() == ProviderCatalogue.RefreshMode.CLIENT_CREDENTIALS;
    }

    /** Whether {@code row} needs a refresh that a refresh grant (or the org's client credentials) could give. */
    private boolean needsRefresh(Row row, Duration minValid, Instant now) {
        if (row.status() != Status.ACTIVE || row.sealedTokens().isEmpty() || !refreshable(spec(row))) {
            return false;
        }
        Instant expires = row.accessExpiresAt().orElse(Instant.EPOCH);
        boolean fresh = !expires.isBefore(now.plus(minValid));
        boolean justRefreshed = expires.isAfter(now) && row.lastRefreshedAt().map(t -> t.isAfter(now.minus(JUST_REFRESHED))).orElse(false);
        return !fresh && !justRefreshed;
    }

    /**
     * The provider cannot be asked now: a token that stays valid at least {@link #STILL_USABLE} is handed out as it is
     * (its real {@code expires_at}), else a 503 naming when to come back. The provider is not called.
     */
    private Outcome<Issued> meanwhile(Row row, Instant until, String code, Actor by, HandOut out) {
        Instant now = clock.instant();
        Instant expires = row.accessExpiresAt().orElse(Instant.EPOCH);
        if (row.status() == Status.ACTIVE && row.sealedTokens().isPresent() && expires.isAfter(now.plus(STILL_USABLE))) {
            return out.give(row.orgId(), row.id(), row.provider(), sealing.openTokens(row).access(), expires, false, by);
        }
        Duration wait = Duration.between(now, until);
        return new Outcome.Refused<>(Refusal.UNAVAILABLE, code, code.equals("provider_rate_limited")
                ? "The provider's refresh budget of this connection is spent; try again after Retry-After"
                : "The provider cannot refresh this connection now; try again after Retry-After",
                Optional.of(Duration.ofSeconds(Math.max(1, (wait.toMillis() + 999) / 1000)))); // whole seconds, rounded up
    }

    /** Holding the lease {@code fence}: asks the provider and stores what it answered, fenced. */
    private Optional<Outcome<Issued>> refresh(Row row, long fence, Instant leased, Duration minValid, Actor by, HandOut out) {
        UUID org = row.orgId();
        UUID id = row.id();
        Optional<Outcome<Issued>> settled = settled(row, minValid, by, out);
        if (settled.isPresent()) {
            release(id, fence);
            return settled;
        }
        ProviderSpec spec = spec(row);
        Optional<AppClient> app = sealing.app(org, row.provider());
        if (app.isEmpty()) {
            release(id, fence);
            return Optional.of(Connections.refused(Refusal.CONFLICT, "app_not_configured", "The organization's OAuth client for " + row.provider() + " is gone"));
        }
        Tokens old = sealing.openTokens(row);
        TokenAnswer answer = askWithRetries(spec, row, app.get(), old, leased);
        Instant after = clock.instant();
        switch (answer) {
            case TokenAnswer.Granted granted -> {
                Tokens fresh = granted.tokens().keepingRefreshOf(old);
                long generation = row.generation() + 1;
                byte[] sealed = sealing.sealTokens(org, id, generation, fresh);
                Instant expires = after.plus(granted.expiresIn().orElse(spec.defaultExpiry().orElseThrow()));
                boolean stored = db.tx(c -> {
                    if (!store.storeRefreshed(c, id, fence, sealed, generation, expires, store.write(granted.metadata()), after)) {
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
                boolean marked = db.tx(c -> {
                    if (!store.markRelinkNeeded(c, id, fence, after)) {
                        return false;
                    }
                    // HIGH: delivered to the alert webhooks (signed, retried) like every high-risk event
                    audit.record(c, SecurityEvent.builder(SecurityEventType.API_KEY_REVOKED, "connection_relink_needed").org(org)
                            .actor(by.subject().orElse(null), by.type()).resource("connection:" + id).requestId(by.requestId())
                            .success(false).detail("provider", row.provider()).detail("reason", "invalid_grant").risk(RELINK_RISK).build(after));
                    return true;
                });
                if (marked) {
                    providerFailing(row.provider(), after);
                }
                return Optional.of(Connections.refused(Refusal.CONFLICT, "relink_needed", "The provider no longer honours this connection's grant: connect it again"));
            }
            case TokenAnswer.Failed failed -> {
                Duration wait = failed.retryAfter().filter(d -> failed.rateLimited() || failed.transientError())
                        .map(d -> d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d)
                        .orElseGet(() -> backoff(row.failures() + 1));
                Instant until = after.plus(wait);
                String reason = failed.rateLimited() ? "rate_limited" : failed.transientError() ? "provider_unavailable" : "provider_refused";
                int failures = db.tx(c -> {
                    int n = store.recordFailure(c, id, fence, failed.reason(), until, after);
                    if (n > 0) {
                        audit.record(c, SecurityEvent.builder(SecurityEventType.TOKEN_REFRESHED, "refresh_connection").org(org)
                                .actor(by.subject().orElse(null), by.type()).resource("connection:" + id).requestId(by.requestId())
                                .success(false).detail("provider", row.provider()).detail("reason", reason).detail("failures", n)
                                .detail("retry_after_seconds", Math.max(1, wait.toSeconds())).build(after));
                    }
                    return n;
                });
                if (failures > 0) {
                    providerFailing(row.provider(), after);
                }
                return Optional.of(meanwhile(row, until, failed.rateLimited() ? "provider_rate_limited" : "provider_unavailable", by, out));
            }
        }
    }

    /**
     * The refresh, asked again after a transient failure (unreachable, timed out, 5xx) with exponential backoff and
     * full jitter, at most {@value #ATTEMPTS} times and only while half the lease is left; a 429 or a refusal is not
     * asked again here (a 429's Retry-After is kept for every instance by the caller).
     */
    private TokenAnswer askWithRetries(ProviderSpec spec, Row row, AppClient app, Tokens old, Instant leased) {
        Instant giveUp = leased.plus(LEASE.dividedBy(2));
        java.util.function.Supplier<TokenAnswer> ask = spec.refresh() == ProviderCatalogue.RefreshMode.CLIENT_CREDENTIALS
                ? () -> client.clientCredentials(spec, row.params(), app)
                : () -> client.refresh(spec, row.params(), app, old.refresh().orElseThrow());
        TokenAnswer answer = ask.get();
        for (int attempt = 1; attempt < ATTEMPTS; attempt++) {
            if (!(answer instanceof TokenAnswer.Failed f) || !f.transientError()) {
                return answer;
            }
            Duration delay = fullJitter(RETRY_BASE, RETRY_CAP, attempt);
            if (f.retryAfter().isPresent()) {
                delay = f.retryAfter().get().compareTo(delay) > 0 ? f.retryAfter().get() : delay;
            }
            if (clock.instant().plus(delay).isAfter(giveUp)) {
                return answer;
            }
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return answer;
            }
            answer = ask.get();
        }
        return answer;
    }

    /** Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]. */
    private Duration fullJitter(Duration base, Duration cap, int attempt) {
        long ceiling = Math.min(cap.toMillis(), base.toMillis() << Math.min(20, Math.max(0, attempt - 1)));
        return Duration.ofMillis(random.nextLong(ceiling + 1));
    }

    /** How long no instance asks the provider for a connection after its {@code failures}-th failed refresh (at least a second). */
    Duration backoff(int failures) {
        Duration d = fullJitter(BACKOFF_BASE, BACKOFF_CAP, failures);
        return d.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : d;
    }

    /**
     * After a connection of {@code provider} failed: when at least {@value #PROVIDER_FAILURES} connections of it failed
     * within {@link #PROVIDER_WINDOW} (across every org and instance), an org-less SUSPICIOUS_ACTIVITY event
     * {@code connection_provider_failures}, which the incident detector turns into one open incident per provider.
     * At most one such event per provider per minute from this instance.
     */
    private void providerFailing(String provider, Instant now) {
        Instant last = providerSignals.get(provider);
        if (last != null && last.isAfter(now.minus(Duration.ofMinutes(1)))) {
            return;
        }
        long failing = db.run(c -> store.failingOf(c, provider, now.minus(PROVIDER_WINDOW)));
        if (failing >= PROVIDER_FAILURES) {
            providerSignals.put(provider, now);
            audit.record(SecurityEvent.builder(SecurityEventType.SUSPICIOUS_ACTIVITY, "connection_provider_failures")
                    .actor(null, SecurityEvent.ActorType.SYSTEM).resource("provider:" + provider).success(false)
                    .detail("provider", provider).detail("connections", failing).detail("time_window_minutes", PROVIDER_WINDOW.toMinutes())
                    .risk(RELINK_RISK).build(now));
        }
    }

    private ProviderSpec spec(Row row) {
        return catalogue.find(row.provider()).orElseThrow(() -> new IllegalStateException("provider left the catalogue"));
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
     * One pass of the proactive refresh: connections of refreshing providers whose token ends within {@code ahead}
     * (and is past half its life) are refreshed by the instance's bounded pool of refreshers, in batches of
     * {@value #SCAN_BATCH} soonest first, through the same lease and fence as a worker's request; one whose lease
     * another instance holds, or that this instance is refreshing, is skipped. Returns how many this pass refreshed.
     */
    int refreshDue(Duration ahead) {
        List<String> refreshable = catalogue.ids().stream()
                .filter(p -> refreshable(catalogue.find(p).orElseThrow())).sorted().toList();
        Actor system = new Actor(Optional.empty(), SecurityEvent.ActorType.SYSTEM, "", Optional.empty(), "proactive-refresh");
        int refreshed = 0;
        for (int batch = 0; batch < MAX_BATCHES_PER_PASS; batch++) {
            Instant now = clock.instant();
            List<Row> due = db.run(c -> store.due(c, refreshable, now.plus(ahead), now, SCAN_BATCH));
            List<Callable<Boolean>> tasks = due.stream().map(row -> (Callable<Boolean>) () -> refreshInBackground(row, ahead, system)).toList();
            int done = 0;
            try {
                for (Future<Boolean> f : refreshers.invokeAll(tasks)) {
                    try {
                        done += f.get() ? 1 : 0;
                    } catch (ExecutionException e) {
                        LOG.warn("background refresh failed: {}", e.getCause().getClass().getSimpleName());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return refreshed + done;
            }
            refreshed += done;
            if (due.size() < SCAN_BATCH || done == 0) {
                break;
            }
        }
        return refreshed;
    }

    private boolean refreshInBackground(Row row, Duration ahead, Actor system) {
        ReentrantLock lock = refreshing.computeIfAbsent(row.id(), k -> new ReentrantLock());
        if (!lock.tryLock()) {
            return false;
        }
        try {
            Optional<Outcome<Issued>> done = refreshOnce(row.orgId(), row.id(), ahead, system,
                    (org, id, provider, token, expires, wasRefreshed, by) -> new Outcome.Done<>(new Issued(id, token, expires, wasRefreshed)));
            return done.isPresent() && done.get() instanceof Outcome.Done<Issued> d && d.value().refreshed();
        } finally {
            lock.unlock();
        }
    }

    void close() {
        refreshers.shutdownNow();
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
