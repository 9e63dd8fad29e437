package com.liftos.security.auth.oauth;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.account.NetworkPolicy;
import com.liftos.security.auth.token.AccessTokens;
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

    public ClientCredentials(ServiceAccounts accounts, AccessTokens tokens, NetworkPolicy network, AuditLog audit, Clock clock) {
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
    }

    /** The active account these credentials belong to; a mismatch is audited. */
    public Optional<ServiceAccount> authenticate(Presented presented, Origin origin) {
        Optional<ServiceAccount> account = accounts.authenticate(presented.clientId(), presented.secret());
        if (account.isEmpty()) {
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
            return new Outcome.InvalidClient();
        }
        ServiceAccount account = authenticated.get();
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
}
