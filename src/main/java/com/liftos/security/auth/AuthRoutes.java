package com.liftos.security.auth;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.account.Accounts;
import com.liftos.security.auth.account.LoginOutcome;
import com.liftos.security.auth.account.Logins;
import com.liftos.security.auth.password.HashingGate;
import com.liftos.security.auth.session.Client;
import com.liftos.security.auth.session.Device;
import com.liftos.security.auth.session.RefreshOutcome;
import com.liftos.security.auth.session.SessionInfo;
import com.liftos.security.auth.session.Sessions;
import com.liftos.security.auth.token.ChallengeTokens;
import com.liftos.security.auth.token.TokenVerifier;
import com.liftos.security.http.Access;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.http.RouteDoc.Param;
import com.liftos.security.identity.Principal;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.time.Clock;
import java.util.UUID;

/** The JSON login API: {@code /v1/auth/*} and {@code /v1/me}. */
final class AuthRoutes {
    private final Logins logins;
    private final Sessions sessions;
    private final Accounts accounts;
    private final ChallengeTokens challenges;
    private final TokenVerifier verifier;
    private final TokenResponder responder;
    private final AuditLog audit;
    private final Bodies bodies;
    private final Clock clock;

    AuthRoutes(Logins logins, Sessions sessions, Accounts accounts, ChallengeTokens challenges, TokenVerifier verifier,
               TokenResponder responder, AuditLog audit, Bodies bodies, Clock clock) {
        this.logins = logins;
        this.sessions = sessions;
        this.accounts = accounts;
        this.challenges = challenges;
        this.verifier = verifier;
        this.responder = responder;
        this.audit = audit;
        this.bodies = bodies;
        this.clock = clock;
    }

    record LoginBody(String email, String password, String deviceId, String deviceToken) {
        @Override
        public String toString() {
            return "LoginBody[***]";
        }
    }

    record RefreshBody(String refreshToken, String deviceId) {
        @Override
        public String toString() {
            return "RefreshBody[***]";
        }
    }

    record PasswordBody(String currentPassword, String newPassword, String passwordChangeToken) {
        @Override
        public String toString() {
            return "PasswordBody[***]";
        }
    }

    List<Route> routes() {
        return List.of(
                Route.post("/v1/auth/login", Access.open(Access.RateCategory.CREDENTIAL), this::login).doc(RouteDoc.of("Sign in with email and password")
                        .details("""
                                Answers tokens (`status` `authenticated`, or `mfa_enrollment_required` when the organization \
                                requires MFA and the user has none yet), or the next step: `mfa_required` with an `mfa_token` \
                                for /v1/auth/mfa/verify, or `password_change_required` with a `password_change_token` for \
                                /v1/auth/password. Also sets the `liftos_device` cookie (and, in cookie mode, `liftos_refresh`).""")
                        .json("LoginRequest").ok("LoginResponse")
                        .errors(400, "validation_failed").errors(401, "invalid_credentials")
                        .errors(403, "account_locked", "ip_not_allowed", "ip_blocked", "account_disabled").errors(409, "session_limit")
                        .errors(503, "busy")),
                Route.post("/v1/auth/refresh", Access.open(Access.RateCategory.CREDENTIAL), this::refresh).doc(RouteDoc.of("Rotate a refresh token")
                        .details("The refresh token comes in the body, or in the `liftos_refresh` cookie in cookie mode (then the body may be left out).")
                        .optionalJson("RefreshRequest").ok("SessionTokens")
                        .errors(400, "validation_failed").errors(401, "invalid_refresh_token").errors(403, "ip_not_allowed")),
                Route.get("/v1/auth/unlock", Access.open(Access.RateCategory.AUTH), this::unlockPage).doc(RouteDoc.of("The page an unlock link opens")
                        .details("A button that posts the token: following the link changes nothing.")
                        .query(Param.pattern("token", "The link's one-time token", "^[A-Za-z0-9_-]{20,100}$").asRequired())
                        .reply(200, "The unlock page", "text/html").errors(400, "validation_failed")),
                Route.post("/v1/auth/unlock", Access.open(Access.RateCategory.AUTH), this::unlock).doc(RouteDoc.of("Lift a sign-in lock with its unlock link")
                        .json("UnlockRequest").form("UnlockRequest")
                        .reply(200, "Unlocked (JSON for a JSON request, a page for the form)", RouteDoc.JSON, "Unlocked")
                        .reply(200, "Unlocked", "text/html")
                        .errors(400, "validation_failed", "invalid_unlock_link")),
                Route.post("/v1/auth/logout", Access.authenticated(), this::logout).doc(RouteDoc.of("End the caller's session")
                        .noContent("Logged out").errors(400, "not_a_session")),
                Route.post("/v1/auth/password", Access.open(Access.RateCategory.AUTH), this::changePassword).doc(RouteDoc.of("Change a password")
                        .details("With the user's bearer token, or the `password_change_token` a login answered when the password had to change.")
                        .credentials("bearerAuth").json("PasswordChangeRequest").noContent("Changed")
                        .errors(400, "validation_failed").errors(401, "unauthorized", "invalid_token")
                        .errors(403, "invalid_credentials").errors(503, "busy")),
                Route.get("/v1/auth/sessions", Access.authenticated(), this::listSessions).doc(RouteDoc.of("The caller's live sessions")
                        .ok("OwnSessions")),
                Route.delete("/v1/auth/sessions/{sessionId}", Access.authenticated(), this::endSession).doc(RouteDoc.of("End one of the caller's sessions")
                        .noContent("Ended")),
                Route.get("/v1/me", Access.authenticated(), this::me).doc(RouteDoc.of("Who the bearer token is").ok("Me")));
    }

