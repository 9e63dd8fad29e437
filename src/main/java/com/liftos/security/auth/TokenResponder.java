package com.liftos.security.auth;

import com.liftos.security.auth.oauth.ClientCredentials;
import com.liftos.security.auth.session.TokenPair;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the token response of every grant ({@link Grant}), the one place that knows its shape:
 * <ul>
 *   <li>API ({@code /v1/auth/login}, {@code /v1/auth/refresh}, {@code /v1/auth/mfa/verify}): {@code status},
 *       {@code access_token}, {@code refresh_token}, {@code token_type}, {@code expires_in},
 *       {@code refresh_expires_in}, {@code session_id}, and for a new session {@code new_device}, {@code amr} and
 *       {@code device_token} (also set as the {@code liftos_device} cookie on {@code /v1/auth}, a year long: the
 *       device's proof at its next login). With {@code LIFTOS_REFRESH_COOKIE=true} the refresh token leaves the
 *       body for an {@code HttpOnly; Secure; SameSite=Strict} cookie on {@code /v1/auth}.
 *   <li>OAuth ({@code /oauth2/token}, RFC 6749 §5.1): {@code access_token}, {@code token_type}, {@code expires_in},
 *       and {@code refresh_token}, {@code session_id} for a refresh or {@code scope} for client credentials.
 * </ul>
 * Every token response carries {@code Cache-Control: no-store}; OAuth's also {@code Pragma: no-cache}.
 */
public final class TokenResponder {
    static final String REFRESH_COOKIE = "liftos_refresh";
    static final String DEVICE_COOKIE = "liftos_device";
    private static final long DEVICE_COOKIE_SECONDS = java.time.Duration.ofDays(365).toSeconds();
    private static final String COOKIE_ATTRIBUTES = "; Path=/v1/auth; Max-Age=%d; HttpOnly; Secure; SameSite=Strict";

    private final boolean refreshCookie;
    private final Clock clock;

    TokenResponder(boolean refreshCookie, Clock clock) {
        this.refreshCookie = refreshCookie;
        this.clock = clock;
    }

    public TokenResponse respond(Grant grant) {
        return switch (grant) {
            case Grant.SessionOpened o -> {
                Map<String, Object> body = sessionBody(o.session().tokens(),
                        o.mfaEnrollmentRequired() ? "mfa_enrollment_required" : "authenticated");
                body.put("new_device", o.session().newDevice());
                body.put("amr", o.session().amr());
                body.put("device_token", o.deviceToken());
                yield api(body, o.session().tokens(), List.of(DEVICE_COOKIE + "=" + o.deviceToken()
                        + COOKIE_ATTRIBUTES.formatted(DEVICE_COOKIE_SECONDS)));
            }
            case Grant.SessionRefreshed r when r.endpoint() == Grant.Endpoint.API ->
                    api(sessionBody(r.tokens(), "authenticated"), r.tokens(), List.of());
            case Grant.SessionRefreshed r -> {
                TokenPair t = r.tokens();
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("access_token", t.accessToken());
                body.put("token_type", "Bearer");
                body.put("expires_in", accessSeconds(t));
                body.put("refresh_token", t.refreshToken());
                body.put("session_id", t.sessionId().toString());
                yield oauth(body);
            }
            case Grant.ClientToken c -> {
                ClientCredentials.Outcome.Granted g = c.granted();
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("access_token", g.token().token());
                body.put("token_type", "Bearer");
                body.put("expires_in", g.token().expiresAt().getEpochSecond() - g.token().issuedAt().getEpochSecond());
                body.put("scope", String.join(" ", g.scope()));
                yield oauth(body);
            }
        };
    }

    /** Whether refresh tokens travel in the cookie ({@code LIFTOS_REFRESH_COOKIE}). */
    boolean refreshInCookie() {
        return refreshCookie;
    }

    /** The headers a logout answers with: the refresh cookie cleared, in cookie mode. */
    Map<String, String> loggedOut() {
        return refreshCookie ? Map.of("Set-Cookie", REFRESH_COOKIE + "=" + COOKIE_ATTRIBUTES.formatted(0)) : Map.of();
    }

    private static Map<String, Object> sessionBody(TokenPair t, String status) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", status);
        out.put("access_token", t.accessToken());
        out.put("refresh_token", t.refreshToken());
        out.put("token_type", "Bearer");
        out.put("expires_in", accessSeconds(t));
        out.put("refresh_expires_in", t.refreshExpiresAt().getEpochSecond() - t.issuedAt().getEpochSecond());
        out.put("session_id", t.sessionId().toString());
        return out;
    }

    private static long accessSeconds(TokenPair t) {
        return t.accessExpiresAt().getEpochSecond() - t.issuedAt().getEpochSecond();
    }

    private TokenResponse api(Map<String, Object> body, TokenPair tokens, List<String> cookies) {
        if (!refreshCookie) {
            return new TokenResponse(body, Map.of("Cache-Control", "no-store"), cookies);
        }
        body.remove("refresh_token");
        long maxAge = Math.max(0, tokens.refreshExpiresAt().getEpochSecond() - clock.instant().getEpochSecond());
        List<String> all = new ArrayList<>(cookies);
        all.add(REFRESH_COOKIE + "=" + tokens.refreshToken() + COOKIE_ATTRIBUTES.formatted(maxAge));
        return new TokenResponse(body, Map.of("Cache-Control", "no-store"), all);
    }

    private static TokenResponse oauth(Map<String, Object> body) {
        return new TokenResponse(body, Map.of("Cache-Control", "no-store", "Pragma", "no-cache"), List.of());
    }
}
