package com.liftos.security.mfa;

import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.Device;
import com.liftos.security.identity.Principal;
import com.liftos.security.auth.Sessions;
import com.liftos.security.auth.User;
import com.liftos.security.auth.Users;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.org.SecurityConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

/** {@code /v1/mfa/*} (the caller's own factors) and {@code /v1/auth/mfa/*} (the login's second step). */
final class MfaRoutes {
    static final String ISSUER = "LiftOS";
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");

    private final Factors factors;
    private final MfaLogin login;
    private final Users users;
    private final Delivery delivery;
    private final MfaEvents events;
    private final Bodies bodies;
    private final Function<UUID, SecurityConfig> orgConfigs;

    MfaRoutes(Factors factors, MfaLogin login, Users users, Delivery delivery, MfaEvents events, Bodies bodies,
              Function<UUID, SecurityConfig> orgConfigs) {
        this.factors = factors;
        this.login = login;
        this.users = users;
        this.delivery = delivery;
        this.events = events;
        this.bodies = bodies;
        this.orgConfigs = orgConfigs;
    }

    record CodeBody(String method, String code, String phoneNumber) {
        @Override
        public String toString() {
            return "CodeBody[***]";
        }
    }

    record LoginStepBody(String mfaToken, String method, String code, String deviceId) {
        @Override
        public String toString() {
            return "LoginStepBody[method=" + method + "]";
        }
    }

    List<Route> routes() {
        Access own = Access.authenticated();
        Access sensitive = Access.authenticated().rateCategory(Access.RateCategory.SENSITIVE);
        return List.of(
                Route.get("/v1/mfa", own, this::status),
                Route.post("/v1/mfa/{method}/enroll", sensitive, this::enroll),
                Route.post("/v1/mfa/{method}/confirm", sensitive, this::confirm),
                Route.post("/v1/mfa/{method}/send", sensitive, this::sendOwn),
                Route.delete("/v1/mfa/{method}", sensitive, this::remove),
                Route.post("/v1/mfa/recovery-codes", sensitive, this::regenerate),
                Route.post("/v1/auth/mfa/send", Access.open(Access.RateCategory.AUTH), this::loginSend),
                Route.post("/v1/auth/mfa/verify", Access.open(Access.RateCategory.AUTH), this::loginVerify));
    }

    // ---- the caller's own factors ----

    private void status(Context ctx) {
        User user = caller(ctx);
        List<Map<String, Object>> methods = new ArrayList<>();
        for (Factors.Enrolled e : factors.enrolled(user.id())) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", e.method().wire());
            m.put("status", e.status());
            e.enabledAt().ifPresent(t -> m.put("enabled_at", t.toString()));
            e.destinationHint().ifPresent(h -> m.put("phone_number", h));
            methods.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("methods", methods);
        out.put("recovery_codes_remaining", factors.recoveryCodesLeft(user.id()));
        out.put("required_by_org", orgConfigs.apply(user.orgId()).requireMfa());
        ctx.json(out);
    }

    private void enroll(Context ctx) {
        User user = caller(ctx);
        Method method = enrollable(ctx);
        switch (method) {
            case TOTP -> {
                Factors.TotpEnrollment e = factors.enrollTotp(user, ISSUER).orElseThrow(MfaRoutes::alreadyEnabled);
                String dataUrl = Factors.dataUrl(QrCodes.png(e.otpauthUri()));
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("method", "totp");
                out.put("status", "pending");
                out.put("secret", e.secretBase32());
                out.put("otpauth_uri", e.otpauthUri());
                out.put("qr_code_png", dataUrl.substring("data:image/png;base64,".length()));
                out.put("qr_code_data_url", dataUrl);
                out.put("next", "POST /v1/mfa/totp/confirm with a current code");
                ctx.header("Cache-Control", "no-store");
                ctx.json(out);
            }
            case EMAIL, SMS -> {
                if (!delivery.available(method)) {
                    throw Delivery.unavailable();
                }
                Optional<String> phone = Optional.empty();
                if (method == Method.SMS) {
                    CodeBody body = body(ctx);
                    if (body.phoneNumber() == null || !E164.matcher(body.phoneNumber()).matches()) {
                        throw ApiException.validation("Invalid phone_number",
                                List.of("phone_number must be in E.164 form, e.g. +14155550100"));
                    }
                    phone = Optional.of(body.phoneNumber());
                }
                if (!factors.enrollChannel(user, method, phone)) {
                    throw alreadyEnabled();
                }
                respondSent(ctx, method, send(user, method, "pending"));
            }
            case RECOVERY -> throw ApiException.notFound("Not found");
        }
    }

