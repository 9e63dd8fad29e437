package com.liftos.security.mfa;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.Grant;
import com.liftos.security.auth.TokenResponder;
import com.liftos.security.auth.TokenResponse;
import com.liftos.security.auth.account.LoginOutcome;
import com.liftos.security.auth.account.Logins;
import com.liftos.security.auth.session.Client;
import com.liftos.security.auth.session.Device;
import com.liftos.security.auth.user.User;
import com.liftos.security.auth.user.Users;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.http.RouteDoc.Param;
import com.liftos.security.identity.Principal;
import com.liftos.security.org.SecurityConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Passkeys over HTTP: the caller's own ({@code /v1/mfa/passkeys...}: options, register, list, rename, remove), the
 * passwordless sign-in ({@code /v1/auth/passkey/...}) and the options of the login's second step
 * ({@code /v1/auth/mfa/passkey/options}; the assertion then goes to {@code /v1/auth/mfa/verify}). Options are
 * WebAuthn Level 3's JSON under {@code public_key} (camelCase, as {@code PublicKeyCredential.parse*OptionsFromJSON}
 * takes them); responses are {@code PublicKeyCredential.toJSON()} under {@code credential}.
 */
final class PasskeyRoutes {
    private final Passkeys passkeys;
    private final PasskeyEvents passkeyEvents;
    private final MfaEvents events;
    private final MfaFactors factors;
    private final MfaLogin login;
    private final Logins logins;
    private final Users users;
    private final TokenResponder responder;
    private final Bodies bodies;
    private final Function<UUID, SecurityConfig> orgConfigs;
    private final Duration recentMfa;
    private final Clock clock;

    PasskeyRoutes(Passkeys passkeys, PasskeyEvents passkeyEvents, MfaEvents events, MfaFactors factors, MfaLogin login,
                  Logins logins, Users users, TokenResponder responder, Bodies bodies,
                  Function<UUID, SecurityConfig> orgConfigs, Duration recentMfa, Clock clock) {
        this.passkeys = passkeys;
        this.passkeyEvents = passkeyEvents;
        this.events = events;
        this.factors = factors;
        this.login = login;
        this.logins = logins;
        this.users = users;
        this.responder = responder;
        this.bodies = bodies;
        this.orgConfigs = orgConfigs;
        this.recentMfa = recentMfa;
        this.clock = clock;
    }

    record RegisterBody(String name, JsonNode credential) {
        @Override
        public String toString() {
            return "RegisterBody[name=" + name + "]";
        }
    }

    record RenameBody(String name) {}

    record SignInBody(JsonNode credential, String deviceId, String mfaToken) {
        @Override
        public String toString() {
            return "SignInBody[***]";
        }
    }

