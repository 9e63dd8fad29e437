package com.liftos.security.mfa;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.auth.Grant;
import com.liftos.security.auth.TokenResponder;
import com.liftos.security.auth.TokenResponse;
import com.liftos.security.auth.session.Client;
import com.liftos.security.auth.session.Device;
import com.liftos.security.auth.user.User;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /v1/auth/mfa/*}: the login's second step. A right code is answered by the identity feature's
 * {@link TokenResponder}, exactly as a password login is (refresh cookie included).
 */
final class MfaLoginRoutes {
    private final MfaLogin login;
    private final PasskeyEvents passkeyEvents;
    private final TokenResponder responder;
    private final Bodies bodies;

    MfaLoginRoutes(MfaLogin login, PasskeyEvents passkeyEvents, TokenResponder responder, Bodies bodies) {
        this.login = login;
        this.passkeyEvents = passkeyEvents;
        this.responder = responder;
        this.bodies = bodies;
    }

    record LoginStepBody(String mfaToken, String method, String code, String deviceId, JsonNode credential) {
        @Override
        public String toString() {
            return "LoginStepBody[method=" + method + "]";
        }
    }

    List<Route> routes() {
        return List.of(
                Route.post("/v1/auth/mfa/send", Access.open(Access.RateCategory.AUTH), this::send)
                        .doc(RouteDoc.of("Send the login's code by email or SMS").json("MfaLoginRequest").accepted("CodeSent")
                                .errors(400, "validation_failed").errors(401, "invalid_token").errors(404, "not_found").errors(429, "too_many_codes")
                                .errors(502, "delivery_failed").errors(503, "channel_unavailable")),
                Route.post("/v1/auth/mfa/verify", Access.open(Access.RateCategory.CREDENTIAL), this::verify)
                        .doc(RouteDoc.of("Finish a login with its second factor")
                                .details("The `mfa_token` of the login and a code of `method` (totp, email, sms, or a recovery code), "
                                        + "or `method` `passkey` with `credential`, the assertion's `toJSON()` for the options of "
                                        + "`POST /v1/auth/mfa/passkey/options`. Answers tokens as a password login does.")
                                .json("MfaLoginRequest").ok("SessionTokens")
                                .errors(400, "validation_failed").errors(401, "invalid_token", "invalid_code", "passkey_rejected")
                                .errors(403, "ip_not_allowed", "ip_blocked").errors(409, "session_limit").errors(429, "too_many_attempts")));
    }

    private void send(Context ctx) {
        LoginStepBody body = bodies.read(ctx, LoginStepBody.class);
        User user = userOf(body.mfaToken());
        Method method = Method.parse(body.method()).filter(m -> m == Method.EMAIL || m == Method.SMS)
                .orElseThrow(() -> ApiException.validation("Invalid method", List.of("method must be email or sms")));
        MfaRoutes.respondSent(ctx, method, login.send(user, method));
    }

    private void verify(Context ctx) {
        LoginStepBody body = bodies.read(ctx, LoginStepBody.class);
        boolean passkey = Method.PASSKEY.wire().equals(body.method());
        if (body.method() == null || (passkey ? body.credential() == null : body.code() == null)) {
            throw ApiException.validation("mfa_token, method and code (or credential) are required",
                    List.of("mfa_token, method and code are required (credential instead of code for a passkey)"));
        }
        Method method = Method.parse(body.method()).orElseThrow(() -> ApiException.validation("Invalid method",
                List.of("method must be totp, email, sms, passkey or recovery")));
        String credential = passkey ? PasskeyRoutes.credential(body.credential()) : "";
        if (body.deviceId() != null && !Device.validDeviceId(body.deviceId())) {
            throw ApiException.validation("Invalid device_id", List.of("device_id must be 1-128 characters of A-Z a-z 0-9 . _ : -"));
        }
        User user = userOf(body.mfaToken());
        RequestContext rc = RequestContext.of(ctx);
        Client client = Client.of(rc.userAgent(), Optional.ofNullable(ctx.header("Accept-Language")), rc.clientIp(),
                Optional.ofNullable(body.deviceId()), rc.requestId());
        MfaLogin.Outcome outcome = passkey
                ? login.verifyPasskey(user, body.mfaToken(), credential, client, MfaRoutes.origin(ctx), passkeyEvents)
                : login.verify(user, body.mfaToken(), method, body.code(), client, MfaRoutes.origin(ctx));
        switch (outcome) {
            case MfaLogin.Outcome.Opened o -> {
                TokenResponse response = responder.respond(new Grant.SessionOpened(o.session(), false, o.deviceToken()));
                response.headers().forEach(ctx::header);
                response.cookies().forEach(cookie -> ctx.res().addHeader("Set-Cookie", cookie));
                ctx.json(response.body());
            }
            case MfaLogin.Outcome.TokenSpent s -> throw ApiException.invalidToken();
            case MfaLogin.Outcome.WrongCode w -> throw new ApiException(401, "invalid_code", "The code is not valid");
            case MfaLogin.Outcome.PasskeyRefused r -> throw new ApiException(401, "passkey_rejected",
                    "The passkey response was not accepted", Map.of("reason", r.reason()), Map.of());
            case MfaLogin.Outcome.Throttled t -> throw MfaRoutes.tooManyAttempts(t.retryAfterSeconds());
            case MfaLogin.Outcome.SessionLimitReached l -> throw ApiException.conflict("session_limit",
                    "The maximum number of concurrent sessions is reached; log out of another session first");
            case MfaLogin.Outcome.AddressRefused a -> throw new ApiException(403, a.code(),
                    "This organization does not accept sign-ins from this address");
        }
    }

    /** The user an MFA token names: 400 without one, 401 for one that is not (or no longer) good. */
    private User userOf(String mfaToken) {
        if (mfaToken == null) {
            throw ApiException.validation("mfa_token is required", List.of("mfa_token is required"));
        }
        return login.userOf(mfaToken).orElseThrow(ApiException::invalidToken);
    }
}