    private void sendOwn(Context ctx) {
        User user = caller(ctx);
        Method method = enrollable(ctx);
        if (method == Method.TOTP) {
            throw ApiException.badRequest("not_sendable", "TOTP codes come from the authenticator app");
        }
        Factors.SendOutcome outcome = send(user, method, "active");
        if (outcome instanceof Factors.SendOutcome.NotEnrolled) {
            outcome = send(user, method, "pending");
        }
        respondSent(ctx, method, outcome);
    }

    private Factors.SendOutcome send(User user, Method channel, String status) {
        if (!delivery.available(channel)) {
            throw Delivery.unavailable();
        }
        Factors.Issued issued = factors.issueCode(user, channel, status);
        if (issued.outcome() instanceof Factors.SendOutcome.Sent s) {
            delivery.deliver(channel, s.to(), issued.code().orElseThrow());
        }
        return issued.outcome();
    }

    private void confirm(Context ctx) {
        User user = caller(ctx);
        Method method = enrollable(ctx);
        CodeBody body = body(ctx);
        events.refuseIfThrottled(user);
        Optional<List<String>> codes = factors.confirm(user, method, requireCode(body));
        if (codes.isEmpty()) {
            events.wrongCode(user, method, "confirm", false, origin(ctx));
            throw invalidCode();
        }
        events.changed(SecurityEventType.MFA_ENABLED, "mfa_enabled", user, method, origin(ctx));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("method", method.wire());
        out.put("status", "active");
        if (!codes.get().isEmpty()) {
            out.put("recovery_codes", codes.get());
            ctx.header("Cache-Control", "no-store");
        }
        ctx.json(out);
    }

    private void remove(Context ctx) {
        User user = caller(ctx);
        Method method = enrollable(ctx);
        CodeBody body = body(ctx);
        if (!factors.isActive(user.id(), method)) {
            if (factors.remove(user.id(), method)) {
                ctx.status(204);
                return;
            }
            throw ApiException.notFound("This method is not enrolled");
        }
        boolean last = factors.activeMethods(user.id()).stream().filter(m -> !m.equals(Method.RECOVERY.wire())).count() == 1;
        if (last && orgConfigs.apply(user.orgId()).requireMfa()) {
            throw ApiException.conflict("mfa_required_by_org", "Your organization requires MFA; enroll another method first");
        }
        events.refuseIfThrottled(user);
        if (!factors.check(user, method, requireCode(body))) {
            events.wrongCode(user, method, "disable", false, origin(ctx));
            throw invalidCode();
        }
        factors.remove(user.id(), method);
        events.changed(SecurityEventType.MFA_DISABLED, "mfa_disabled", user, method, origin(ctx));
        ctx.status(204);
    }

    private void regenerate(Context ctx) {
        User user = caller(ctx);
        CodeBody body = body(ctx);
        Method method = Method.parse(body.method()).filter(Method::enrollable).orElseThrow(() -> ApiException.validation(
                "Invalid method", List.of("method must be totp, email or sms: the factor the code comes from")));
        events.refuseIfThrottled(user);
        if (!factors.check(user, method, requireCode(body))) {
            events.wrongCode(user, method, "recovery_codes", false, origin(ctx));
            throw invalidCode();
        }
        List<String> codes = factors.regenerateRecoveryCodes(user.id());
        events.changed(SecurityEventType.USER_UPDATED, "mfa_recovery_codes_regenerated", user, method, origin(ctx));
        ctx.header("Cache-Control", "no-store");
        ctx.json(Map.of("recovery_codes", codes));
    }

    // ---- the login's second step ----

    private void loginSend(Context ctx) {
        LoginStepBody body = bodies.read(ctx, LoginStepBody.class);
        User user = login.userOf(body.mfaToken());
        Method method = Method.parse(body.method()).filter(m -> m == Method.EMAIL || m == Method.SMS)
                .orElseThrow(() -> ApiException.validation("Invalid method", List.of("method must be email or sms")));
        respondSent(ctx, method, login.send(user, method));
    }