    List<Route> routes() {
        Access own = Access.authenticated();
        Access sensitive = Access.authenticated().rateCategory(Access.RateCategory.SENSITIVE);
        Param id = Param.uuid("passkeyId", "The passkey");
        return List.of(
                Route.get("/v1/mfa/passkeys", own, this::list).doc(RouteDoc.of("The caller's passkeys")
                        .details("Names, authenticator models (AAGUID) and dates; never key material.")
                        .ok("PasskeyList").errors(403, "forbidden")),
                Route.post("/v1/mfa/passkeys/options", sensitive, this::creationOptions)
                        .doc(RouteDoc.of("Start registering a passkey")
                                .details("Answers `PublicKeyCredentialCreationOptionsJSON` under `public_key` for "
                                        + "`navigator.credentials.create`: ES256, EdDSA or RS256, a resident key preferred, attestation "
                                        + "`none`. Its challenge works once, for 5 minutes.")
                                .ok("PasskeyCreationOptions").errors(403, "forbidden")),
                Route.post("/v1/mfa/passkeys", sensitive, this::register).doc(RouteDoc.of("Register a passkey")
                        .details("`credential`: the new credential's `toJSON()`; `name`: 1-64 characters. Checked against the "
                                + "challenge, the relying-party id and origins, and the organization's `passkey_aaguids`. The first "
                                + "second factor also answers the recovery codes, once. Audited as MFA_ENABLED.")
                        .json("PasskeyRegisterRequest").created("PasskeyRegistered")
                        .errors(400, "validation_failed", "passkey_rejected").errors(403, "forbidden").errors(429, "too_many_attempts")),
                Route.patch("/v1/mfa/passkeys/{passkeyId}", sensitive, this::rename).doc(RouteDoc.of("Rename a passkey")
                        .path(id).json("PasskeyRenameRequest").ok("Passkey")
                        .errors(400, "validation_failed").errors(403, "forbidden").errors(404, "not_found")),
                Route.delete("/v1/mfa/passkeys/{passkeyId}", sensitive, this::remove).doc(RouteDoc.of("Remove a passkey")
                        .details("Needs a sign-in with a second factor within `LIFTOS_STEP_UP_MAX_AGE_MINUTES` (403 `mfa_required` "
                                + "otherwise); the last second factor cannot go while the organization requires one. Audited as MFA_DISABLED.")
                        .path(id).noContent("Removed")
                        .errors(403, "forbidden", "mfa_required").errors(404, "not_found").errors(409, "mfa_required_by_org")),
                Route.post("/v1/auth/passkey/options", Access.open(Access.RateCategory.AUTH), this::passwordlessOptions)
                        .doc(RouteDoc.of("Start a passwordless sign-in")
                                .details("Answers `PublicKeyCredentialRequestOptionsJSON` under `public_key` with no allowed "
                                        + "credentials (the authenticator offers its discoverable ones) and user verification required.")
                                .ok("PasskeyRequestOptions")),
                Route.post("/v1/auth/passkey/verify", Access.open(Access.RateCategory.CREDENTIAL), this::passwordless)
                        .doc(RouteDoc.of("Sign in with a passkey, without a password")
                                .details("`credential`: the assertion's `toJSON()`, with its `userHandle` and user verification. "
                                        + "Opens the session as a login does (`amr` `[\"hwk\"|\"swk\", \"user\"]`); audited as LOGIN_SUCCESS "
                                        + "or LOGIN_FAILURE with `method` `passkey`.")
                                .json("PasskeySignInRequest").ok("SessionTokens")
                                .errors(400, "validation_failed").errors(401, "passkey_rejected")
                                .errors(403, "account_locked", "account_disabled", "ip_not_allowed", "ip_blocked")
                                .errors(409, "session_limit").errors(429, "too_many_attempts")),
                Route.post("/v1/auth/mfa/passkey/options", Access.open(Access.RateCategory.AUTH), this::secondFactorOptions)
                        .doc(RouteDoc.of("Start the login's second step with a passkey")
                                .details("With the login's `mfa_token`: request options listing the user's passkeys. The assertion "
                                        + "goes to `POST /v1/auth/mfa/verify` with `method` `passkey` and `credential`.")
                                .json("PasskeySignInRequest").ok("PasskeyRequestOptions")
                                .errors(400, "validation_failed").errors(401, "invalid_token").errors(404, "not_found")));
    }

    private void list(Context ctx) {
        User user = caller(ctx);
        ctx.json(Map.of("passkeys", passkeys.list(user.id()).stream().map(PasskeyRoutes::view).toList()));
    }

    private void creationOptions(Context ctx) {
        User user = caller(ctx);
        ctx.header("Cache-Control", "no-store");
        ctx.json(Map.of("public_key", passkeys.creationOptions(user, orgConfigs.apply(user.orgId()))));
    }

