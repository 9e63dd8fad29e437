package com.liftos.security.ratelimit;

import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The budgets of the credential routes, keyed by who is asking rather than only by where a request comes from
 * (Auth0's suspicious-IP throttling and brute-force protection, in token buckets shared like every other limit):
 * <ul>
 *   <li>sign-in failures (password and MFA) per address ({@code sf:ip:<address>}) and per account and address
 *       ({@code sf:acct:<account>:<address>}, with the account's org {@code api_rate_limits.auth}). Only failures
 *       are counted ({@link #signInFailed}); an attempt is refused ({@link #signInRefusal}) when a budget is empty.
 *       A device that has signed in to the account before is not held to the address's budget;</li>
 *   <li>refresh grants per session family ({@code rf:<session>}), taken before the rotation: a session refreshing
 *       in a loop is refused, a backend refreshing thousands of sessions from one address is not;</li>
 *   <li>client-credentials grants and introspections per client id ({@code cc:}, {@code in:}).</li>
 * </ul>
 * A refusal says when the refusing budget has a token again (for {@code Retry-After}) and whether it is due in the
 * audit trail (one RATE_LIMIT_EXCEEDED per budget per window, carrying the refusals suppressed since the last).
 * When rate limiting is off ({@link #off()}) nothing is ever refused.
 */
public final class Budgets {
    /**
     * A refused attempt: {@code budget} names the refusing budget for the audit trail ({@code sign_in_address},
     * {@code sign_in_account}, {@code refresh_session}, {@code client_grants}, {@code client_introspection});
     * {@code auditDue}: the refusals suppressed since the last audited one, when this one is to be audited.
     */
    public record Refusal(Duration retryAfter, String budget, Limit limit, OptionalLong auditDue) {
        /** Whole seconds for {@code Retry-After}, at least 1. */
        public long retryAfterSeconds() {
            long s = retryAfter.toSeconds();
            return Math.max(1, retryAfter.toNanosPart() > 0 ? s + 1 : s);
        }

        /**
         * The RATE_LIMIT_EXCEEDED event for this refusal of {@code route}, when one is due; the caller adds who and
         * where (org, actor, address, request id) and records it.
         */
        public Optional<SecurityEvent.Builder> event(String route) {
            return auditDue.stream().mapToObj(suppressed -> SecurityEvent.builder(SecurityEventType.RATE_LIMIT_EXCEEDED, "rate_limit")
                    .resource(route).success(false).detail("scope", budget).detail("category", "credential")
                    .detail("limit", limit.capacity()).detail("window_seconds", limit.window().toSeconds())
                    .detail("refused_since_last_event", suppressed).risk(0.5)).findFirst();
        }
    }

    private final Optional<RateLimiter> limiter;
    private final EventThrottle throttle = new EventThrottle();
    private final Limit signInFailuresPerAddress;
    private final Limit refreshesPerSession;
    private final Limit grantsPerClient;
    private final Limit introspectionsPerClient;

    private Budgets(Optional<RateLimiter> limiter, Config.Edge.CallerBudgets b) {
        this.limiter = limiter;
        this.signInFailuresPerAddress = new Limit(b.loginFailuresPerIpPerDay(), Duration.ofDays(1));
        this.refreshesPerSession = new Limit(b.refreshesPerSessionPerMinute(), Duration.ofMinutes(1));
        this.grantsPerClient = new Limit(b.grantsPerClientPerMinute(), Duration.ofMinutes(1));
        this.introspectionsPerClient = new Limit(b.introspectionsPerClientPerMinute(), Duration.ofMinutes(1));
    }

    public static Budgets on(RateLimiter limiter, Config.Edge.CallerBudgets budgets) {
        return new Budgets(Optional.of(limiter), budgets);
    }

    /** Rate limiting switched off: every budget is unlimited. */
    public static Budgets off() {
        return new Budgets(Optional.empty(), Config.Edge.CallerBudgets.defaults());
    }

    /**
     * Whether a sign-in attempt for {@code account} (an opaque, stable key) from {@code address} may go ahead;
     * {@code knownDevice}: the device proved an earlier sign-in to this account, so the address's budget (shared
     * by everyone behind it) does not apply — the device has its own lockout.
     */
    public Optional<Refusal> signInRefusal(String address, String account, Limit perAccountAndAddress, boolean knownDevice) {
        return limiter.flatMap(l -> refusal(l.peek(signInQuotas(address, account, perAccountAndAddress, knownDevice))));
    }

    /** Counts a failed password or MFA attempt against the budgets {@link #signInRefusal} consults. */
    public void signInFailed(String address, String account, Limit perAccountAndAddress, boolean knownDevice) {
        limiter.ifPresent(l -> l.spend(signInQuotas(address, account, perAccountAndAddress, knownDevice)));
    }

    /** Whether a failed client authentication from {@code address} may still be answered as such. */
    public Optional<Refusal> clientFailureRefusal(String address) {
        return limiter.flatMap(l -> refusal(l.peek(List.of(addressFailures(address)))));
    }

    public void clientAuthenticationFailed(String address) {
        limiter.ifPresent(l -> l.spend(List.of(addressFailures(address))));
    }

    /**
     * Takes one refresh from the session family's budget, or says when the next one is allowed. Taken before the
     * rotation, whatever its outcome: only a holder of one of the family's tokens can name the family (its tag is
     * the server's MAC), so nobody else can spend it.
     */
    public Optional<Refusal> takeRefresh(UUID session) {
        return limiter.flatMap(l -> refusal(l.acquire(List.of(new Quota("rf:" + session, refreshesPerSession)))));
    }

    /** Takes one client-credentials grant from the client's budget, or says when the next one is allowed. */
    public Optional<Refusal> takeGrant(String clientId) {
        return limiter.flatMap(l -> refusal(l.acquire(List.of(new Quota("cc:" + clientId, grantsPerClient)))));
    }

    /** Takes one introspection from the caller's budget ({@code caller}: a client id, or a bearer's subject). */
    public Optional<Refusal> takeIntrospection(String caller) {
        return limiter.flatMap(l -> refusal(l.acquire(List.of(new Quota("in:" + caller, introspectionsPerClient)))));
    }

    private List<Quota> signInQuotas(String address, String account, Limit perAccountAndAddress, boolean knownDevice) {
        String at = RateLimits.addressKey(address);
        List<Quota> quotas = new ArrayList<>(2);
        quotas.add(new Quota("sf:acct:" + account + ":" + at, perAccountAndAddress));
        if (!knownDevice) {
            quotas.add(addressFailures(address));
        }
        return quotas;
    }

    private Quota addressFailures(String address) {
        return new Quota("sf:ip:" + RateLimits.addressKey(address), signInFailuresPerAddress);
    }

    private Optional<Refusal> refusal(Decision d) {
        if (!(d instanceof Decision.Refused r)) {
            return Optional.empty();
        }
        String key = r.quota().key();
        String budget = key.startsWith("sf:ip:") ? "sign_in_address" : key.startsWith("sf:acct:") ? "sign_in_account"
                : key.startsWith("rf:") ? "refresh_session" : key.startsWith("cc:") ? "client_grants" : "client_introspection";
        Duration wait = r.retryAfter().isNegative() || r.retryAfter().isZero() ? Duration.ofSeconds(1) : r.retryAfter();
        OptionalLong due = throttle.admit(key, r.quota().limit().window(), System.nanoTime());
        return Optional.of(new Refusal(wait, budget, r.quota().limit(), due));
    }
}