    private void loginVerify(Context ctx) {
        LoginStepBody body = bodies.read(ctx, LoginStepBody.class);
        if (body.method() == null || body.code() == null) {
            throw ApiException.validation("mfa_token, method and code are required", List.of("mfa_token, method and code are required"));
        }
        Method method = Method.parse(body.method()).orElseThrow(() -> ApiException.validation("Invalid method",
                List.of("method must be totp, email, sms or recovery")));
        if (body.deviceId() != null && !Device.validDeviceId(body.deviceId())) {
            throw ApiException.validation("Invalid device_id", List.of("device_id must be 1-128 characters of A-Z a-z 0-9 . _ : -"));
        }
        User user = login.userOf(body.mfaToken());
        RequestContext rc = RequestContext.of(ctx);
        Device device = Device.of(rc.userAgent(), Optional.ofNullable(ctx.header("Accept-Language")), rc.clientIp(),
                Optional.ofNullable(body.deviceId()));
        Sessions.Client client = new Sessions.Client(device, rc.clientIp(), rc.userAgent(), rc.requestId());
        Sessions.Opened opened = login.verify(user, body.mfaToken(), method, body.code(), client, origin(ctx));
        long now = Instant.now().getEpochSecond();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", "authenticated");
        out.put("access_token", opened.tokens().accessToken());
        out.put("refresh_token", opened.tokens().refreshToken());
        out.put("token_type", "Bearer");
        out.put("expires_in", Math.max(0, opened.tokens().accessExpiresAt().getEpochSecond() - now));
        out.put("refresh_expires_in", Math.max(0, opened.tokens().refreshExpiresAt().getEpochSecond() - now));
        out.put("session_id", opened.tokens().sessionId().toString());
        out.put("new_device", opened.newDevice());
        out.put("amr", List.of("pwd", method.amr));
        ctx.header("Cache-Control", "no-store");
        ctx.json(out);
    }

    // ---- helpers ----

    private void respondSent(Context ctx, Method channel, Factors.SendOutcome outcome) {
        switch (outcome) {
            case Factors.SendOutcome.Sent s -> {
                ctx.status(202);
                ctx.json(Map.of("method", channel.wire(), "sent_to",
                        channel == Method.SMS ? Factors.maskPhone(s.to()) : Factors.maskEmail(s.to()),
                        "expires_in", Factors.CODE_LIFETIME.toSeconds()));
            }
            case Factors.SendOutcome.Throttled t -> throw new ApiException(429, "too_many_codes",
                    "A code was sent recently; wait before asking for another", Map.of("retry_after", t.retryAfterSeconds()),
                    Map.of("Retry-After", Long.toString(t.retryAfterSeconds())));
            case Factors.SendOutcome.NotEnrolled n -> throw ApiException.notFound("This method is not enrolled");
        }
    }

    private User caller(Context ctx) {
        Principal p = RequestContext.of(ctx).requirePrincipal();
        if (p.kind() != Principal.Kind.USER) {
            throw ApiException.forbidden("Only users have second factors");
        }
        return users.find(p.subject()).orElseThrow(ApiException::invalidToken);
    }

    private static Method enrollable(Context ctx) {
        return Method.parse(ctx.pathParam("method")).filter(Method::enrollable)
                .orElseThrow(() -> ApiException.notFound("Unknown MFA method"));
    }

    private CodeBody body(Context ctx) {
        return ctx.bodyAsBytes().length == 0 ? new CodeBody(null, null, null) : bodies.read(ctx, CodeBody.class);
    }

    private static String requireCode(CodeBody body) {
        if (body.code() == null || body.code().isBlank()) {
            throw ApiException.validation("code is required", List.of("code is required"));
        }
        return body.code();
    }

    private static MfaEvents.Origin origin(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        return new MfaEvents.Origin(rc.clientIp(), rc.userAgent().orElse(null), rc.requestId());
    }

    private static ApiException invalidCode() {
        return new ApiException(400, "invalid_code", "The code is not valid");
    }

    private static ApiException alreadyEnabled() {
        return ApiException.conflict("already_enabled", "This method is already enabled; remove it first to re-enroll");
    }
}