    private void register(Context ctx) {
        User user = caller(ctx);
        RegisterBody body = bodies.read(ctx, RegisterBody.class);
        String name = validName(body.name());
        String credential = credential(body.credential());
        MfaRoutes.refuseIfThrottled(events.throttledFor(user));
        switch (passkeys.register(user, name, credential, orgConfigs.apply(user.orgId()))) {
            case Passkeys.Registration.Registered r -> {
                events.passkeyChanged(SecurityEventType.MFA_ENABLED, "mfa_enabled", user, r.passkey().id(), MfaRoutes.origin(ctx));
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("passkey", view(r.passkey()));
                if (!r.recoveryCodes().isEmpty()) {
                    out.put("recovery_codes", r.recoveryCodes());
                    ctx.header("Cache-Control", "no-store");
                }
                ctx.status(201);
                ctx.json(out);
            }
            case Passkeys.Registration.Refused r -> {
                passkeyEvents.registrationRefused(user, r.reason(), MfaRoutes.origin(ctx));
                throw rejected(400, r.reason());
            }
        }
    }

    private void rename(Context ctx) {
        User user = caller(ctx);
        UUID id = CoreGuards.pathUuid(ctx, "passkeyId");
        String name = validName(bodies.read(ctx, RenameBody.class).name());
        Passkeys.Passkey renamed = passkeys.rename(user.id(), id, name).orElseThrow(() -> ApiException.notFound("No such passkey"));
        events.passkeyChanged(SecurityEventType.USER_UPDATED, "passkey_renamed", user, id, MfaRoutes.origin(ctx));
        ctx.json(view(renamed));
    }

    private void remove(Context ctx) {
        Principal p = RequestContext.of(ctx).requirePrincipal();
        User user = caller(ctx);
        UUID id = CoreGuards.pathUuid(ctx, "passkeyId");
        List<Passkeys.Passkey> own = passkeys.list(user.id());
        if (own.stream().noneMatch(k -> k.id().equals(id))) {
            throw ApiException.notFound("No such passkey");
        }
        if (!MfaGuards.hasMfa(p) || p.authTime().plus(recentMfa).isBefore(clock.instant())) {
            throw new ApiException(403, "mfa_required", "Removing a passkey needs a recent sign-in with a second factor; sign in again",
                    Map.of("max_auth_age_seconds", recentMfa.toSeconds()), Map.of());
        }
        SecurityConfig cfg = orgConfigs.apply(user.orgId());
        boolean lastPasskey = own.size() == 1;
        boolean lastFactor = lastPasskey && factors.methods.activeMethods(user.id()).stream()
                .noneMatch(m -> !m.equals(Method.PASSKEY.wire()) && !m.equals(Method.RECOVERY.wire()));
        if (lastFactor && cfg.requireMfa() || lastPasskey && cfg.requiresPhishingResistantMfa(user.roles())) {
            throw ApiException.conflict("mfa_required_by_org", "Your organization requires this kind of factor; register another first");
        }
        if (passkeys.remove(user.id(), id)) {
            events.passkeyChanged(SecurityEventType.MFA_DISABLED, "mfa_disabled", user, id, MfaRoutes.origin(ctx));
        }
        ctx.status(204);
    }

    private void passwordlessOptions(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        ctx.json(Map.of("public_key", passkeys.requestOptions(Passkeys.Purpose.PASSWORDLESS, Optional.empty())));
    }

    private void secondFactorOptions(Context ctx) {
        SignInBody body = bodies.read(ctx, SignInBody.class);
        if (body.mfaToken() == null) {
            throw ApiException.validation("mfa_token is required", List.of("mfa_token is required"));
        }
        User user = login.userOf(body.mfaToken()).orElseThrow(ApiException::invalidToken);
        if (!passkeys.any(user.id())) {
            throw ApiException.notFound("No passkey is registered for this account");
        }
        ctx.header("Cache-Control", "no-store");
        ctx.json(Map.of("public_key", passkeys.requestOptions(Passkeys.Purpose.SECOND_FACTOR, Optional.of(user.id()))));
    }

