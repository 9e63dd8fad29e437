package com.liftos.security.auth;

import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The JSON login API: {@code /v1/auth/*} and {@code /v1/me}. */
final class AuthRoutes {
    private final Logins logins;
    private final Bodies bodies;

    AuthRoutes(Logins logins, Bodies bodies) {
        this.logins = logins;
        this.bodies = bodies;
    }

    record LoginBody(String email, String password, String deviceId) {}

    List<Route> routes() {
        return List.of(
                Route.post("/v1/auth/login", Access.open(Access.RateCategory.AUTH), this::login),
                Route.get("/v1/me", Access.authenticated(), this::me));
    }

    private void login(Context ctx) {
        LoginBody body = bodies.read(ctx, LoginBody.class);
        if (body.email() == null || body.password() == null || body.email().isBlank()) {
            throw ApiException.validation("email and password are required", List.of("email and password are required"));
        }
        if (body.deviceId() != null && !Device.validDeviceId(body.deviceId())) {
            throw ApiException.validation("Invalid device_id", List.of("device_id must be 1-128 characters of A-Z a-z 0-9 . _ : -"));
        }
        if (body.password().length() > 1024) {
            throw invalidCredentials();
        }
        Sessions.Client client = client(ctx, Optional.ofNullable(body.deviceId()));
        LoginOutcome outcome;
        try {
            outcome = logins.login(body.email().strip(), body.password().toCharArray(), client);
        } catch (HashingGate.Busy e) {
            throw busy();
        }
        switch (outcome) {
            case LoginOutcome.Authenticated a -> ctx.json(tokenBody(a.session()));
            case LoginOutcome.MfaRequired m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("status", "mfa_required");
                out.put("mfa_token", m.challengeToken());
                out.put("methods", m.methods());
                ctx.json(out);
            }
            case LoginOutcome.PasswordChangeRequired p -> {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("status", "password_change_required");
                out.put("password_change_token", p.changeToken());
                ctx.json(out);
            }
            case LoginOutcome.Refused r -> throw switch (r.reason()) {
                case INVALID_CREDENTIALS -> invalidCredentials();
                case ACCOUNT_LOCKED -> new ApiException(403, "account_locked", "This account is locked; try again later");
                case ACCOUNT_DISABLED -> new ApiException(403, "account_disabled", "This account is disabled");
                case SESSION_LIMIT -> ApiException.conflict("session_limit",
                        "The maximum number of concurrent sessions is reached; log out of another session first");
            };
        }
    }

    static ApiException busy() {
        return new ApiException(503, "busy", "Too many logins in progress; retry shortly", Map.of(), Map.of("Retry-After", "1"));
    }

    static ApiException invalidCredentials() {
        return new ApiException(401, "invalid_credentials", "Invalid email or password");
    }

    /** The login/refresh success body. */
    static Map<String, Object> tokenBody(Sessions.Opened opened) {
        Map<String, Object> out = tokenBody(opened.tokens(), opened.tokens().accessExpiresAt().getEpochSecond());
        out.put("new_device", opened.newDevice());
        return out;
    }

    static Map<String, Object> tokenBody(TokenPair t, long accessExpiresEpoch) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", "authenticated");
        out.put("access_token", t.accessToken());
        out.put("refresh_token", t.refreshToken());
        out.put("token_type", "Bearer");
        out.put("expires_in", Math.max(0, accessExpiresEpoch - java.time.Instant.now().getEpochSecond()));
        out.put("refresh_expires_in", Math.max(0, t.refreshExpiresAt().getEpochSecond() - java.time.Instant.now().getEpochSecond()));
        out.put("session_id", t.sessionId().toString());
        return out;
    }

    private void me(Context ctx) {
        Principal p = RequestContext.of(ctx).requirePrincipal();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", p.subject().toString());
        out.put("org_id", p.orgId().toString());
        out.put("kind", p.kind().name().toLowerCase(java.util.Locale.ROOT));
        p.email().ifPresent(e -> out.put("email", e));
        out.put("roles", p.roles().stream().sorted().toList());
        out.put("permissions", p.permissions().toStrings());
        p.sessionId().ifPresent(s -> out.put("session_id", s.toString()));
        out.put("amr", p.amr());
        out.put("auth_time", p.authTime().getEpochSecond());
        out.put("expires_at", p.expiresAt().getEpochSecond());
        ctx.json(out);
    }

    static Sessions.Client client(Context ctx, Optional<String> deviceId) {
        RequestContext rc = RequestContext.of(ctx);
        Device device = Device.of(rc.userAgent(), Optional.ofNullable(ctx.header("Accept-Language")), rc.clientIp(), deviceId);
        return new Sessions.Client(device, rc.clientIp(), rc.userAgent(), rc.requestId());
    }
}
