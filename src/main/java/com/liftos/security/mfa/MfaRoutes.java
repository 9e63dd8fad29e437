package com.liftos.security.mfa;

import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.user.User;
import com.liftos.security.auth.user.Users;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.http.RouteDoc.Param;
import com.liftos.security.identity.Principal;
import com.liftos.security.org.SecurityConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

/** {@code /v1/mfa/*}: the caller's own factors (enrol, confirm, send a code, remove, recovery codes). */
final class MfaRoutes {
    static final String ISSUER = "LiftOS";
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");

    private final MfaFactors factors;
    private final Users users;
    private final Delivery delivery;
    private final MfaEvents events;
    private final Bodies bodies;
    private final Function<UUID, SecurityConfig> orgConfigs;

    MfaRoutes(MfaFactors factors, Users users, Delivery delivery, MfaEvents events, Bodies bodies,
              Function<UUID, SecurityConfig> orgConfigs) {
        this.factors = factors;
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

    List<Route> routes() {
        Access own = Access.authenticated();
        Access sensitive = Access.authenticated().rateCategory(Access.RateCategory.SENSITIVE);
        Param method = Param.oneOf("method", "The factor", "totp", "email", "sms");
        return List.of(
                Route.get("/v1/mfa", own, this::status).doc(RouteDoc.of("The caller's second factors")
                        .ok("MfaStatus").errors(403, "forbidden")),
                Route.post("/v1/mfa/{method}/enroll", sensitive, this::enroll).doc(RouteDoc.of("Start enrolling a factor")
                        .details("TOTP answers the secret and a QR code; email and SMS send a code (SMS needs `phone_number`). "
                                + "Then confirm with a code.")
                        .path(method).optionalJson("MfaCodeRequest")
                        .reply(200, "TOTP: the secret to add to an authenticator app", RouteDoc.JSON, "TotpEnrollment")
                        .accepted("CodeSent")
                        .errors(400, "validation_failed").errors(403, "forbidden").errors(409, "already_enabled")
                        .errors(429, "too_many_codes").errors(502, "delivery_failed").errors(503, "channel_unavailable")),
                Route.post("/v1/mfa/{method}/confirm", sensitive, this::confirm).doc(RouteDoc.of("Confirm a factor with a code")
                        .details("The first factor confirmed also answers the recovery codes, once.")
                        .path(method).optionalJson("MfaCodeRequest").ok("MfaConfirmed")
                        .errors(400, "validation_failed", "invalid_code").errors(403, "forbidden").errors(429, "too_many_attempts")),
                Route.post("/v1/mfa/{method}/send", sensitive, this::sendOwn).doc(RouteDoc.of("Send a code by email or SMS")
                        .path(method).accepted("CodeSent")
                        .errors(400, "not_sendable").errors(403, "forbidden").errors(429, "too_many_codes")
                        .errors(502, "delivery_failed").errors(503, "channel_unavailable")),
                Route.delete("/v1/mfa/{method}", sensitive, this::remove).doc(RouteDoc.of("Remove a factor")
                        .details("An enabled factor needs a current code of it; the last one cannot go while the organization requires MFA.")
                        .path(method).optionalJson("MfaCodeRequest").noContent("Removed")
                        .errors(400, "validation_failed", "invalid_code").errors(403, "forbidden")
                        .errors(409, "mfa_required_by_org").errors(429, "too_many_attempts")),
                Route.post("/v1/mfa/recovery-codes", sensitive, this::regenerate).doc(RouteDoc.of("Replace the recovery codes")
                        .details("Needs a current code of an enabled factor (`method` and `code`); the old codes stop working.")
                        .optionalJson("MfaCodeRequest").ok("RecoveryCodes")
                        .errors(400, "validation_failed", "invalid_code").errors(403, "forbidden").errors(429, "too_many_attempts")));
    }

    private void status(Context ctx) {
        User user = caller(ctx);
        List<Map<String, Object>> methods = new ArrayList<>();
        for (Methods.Enrolled e : factors.methods.enrolled(user.id())) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", e.method().wire());
            m.put("status", e.status().wire());
            e.enabledAt().ifPresent(t -> m.put("enabled_at", t.toString()));
            e.destinationHint().ifPresent(h -> m.put("phone_number", h));
            methods.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("methods", methods);
        out.put("recovery_codes_remaining", factors.recoveryCodes.left(user.id()));
        out.put("required_by_org", orgConfigs.apply(user.orgId()).requireMfa());
        ctx.json(out);
    }

    private void enroll(Context ctx) {
        User user = caller(ctx);
        Method method = enrollable(ctx);
        switch (method) {
            case TOTP -> {
                TotpSecrets.Enrollment e = factors.totp.enroll(user, ISSUER).orElseThrow(MfaRoutes::alreadyEnabled);
                String png = Base64.getEncoder().encodeToString(QrCodes.png(e.otpauthUri()));
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("method", "totp");
                out.put("status", MethodStatus.PENDING.wire());
                out.put("secret", e.secretBase32());
                out.put("otpauth_uri", e.otpauthUri());
                out.put("qr_code_png", png);
                out.put("qr_code_data_url", "data:image/png;base64," + png);
                out.put("next", "POST /v1/mfa/totp/confirm with a current code");
                ctx.header("Cache-Control", "no-store");
                ctx.json(out);
            }
            case EMAIL, SMS -> {
                if (!delivery.available(method)) {
                    throw channelUnavailable();
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
                if (!factors.methods.enrollChannel(user, method, phone)) {
                    throw alreadyEnabled();
                }
                respondSent(ctx, method, delivery.send(user, method, MethodStatus.PENDING));
            }
            case RECOVERY, PASSKEY -> throw ApiException.notFound("Not found");
        }
    }

    private void sendOwn(Context ctx) {
        User user = caller(ctx);
        Method method = enrollable(ctx);
        if (method == Method.TOTP) {
            throw ApiException.badRequest("not_sendable", "TOTP codes come from the authenticator app");
        }
        Delivery.Outcome outcome = delivery.send(user, method, MethodStatus.ACTIVE);
        if (outcome instanceof Delivery.Outcome.NotEnrolled) {
            outcome = delivery.send(user, method, MethodStatus.PENDING);
        }
        respondSent(ctx, method, outcome);
    }

    private void confirm(Context ctx) {
        User user = caller(ctx);
        Method method = enrollable(ctx);
        CodeBody body = body(ctx);
        refuseIfThrottled(events.throttledFor(user));
        Optional<List<String>> codes = factors.codes.confirm(user, method, requireCode(body));
        if (codes.isEmpty()) {
            events.wrongCode(user, method, MfaEvents.Step.CONFIRM, origin(ctx));
            throw invalidCode();
        }
        events.changed(SecurityEventType.MFA_ENABLED, "mfa_enabled", user, method, origin(ctx));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("method", method.wire());
        out.put("status", MethodStatus.ACTIVE.wire());
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
        if (!factors.methods.isActive(user.id(), method)) {
            if (factors.methods.remove(user.id(), method)) {
                ctx.status(204);
                return;
            }
            throw ApiException.notFound("This method is not enrolled");
        }
        boolean last = factors.methods.enrolled(user.id()).stream().filter(e -> e.status() == MethodStatus.ACTIVE).count() == 1;
        if (last && orgConfigs.apply(user.orgId()).requireMfa()) {
            throw ApiException.conflict("mfa_required_by_org", "Your organization requires MFA; enroll another method first");
        }
        refuseIfThrottled(events.throttledFor(user));
        if (!factors.codes.check(user, method, requireCode(body))) {
            events.wrongCode(user, method, MfaEvents.Step.DISABLE, origin(ctx));
            throw invalidCode();
        }
        factors.methods.remove(user.id(), method);
        events.changed(SecurityEventType.MFA_DISABLED, "mfa_disabled", user, method, origin(ctx));
        ctx.status(204);
    }

    private void regenerate(Context ctx) {
        User user = caller(ctx);
        CodeBody body = body(ctx);
        Method method = Method.parse(body.method()).filter(Method::enrollable).orElseThrow(() -> ApiException.validation(
                "Invalid method", List.of("method must be totp, email or sms: the factor the code comes from")));
        refuseIfThrottled(events.throttledFor(user));
        if (!factors.codes.check(user, method, requireCode(body))) {
            events.wrongCode(user, method, MfaEvents.Step.RECOVERY_CODES, origin(ctx));
            throw invalidCode();
        }
        List<String> codes = factors.recoveryCodes.regenerate(user.id());
        events.changed(SecurityEventType.USER_UPDATED, "mfa_recovery_codes_regenerated", user, method, origin(ctx));
        ctx.header("Cache-Control", "no-store");
        ctx.json(Map.of("recovery_codes", codes));
    }

    /** 202 with the masked destination, or the HTTP error of a code that did not go out. */
    static void respondSent(Context ctx, Method channel, Delivery.Outcome outcome) {
        switch (outcome) {
            case Delivery.Outcome.Sent s -> {
                ctx.status(202);
                ctx.json(Map.of("method", channel.wire(), "sent_to", Masks.destination(channel, s.to()),
                        "expires_in", SentCodes.LIFETIME.toSeconds()));
            }
            case Delivery.Outcome.Throttled t -> throw new ApiException(429, "too_many_codes",
                    "A code was sent recently; wait before asking for another", Map.of("retry_after", t.retryAfterSeconds()),
                    Map.of("Retry-After", Long.toString(t.retryAfterSeconds())));
            case Delivery.Outcome.NotEnrolled n -> throw ApiException.notFound("This method is not enrolled");
            case Delivery.Outcome.ChannelUnavailable u -> throw channelUnavailable();
            case Delivery.Outcome.NotDelivered d ->
                    throw new ApiException(502, "delivery_failed", "The code could not be sent; try again later");
        }
    }

    /** 429 while the user is over the wrong-code limit. */
    static void refuseIfThrottled(OptionalLong retryAfterSeconds) {
        if (retryAfterSeconds.isPresent()) {
            throw tooManyAttempts(retryAfterSeconds.getAsLong());
        }
    }

    static ApiException tooManyAttempts(long retryAfterSeconds) {
        return new ApiException(429, "too_many_attempts", "Too many wrong codes; try again later", Map.of(),
                Map.of("Retry-After", Long.toString(retryAfterSeconds)));
    }

    static MfaEvents.Origin origin(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        return new MfaEvents.Origin(rc.clientIp(), rc.userAgent().orElse(null), rc.requestId());
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

    private static ApiException invalidCode() {
        return new ApiException(400, "invalid_code", "The code is not valid");
    }

    private static ApiException channelUnavailable() {
        return new ApiException(503, "channel_unavailable", "This delivery channel is not configured", Map.of(), Map.of());
    }

    private static ApiException alreadyEnabled() {
        return ApiException.conflict("already_enabled", "This method is already enabled; remove it first to re-enroll");
    }
}
