package com.liftos.security.auth.token;

import com.liftos.security.identity.Principal;
import java.util.Optional;

/**
 * The one way a presented access token becomes a {@link Principal}: {@link AccessTokens#verify signature and claims},
 * then {@link TokenState#isActive revocation and session or account liveness}. Every failure is the same empty
 * answer, so callers give one uniform "invalid token".
 */
public final class TokenVerifier {
    private final AccessTokens tokens;
    private final TokenState state;

    public TokenVerifier(AccessTokens tokens, TokenState state) {
        this.tokens = tokens;
        this.state = state;
    }

    /** The claims of a token that verifies and is still honoured. */
    public Optional<AccessClaims> activeClaims(String token) {
        return tokens.verify(token).filter(state::isActive);
    }

    /** The caller a token that verifies and is still honoured names. */
    public Optional<Principal> principal(String token) {
        return activeClaims(token).map(this::principalOf);
    }

    /** The caller named by claims that {@link #activeClaims} returned. */
    public Principal principalOf(AccessClaims claims) {
        return claims.toPrincipal(tokens.permissionSet(claims.permissions()));
    }
}