    private void passwordless(Context ctx) {
        SignInBody body = bodies.read(ctx, SignInBody.class);
        String credential = credential(body.credential());
        if (body.deviceId() != null && !Device.validDeviceId(body.deviceId())) {
            throw ApiException.validation("Invalid device_id", List.of("device_id must be 1-128 characters of A-Z a-z 0-9 . _ : -"));
        }
        RequestContext rc = RequestContext.of(ctx);
        Client client = Client.of(rc.userAgent(), Optional.ofNullable(ctx.header("Accept-Language")), rc.clientIp(),
                Optional.ofNullable(body.deviceId()), rc.requestId());
        java.util.OptionalLong throttled = logins.passwordlessRefusal(client);
        if (throttled.isPresent()) {
            throw MfaRoutes.tooManyAttempts(throttled.getAsLong());
        }
        Passkeys.Passkey passkey = switch (passkeys.verify(Passkeys.Purpose.PASSWORDLESS, Optional.empty(), credential)) {
            case Passkeys.Assertion.Verified v -> v.passkey();
            case Passkeys.Assertion.Refused r -> {
                passkeyEvents.passwordlessRefused(r, MfaRoutes.origin(ctx));
                logins.passwordlessFailed(client);
                throw rejected(401, r.reason());
            }
        };
        User user = users.find(passkey.userId()).orElseThrow(() -> rejected(401, PasskeyVerifier.Reason.CREDENTIAL));
        switch (logins.signInWithoutPassword(user, List.of(passkey.amr(), "user"), Method.PASSKEY.wire(), client)) {
            case LoginOutcome.Authenticated a -> {
                TokenResponse response = responder.respond(new Grant.SessionOpened(a.session(), false, a.deviceToken()));
                response.headers().forEach(ctx::header);
                response.cookies().forEach(cookie -> ctx.res().addHeader("Set-Cookie", cookie));
                ctx.json(response.body());
            }
            case LoginOutcome.Refused r -> throw switch (r.reason()) {
                case ACCOUNT_LOCKED -> new ApiException(403, "account_locked", "This account is locked; try again later");
                case NETWORK_NOT_ALLOWED -> new ApiException(403, "ip_not_allowed",
                        "Sign-in from this address is not allowed for this organization");
                case ADDRESS_BLOCKED -> new ApiException(403, "ip_blocked", "Requests from this address are blocked");
                case ACCOUNT_DISABLED -> new ApiException(403, "account_disabled", "This account is disabled");
                case SESSION_LIMIT -> ApiException.conflict("session_limit",
                        "The maximum number of concurrent sessions is reached; log out of another session first");
                case INVALID_CREDENTIALS -> rejected(401, PasskeyVerifier.Reason.CREDENTIAL);
            };
            default -> throw new IllegalStateException("a passwordless sign-in has no further step");
        }
    }

    static ApiException rejected(int status, PasskeyVerifier.Reason reason) {
        return new ApiException(status, "passkey_rejected", "The passkey response was not accepted",
                Map.of("reason", reason.wire()), Map.of());
    }

    /** The response object re-serialized for webauthn4j: 400 when absent or not an object. */
    static String credential(JsonNode credential) {
        if (credential == null || !credential.isObject()) {
            throw ApiException.validation("credential is required",
                    List.of("credential must be the PublicKeyCredential's toJSON() object"));
        }
        return credential.toString();
    }

    private static String validName(String name) {
        String n = name == null ? "" : name.strip();
        if (n.isEmpty() || n.length() > 64 || n.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.validation("Invalid name", List.of("name must be 1-64 characters without control characters"));
        }
        return n;
    }

    private static Map<String, Object> view(Passkeys.Passkey p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id().toString());
        m.put("name", p.name());
        m.put("aaguid", p.aaguid().toString());
        m.put("synced", p.backupEligible());
        m.put("created_at", p.createdAt().toString());
        p.lastUsedAt().ifPresent(t -> m.put("last_used_at", t.toString()));
        return m;
    }

    private User caller(Context ctx) {
        Principal p = RequestContext.of(ctx).requirePrincipal();
        if (p.kind() != Principal.Kind.USER) {
            throw ApiException.forbidden("Only users have passkeys");
        }
        return users.find(p.subject()).orElseThrow(ApiException::invalidToken);
    }
}
