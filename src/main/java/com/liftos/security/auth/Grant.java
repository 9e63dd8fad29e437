package com.liftos.security.auth;

import com.liftos.security.auth.oauth.ClientCredentials;
import com.liftos.security.auth.session.Sessions;
import com.liftos.security.auth.session.TokenPair;

/**
 * What a successful grant hands out, whichever way it was asked for: a password login or its MFA step, a refresh
 * (at {@code /v1/auth/refresh} or {@code /oauth2/token}), client credentials. {@link TokenResponder} turns each
 * into its endpoint's token response, so every grant path answers alike (refresh cookie, cache headers, fields).
 */
public sealed interface Grant {
    /**
     * A session opened by a login; {@code mfaEnrollmentRequired}: its token reaches only the MFA enrolment routes;
     * {@code deviceToken}: proves this sign-in at the device's next login.
     */
    record SessionOpened(Sessions.Opened session, boolean mfaEnrollmentRequired, String deviceToken) implements Grant {
        @Override
        public String toString() {
            return "SessionOpened[session=" + session.tokens().sessionId() + "]";
        }
    }

    /** A session's refresh token rotated, asked for at {@code endpoint}. */
    record SessionRefreshed(TokenPair tokens, Endpoint endpoint) implements Grant {}

    /** A service account's access token (client credentials, at the OAuth endpoint). */
    record ClientToken(ClientCredentials.Outcome.Granted granted) implements Grant {}

    /** Where a grant was asked for, which decides the response's shape. */
    enum Endpoint {
        /** {@code /v1/auth/*}: the API's JSON, the refresh token in a cookie when so configured. */
        API,
        /** {@code /oauth2/token}: RFC 6749 §5.1, the refresh token always in the body. */
        OAUTH
    }
}