    private void refresh(Context ctx) {
        RefreshBody body = ctx.bodyAsBytes().length == 0 ? new RefreshBody(null, null) : bodies.read(ctx, RefreshBody.class);
        String token = body.refreshToken() != null ? body.refreshToken()
                : responder.refreshInCookie() ? ctx.cookie(TokenResponder.REFRESH_COOKIE) : null;
        if (token == null) {
            throw ApiException.validation("refresh_token is required", List.of("refresh_token is required"));
        }
        if (body.deviceId() != null && !Device.validDeviceId(body.deviceId())) {
            throw ApiException.validation("Invalid device_id", List.of("device_id must be 1-128 characters of A-Z a-z 0-9 . _ : -"));
        }
        RefreshOutcome outcome = sessions.refresh(token, client(ctx, Optional.ofNullable(body.deviceId())));
        switch (outcome) {
            case RefreshOutcome.Rotated r -> respond(ctx, responder.respond(new Grant.SessionRefreshed(r.tokens(), Grant.Endpoint.API)));
            case RefreshOutcome.Invalid i -> throw invalidRefresh();
            case RefreshOutcome.ReuseDetected u -> throw invalidRefresh();
            case RefreshOutcome.DeviceMismatch d -> throw invalidRefresh();
            case RefreshOutcome.AddressRefused a -> throw new ApiException(403, "ip_not_allowed",
                    "This organization does not accept requests from this address; the session has ended");
            case RefreshOutcome.Throttled t -> throw new ApiException(429, "rate_limited",
                    "This session refreshes too often; retry after " + t.retryAfterSeconds() + " s",
                    Map.of(), Map.of("Retry-After", Long.toString(t.retryAfterSeconds())));
        }
    }

    private static ApiException invalidRefresh() {
        return new ApiException(401, "invalid_refresh_token", "The refresh token is invalid or expired");
    }

    /** Writes a token response built by the {@link TokenResponder}. */
    static void respond(Context ctx, TokenResponse response) {
        response.headers().forEach(ctx::header);
        response.cookies().forEach(cookie -> ctx.res().addHeader("Set-Cookie", cookie));
        ctx.json(response.body());
    }

    private void logout(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        Principal p = rc.requirePrincipal();
        UUID sid = p.sessionId().orElseThrow(() -> ApiException.badRequest("not_a_session", "Service account tokens have no session; revoke them at /oauth2/revoke"));
        sessions.end(sid, "logout");
        audit.record(SecurityEvent.builder(SecurityEventType.LOGOUT, "logout").org(p.orgId())
                .actor(p.subject(), SecurityEvent.ActorType.USER).resource("session:" + sid)
                .clientIp(rc.clientIp()).requestId(rc.requestId()).build(clock.instant()));
        responder.loggedOut().forEach(ctx::header);
        ctx.status(204);
    }

