package com.liftos.security.client;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The caller of a verified access token. {@code subject} is a user or, for client-credentials tokens, a service
 * account ({@code sessionId} empty). {@code risk} is set by {@code requireLowRisk} (empty before). Holds no token.
 */
public record Principal(String subject, String orgId, Set<String> roles, Set<String> permissions,
                        Optional<String> sessionId, Optional<String> clientId, Optional<String> email, String jti,
                        Instant expiresAt, Optional<Instant> authTime, List<String> amr, OptionalDouble risk) {
    public Principal {
        roles = Set.copyOf(roles);
        permissions = Set.copyOf(permissions);
        amr = List.copyOf(amr);
    }

    public boolean isServiceAccount() {
        return sessionId.isEmpty();
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }

    /**
     * As the service: {@code action:resource}, either side may be {@code *} (a bare {@code *} is {@code *:*}); a
     * granted permission implies a required one when each side is equal or the granted side is {@code *}.
     */
    public boolean hasPermission(String wanted) {
        String[] w = split(wanted);
        if (w == null) {
            return false;
        }
        for (String held : permissions) {
            String[] h = split(held);
            if (h != null && (h[0].equals("*") || h[0].equals(w[0])) && (h[1].equals("*") || h[1].equals(w[1]))) {
                return true;
            }
        }
        return false;
    }

    private static String[] split(String p) {
        if (p.equals("*")) {
            return new String[] {"*", "*"};
        }
        int colon = p.indexOf(':');
        return colon <= 0 ? null : new String[] {p.substring(0, colon), p.substring(colon + 1)};
    }

    public Principal withRisk(double score) {
        return new Principal(subject, orgId, roles, permissions, sessionId, clientId, email, jti, expiresAt, authTime,
                amr, OptionalDouble.of(score));
    }
}
