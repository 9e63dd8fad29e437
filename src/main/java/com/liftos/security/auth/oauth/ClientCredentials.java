package com.liftos.security.auth.oauth;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.account.NetworkPolicy;
import com.liftos.security.auth.token.AccessTokens;
import com.liftos.security.ratelimit.Budgets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The OAuth 2.0 client credentials grant (RFC 6749 §4.4) and client authentication for the other OAuth endpoints.
 * A failed client authentication is audited (LOGIN_FAILURE {@code invalid_client}); so is a grant refused because
 * the client calls from outside its organization's {@code allowed_ip_ranges} (a token no request could use is not
 * handed out).
 */
public final class ClientCredentials {
    private final ServiceAccounts accounts;
    private final AccessTokens tokens;
    private final NetworkPolicy network;
    private final AuditLog audit;
    private final Clock clock;
    private final Budgets budgets;

    public ClientCredentials(ServiceAccounts accounts, AccessTokens tokens, NetworkPolicy network, AuditLog audit, Clock clock,
                             Budgets budgets) {
        this.budgets = budgets;
        this.accounts = accounts;
        this.tokens = tokens;
        this.network = network;
        this.audit = audit;
        this.clock = clock;
    }

    /** A client id and secret as presented (HTTP Basic or form); {@link #toString()} never shows the secret. */
    public record Presented(String clientId, String secret) {
        @Override
        public String toString() {
            return "Presented[" + clientId + "]";
        }
    }

    /** Where the request came from, for the audit trail. */
    public record Origin(String ip, Optional<String> userAgent, String requestId) {}

    /** What a client credentials grant led to. */
    public sealed interface Outcome {
        /** A token for {@code account}, carrying {@code scope} (its permissions, or the requested subset of them). */
        record Granted(ServiceAccount account, AccessTokens.Issued token, List<String> scope) implements Outcome {}

        /** Unknown client, wrong secret or disabled account ({@code invalid_client}). */
        record InvalidClient() implements Outcome {}

        /** The client calls from outside its organization's allowed networks ({@code unauthorized_client}). */
        record NetworkNotAllowed() implements Outcome {}

        /** A requested scope is not granted to the client ({@code invalid_scope}). */
        record InvalidScope() implements Outcome {}

        /** The client's grant budget, or this address's failure budget, is spent: retry after that many seconds. */
        record Throttled(long retryAfterSeconds) implements Outcome {}
    }

    /** The active account these credentials belong to; a mismatch is audited. */
    public Optional<ServiceAccount> authenticate(Presented presented, Origin origin) {
        Optional<ServiceAccount> account = accounts.authenticate(presented.clientId(), presented.secret());
        if (account.isEmpty()) {
            budgets.clientAuthenticationFailed(origin.ip());
            String shown = presented.clientId().replaceAll("[^A-Za-z0-9_]", "");
            audit.record(SecurityEvent.builder(SecurityEventType.LOGIN_FAILURE, "client_authentication")
                    .actor(null, SecurityEvent.ActorType.SERVICE_ACCOUNT)
                    .resource("client:" + shown.substring(0, Math.min(40, shown.length())))
                    .clientIp(origin.ip()).userAgent(origin.userAgent().orElse(null)).requestId(origin.requestId())
                    .success(false).detail("reason", "invalid_client").risk(0.3).build(clock.instant()));
        }
        return account;
    }

    /** Authenticates the client and issues its access token; {@code scope} (space-separated) narrows it. */
    public Outcome grant(Presented presented, Optional<String> scope, Origin origin) {
        Optional<ServiceAccount> authenticated = authenticate(presented, origin);
        if (authenticated.isEmpty()) {
            return failureRefusal(origin).<Outcome>map(Outcome.Throttled::new).orElseGet(Outcome.InvalidClient::new);
        }
        ServiceAccount account = authenticated.get();
        Optional<Budgets.Refusal> spent = budgets.takeGrant(account.clientId());
        if (spent.isPresent()) {
            refused(spent.get(), "oauth_token", Optional.of(account), origin);
            return new Outcome.Throttled(spent.get().retryAfterSeconds());
        }
        if (!network.permits(account.orgId(), origin.ip())) {
            audit.record(SecurityEvent.builder(SecurityEventType.LOGIN_FAILURE, "client_credentials")
                    .org(account.orgId()).actor(account.id(), SecurityEvent.ActorType.SERVICE_ACCOUNT)
                    .resource("client:" + account.clientId()).clientIp(origin.ip()).userAgent(origin.userAgent().orElse(null))
                    .requestId(origin.requestId()).success(false).detail("reason", "ip_not_allowed").risk(0.5)
                    .build(clock.instant()));
            return new Outcome.NetworkNotAllowed();
        }
        List<String> permissions = account.effectivePermissions();
        if (scope.isPresent()) {
            List<String> requested = List.of(scope.get().strip().split("\\s+"));
            if (!permissions.containsAll(requested)) {
                return new Outcome.InvalidScope();
            }
            permissions = requested.stream().distinct().sorted().toList();
        }
        AccessTokens.Issued issued = tokens.issue(account.id(), account.orgId(), Optional.empty(), account.roles(),
                permissions, Optional.empty(), Optional.of(account.clientId()), clock.instant(), List.of());
        return new Outcome.Granted(account, issued, permissions);
    }

    /**
     * After a failed client authentication: the seconds to wait when this address has spent its failure budget
     * (answer 429 rather than 401: the failures are counted either way).
     */
    public Optional<Long> failureRefusal(Origin origin) {
        return budgets.clientFailureRefusal(origin.ip()).map(r -> {
            refused(r, "client_authentication", Optional.empty(), origin);
            return r.retryAfterSeconds();
        });
    }

    /** Takes one introspection from the caller's budget ({@code caller}: a client id or a bearer's subject). */
    public Optional<Long> introspectionRefusal(String caller, Origin origin) {
        return budgets.takeIntrospection(caller).map(r -> {
            refused(r, "oauth_introspect", Optional.empty(), origin);
            return r.retryAfterSeconds();
        });
    }

    private void refused(Budgets.Refusal refusal, String route, Optional<ServiceAccount> account, Origin origin) {
        refusal.event(route).ifPresent(b -> {
            b.clientIp(origin.ip()).userAgent(origin.userAgent().orElse(null)).requestId(origin.requestId());
            account.ifPresentOrElse(a -> b.org(a.orgId()).actor(a.id(), SecurityEvent.ActorType.SERVICE_ACCOUNT),
                    () -> b.actor(null, SecurityEvent.ActorType.ANONYMOUS));
            audit.record(b.build(clock.instant()));
        });
    }
}