    private void listSessions(Context ctx) {
        Principal p = RequestContext.of(ctx).requirePrincipal();
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        for (SessionInfo s : sessions.list(p.subject(), false)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("current", p.sessionId().map(s.id()::equals).orElse(false));
            m.putAll(sessionBody(s));
            out.add(m);
        }
        ctx.json(Map.of("sessions", out));
    }

    /** A session as listed to its owner or an administrator: metadata, never a token. */
    static Map<String, Object> sessionBody(SessionInfo s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id().toString());
        m.put("device_fingerprint", s.deviceFingerprint());
        s.deviceId().ifPresent(d -> m.put("device_id", d));
        m.put("client_ip", s.clientIp());
        s.userAgent().ifPresent(u -> m.put("user_agent", u));
        m.put("amr", s.amr());
        m.put("created_at", s.createdAt().toString());
        m.put("last_seen_at", s.lastSeenAt().toString());
        s.endedAt().ifPresent(t -> m.put("ended_at", t.toString()));
        s.endReason().ifPresent(r -> m.put("end_reason", r));
        m.put("new_device", s.newDevice());
        m.put("ip_changed", s.ipChanged());
        m.put("risk_score", s.riskScore());
        return m;
    }

    private void endSession(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        Principal p = rc.requirePrincipal();
        UUID sid = CoreGuards.pathUuid(ctx, "sessionId");
        Optional<SessionInfo> s = sessions.find(p.subject(), sid);
        if (s.isEmpty() || s.get().endedAt().isPresent()) {
            throw ApiException.notFound("Session not found");
        }
        sessions.end(sid, "revoked_by_user");
        audit.record(SecurityEvent.builder(SecurityEventType.SESSION_REVOKED, "revoke_session").org(p.orgId())
                .actor(p.subject(), SecurityEvent.ActorType.USER).resource("session:" + sid)
                .clientIp(rc.clientIp()).requestId(rc.requestId()).build(clock.instant()));
        ctx.status(204);
    }

    private void changePassword(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        PasswordBody body = bodies.read(ctx, PasswordBody.class);
        if (body.currentPassword() == null || body.newPassword() == null) {
            throw ApiException.validation("current_password and new_password are required",
                    List.of("current_password and new_password are required"));
        }
        String header = ctx.header("Authorization");
        Optional<UUID> userId = Optional.empty();
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            userId = verifier.principal(header.substring(7).strip()).filter(p -> p.kind() == Principal.Kind.USER)
                    .map(Principal::subject);
            if (userId.isEmpty()) {
                throw ApiException.invalidToken();
            }
        } else if (body.passwordChangeToken() != null) {
            userId = challenges.verify(ChallengeTokens.Purpose.PASSWORD_CHANGE, body.passwordChangeToken());
            if (userId.isEmpty()) {
                throw ApiException.invalidToken();
            }
        } else {
            throw ApiException.unauthorized();
        }
        if (body.newPassword().length() > 1024 || body.currentPassword().length() > 1024) {
            throw ApiException.validation("Invalid password", List.of("Password must be at most 1024 characters"));
        }
        Accounts.PasswordChange result;
        try {
            result = accounts.changePassword(userId.get(), body.currentPassword().toCharArray(), body.newPassword().toCharArray(),
                    new Accounts.Actor(userId, SecurityEvent.ActorType.USER, rc.clientIp(), Optional.of(rc.requestId())));
        } catch (HashingGate.Busy e) {
            throw busy();
        }
        switch (result) {
            case Accounts.PasswordChange.Changed c -> ctx.status(204);
            case Accounts.PasswordChange.WrongCurrentPassword w ->
                    throw new ApiException(403, "invalid_credentials", "The current password is not correct");
            case Accounts.PasswordChange.PolicyViolated v -> throw ApiException.validation("The new password does not meet the policy", v.problems());
        }
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
        Client client = client(ctx, Optional.ofNullable(body.deviceId()));
        LoginOutcome outcome;
        try {
            Optional<String> deviceToken = Optional.ofNullable(body.deviceToken())
                    .or(() -> Optional.ofNullable(ctx.cookie(TokenResponder.DEVICE_COOKIE)));
            outcome = logins.login(body.email().strip(), body.password().toCharArray(), client, deviceToken);
        } catch (HashingGate.Busy e) {
            throw busy();
        }
        switch (outcome) {
            case LoginOutcome.Authenticated a ->
                    respond(ctx, responder.respond(new Grant.SessionOpened(a.session(), false, a.deviceToken())));
            case LoginOutcome.MfaEnrollmentRequired e ->
                    respond(ctx, responder.respond(new Grant.SessionOpened(e.session(), true, e.deviceToken())));
            case LoginOutcome.Throttled t -> throw tooManyAttempts(t.retryAfterSeconds());
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
                case NETWORK_NOT_ALLOWED -> new ApiException(403, "ip_not_allowed",
                        "Sign-in from this address is not allowed for this organization");
                case ADDRESS_BLOCKED -> new ApiException(403, "ip_blocked", "Requests from this address are blocked");
                case ACCOUNT_DISABLED -> new ApiException(403, "account_disabled", "This account is disabled");
                case SESSION_LIMIT -> ApiException.conflict("session_limit",
                        "The maximum number of concurrent sessions is reached; log out of another session first");
            };
        }
    }

    static ApiException tooManyAttempts(long retryAfterSeconds) {
        return new ApiException(429, "rate_limited", "Too many failed sign-in attempts; retry after " + retryAfterSeconds + " s",
                Map.of(), Map.of("Retry-After", Long.toString(retryAfterSeconds)));
    }

    record UnlockBody(String token) {
        @Override
        public String toString() {
            return "UnlockBody[***]";
        }
    }

    /**
     * The page an unlock link opens: a button that posts the token. The link itself changes nothing, so a mail
     * scanner that follows links cannot spend it.
     */
    private void unlockPage(Context ctx) {
        String token = ctx.queryParam("token");
        if (token == null || !token.matches("[A-Za-z0-9_-]{20,100}")) {
            throw ApiException.validation("Invalid unlock link", List.of("token is missing or malformed"));
        }
        ctx.header("Cache-Control", "no-store");
        ctx.header("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'");
        ctx.contentType("text/html; charset=utf-8").result("""
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Unlock your account</title></head>
                <body><h1>Unlock your account</h1>
                <p>Someone made too many failed sign-in attempts on your account, so sign-in from new devices was paused.</p>
                <form method="post" action="/v1/auth/unlock"><input type="hidden" name="token" value="%s">
                <button type="submit">Unlock my account</button></form>
                <p>If you did not expect this, change your password after signing in.</p></body></html>
                """.formatted(token));
    }

    /** Lifts a lock by its unlock link: JSON ({@code {"token": ...}}) or the page's form post. */
    private void unlock(Context ctx) {
        String type = Optional.ofNullable(ctx.contentType()).orElse("");
        boolean form = type.startsWith("application/x-www-form-urlencoded");
        String token = form ? ctx.formParam("token") : bodies.read(ctx, UnlockBody.class).token();
        if (token == null || token.isBlank()) {
            throw ApiException.validation("token is required", List.of("token is required"));
        }
        if (!logins.unlockByLink(token, client(ctx, Optional.empty()))) {
            throw new ApiException(400, "invalid_unlock_link", "This unlock link is not valid: it was used already or has expired");
        }
        if (form) {
            ctx.header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
            ctx.contentType("text/html; charset=utf-8").result("""
                    <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Account unlocked</title></head>
                    <body><h1>Your account is unlocked</h1><p>You can sign in again.</p></body></html>
                    """);
        } else {
            ctx.json(Map.of("status", "unlocked"));
        }
    }

    static ApiException busy() {
        return new ApiException(503, "busy", "Too many logins in progress; retry shortly", Map.of(), Map.of("Retry-After", "1"));
    }

    static ApiException invalidCredentials() {
        return new ApiException(401, "invalid_credentials", "Invalid email or password");
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

    /** The requesting client (device fingerprint, address, user agent, request id). */
    static Client client(Context ctx, Optional<String> deviceId) {
        RequestContext rc = RequestContext.of(ctx);
        return Client.of(rc.userAgent(), Optional.ofNullable(ctx.header("Accept-Language")), rc.clientIp(), deviceId,
                rc.requestId());
    }
}
