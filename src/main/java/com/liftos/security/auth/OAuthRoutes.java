package com.liftos.security.auth;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.oauth.ClientCredentials;
import com.liftos.security.auth.oauth.ServiceAccount;
import com.liftos.security.auth.session.Client;
import com.liftos.security.auth.session.Device;
import com.liftos.security.auth.session.RefreshOutcome;
import com.liftos.security.auth.session.Sessions;
import com.liftos.security.auth.token.AccessClaims;
import com.liftos.security.auth.token.AccessTokens;
import com.liftos.security.auth.token.TokenState;
import com.liftos.security.auth.token.TokenVerifier;
import com.liftos.security.http.Access;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.identity.Principal;
import com.liftos.security.identity.Role;
import io.javalin.http.Context;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The OAuth 2.0 endpoints, with RFC 6749 form encoding and RFC 6749 §5.2 error bodies
 * ({@code {"error":"invalid_client","error_description":"..."}}) instead of the API's JSON error format:
 * {@code POST /oauth2/token} (client_credentials, refresh_token), {@code POST /oauth2/introspect} (RFC 7662),
 * {@code POST /oauth2/revoke} (RFC 7009). Clients authenticate with HTTP Basic or form parameters.
 */
final class OAuthRoutes {
    private final ClientCredentials clientCredentials;
    private final AccessTokens accessTokens;
    private final TokenVerifier verifier;
    private final TokenState state;
    private final Sessions sessions;
    private final TokenResponder responder;
    private final AuditLog audit;
    private final RiskInputs.Source risk;
    private final Clock clock;

    OAuthRoutes(ClientCredentials clientCredentials, AccessTokens accessTokens, TokenVerifier verifier, TokenState state,
                Sessions sessions, TokenResponder responder, AuditLog audit, RiskInputs.Source risk, Clock clock) {
        this.risk = risk;
        this.clientCredentials = clientCredentials;
        this.accessTokens = accessTokens;
        this.verifier = verifier;
        this.state = state;
        this.sessions = sessions;
        this.responder = responder;
        this.audit = audit;
        this.clock = clock;
    }

    List<Route> routes() {
        return List.of(
                Route.post("/oauth2/token", Access.open(Access.RateCategory.CREDENTIAL), this::token).doc(RouteDoc.of("Obtain tokens (RFC 6749)")
                        .details("Grants `client_credentials` (a service account: HTTP Basic or `client_id`/`client_secret` fields) and `refresh_token`.")
                        .credentials("clientBasic").form("TokenRequest").ok("OAuthToken")
                        .oauthErrors(400, "invalid_request", "unsupported_grant_type", "unauthorized_client", "invalid_scope", "invalid_grant")
                        .oauthErrors(401, "invalid_client").oauthErrors(429, "rate_limited")),
                Route.post("/oauth2/introspect", Access.open(Access.RateCategory.CREDENTIAL), this::introspect).doc(RouteDoc.of("Introspect an access token (RFC 7662)")
                        .details("The caller authenticates as a client or with a bearer token; it sees its own organization's tokens (a super admin's, every one).")
                        .credentials("clientBasic", "bearerAuth").form("IntrospectionRequest").ok("Introspection")
                        .oauthErrors(400, "invalid_request").oauthErrors(401, "invalid_client").oauthErrors(429, "rate_limited")),
                Route.post("/oauth2/revoke", Access.open(Access.RateCategory.CREDENTIAL), this::revoke).doc(RouteDoc.of("Revoke a token (RFC 7009)")
                        .details("200 whether or not the token was valid. A client revokes only its own tokens; anyone holding a token may revoke it.")
                        .credentials("clientBasic").form("RevocationRequest").reply(200, "Revoked (or nothing to revoke)", "")
                        .oauthErrors(400, "invalid_request").oauthErrors(401, "invalid_client").oauthErrors(429, "rate_limited")));
    }

    /** An RFC 6749 §5.2 error. */
    private static void error(Context ctx, int status, String error, String description) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("error_description", description);
        if (status == 401) {
            ctx.header("WWW-Authenticate", "Basic realm=\"liftos\"");
        }
        ctx.header("Pragma", "no-cache");
        ctx.status(status).json(body);
    }

    /** 429 with {@code Retry-After}, in the RFC 6749 §5.2 error shape. */
    private static void throttled(Context ctx, long retryAfterSeconds) {
        ctx.header("Retry-After", Long.toString(retryAfterSeconds));
        error(ctx, 429, "rate_limited", "Too many requests; retry after " + retryAfterSeconds + " s");
    }

    /** Answers a failed client authentication: 429 once the address has spent its failure budget, else 401. */
    private void invalidClient(Context ctx) {
        Optional<Long> wait = clientCredentials.failureRefusal(origin(ctx));
        if (wait.isPresent()) {
            throttled(ctx, wait.get());
        } else {
            error(ctx, 401, "invalid_client", "Client authentication failed");
        }
    }

    /** Form parameters, or an error already answered (empty). Repeated parameters are refused (RFC 6749 §3.2). */
    private static Optional<Map<String, String>> form(Context ctx, List<String> names) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            error(ctx, 400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
            return Optional.empty();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : names) {
            List<String> values = ctx.formParams(name);
            if (values.size() > 1) {
                error(ctx, 400, "invalid_request", "Parameter " + name + " is repeated");
                return Optional.empty();
            }
            if (values.size() == 1 && !values.get(0).isEmpty()) {
                out.put(name, values.get(0));
            }
        }
        return Optional.of(out);
    }

    /** Client credentials from HTTP Basic (client_secret_basic) or the form (client_secret_post), if any. */
    private static Optional<ClientCredentials.Presented> presented(Context ctx, Map<String, String> form) {
        String header = ctx.header("Authorization");
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon > 0) {
                    return Optional.of(new ClientCredentials.Presented(URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8),
                            URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8)));
                }
            } catch (IllegalArgumentException e) {
                return Optional.of(new ClientCredentials.Presented("", ""));
            }
            return Optional.of(new ClientCredentials.Presented("", ""));
        }
        if (form.containsKey("client_id") && form.containsKey("client_secret")) {
            return Optional.of(new ClientCredentials.Presented(form.get("client_id"), form.get("client_secret")));
        }
        return Optional.empty();
    }

    private static ClientCredentials.Origin origin(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        return new ClientCredentials.Origin(rc.clientIp(), rc.userAgent(), rc.requestId());
    }

    private void token(Context ctx) {
        Optional<Map<String, String>> parsed = form(ctx, List.of("grant_type", "client_id", "client_secret", "refresh_token", "scope", "device_id"));
        if (parsed.isEmpty()) {
            return;
        }
        Map<String, String> form = parsed.get();
        String grant = form.get("grant_type");
        if (grant == null) {
            error(ctx, 400, "invalid_request", "grant_type is required");
            return;
        }
        switch (grant) {
            case "client_credentials" -> clientCredentialsGrant(ctx, form);
            case "refresh_token" -> refreshGrant(ctx, form);
            default -> error(ctx, 400, "unsupported_grant_type", "Supported grant types: client_credentials, refresh_token");
        }
    }

    private void clientCredentialsGrant(Context ctx, Map<String, String> form) {
        Optional<ClientCredentials.Presented> presented = presented(ctx, form);
        if (presented.isEmpty()) {
            error(ctx, 401, "invalid_client", "Client authentication is required");
            return;
        }
        switch (clientCredentials.grant(presented.get(), Optional.ofNullable(form.get("scope")), origin(ctx))) {
            case ClientCredentials.Outcome.Granted g -> AuthRoutes.respond(ctx, responder.respond(new Grant.ClientToken(g)));
            case ClientCredentials.Outcome.InvalidClient i -> error(ctx, 401, "invalid_client", "Client authentication failed");
            case ClientCredentials.Outcome.NetworkNotAllowed n ->
                    error(ctx, 400, "unauthorized_client", "This client may not obtain tokens from this network address");
            case ClientCredentials.Outcome.InvalidScope i ->
                    error(ctx, 400, "invalid_scope", "A requested scope is not granted to this client");
            case ClientCredentials.Outcome.Throttled t -> throttled(ctx, t.retryAfterSeconds());
        }
    }

    private void refreshGrant(Context ctx, Map<String, String> form) {
        String token = form.get("refresh_token");
        if (token == null) {
            error(ctx, 400, "invalid_request", "refresh_token is required");
            return;
        }
        if (form.containsKey("device_id") && !Device.validDeviceId(form.get("device_id"))) {
            error(ctx, 400, "invalid_request", "device_id is malformed");
            return;
        }
        Client client = AuthRoutes.client(ctx, Optional.ofNullable(form.get("device_id")));
        switch (sessions.refresh(token, client)) {
            case RefreshOutcome.Rotated r ->
                    AuthRoutes.respond(ctx, responder.respond(new Grant.SessionRefreshed(r.tokens(), Grant.Endpoint.OAUTH)));
            case RefreshOutcome.Invalid i -> error(ctx, 400, "invalid_grant", "The refresh token is invalid or expired");
            case RefreshOutcome.ReuseDetected u -> error(ctx, 400, "invalid_grant", "The refresh token is invalid or expired");
            case RefreshOutcome.DeviceMismatch d -> error(ctx, 400, "invalid_grant", "The refresh token is invalid or expired");
            case RefreshOutcome.AddressRefused a -> error(ctx, 400, "invalid_grant", "The refresh token is invalid or expired");
            case RefreshOutcome.Throttled t -> throttled(ctx, t.retryAfterSeconds());
        }
    }

    /**
     * Whose tokens an introspecting caller may see: its organization's, or every organization's; {@code key}: whose
     * introspection budget it draws (its client id, or a bearer's subject).
     */
    private record Introspector(String key, UUID orgId, boolean superAdmin) {
        boolean sees(AccessClaims claims) {
            return superAdmin || claims.orgId().equals(orgId);
        }
    }

    private void introspect(Context ctx) {
        Optional<Map<String, String>> parsed = form(ctx, List.of("token", "token_type_hint", "client_id", "client_secret"));
        if (parsed.isEmpty()) {
            return;
        }
        Map<String, String> form = parsed.get();
        Optional<ClientCredentials.Presented> presented = presented(ctx, form);
        Optional<Introspector> caller = Optional.empty();
        if (presented.isPresent()) {
            Optional<ServiceAccount> sa = clientCredentials.authenticate(presented.get(), origin(ctx));
            if (sa.isEmpty()) {
                invalidClient(ctx);
                return;
            }
            caller = Optional.of(new Introspector(sa.get().clientId(), sa.get().orgId(), sa.get().roles().contains(Role.SUPER_ADMIN.id())));
        } else {
            String header = ctx.header("Authorization");
            if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                caller = verifier.principal(header.substring(7).strip())
                        .map(p -> new Introspector(p.subject().toString(), p.orgId(), p.isSuperAdmin()));
            }
        }
        if (caller.isEmpty()) {
            error(ctx, 401, "invalid_client", "Client authentication is required");
            return;
        }
        Optional<Long> wait = clientCredentials.introspectionRefusal(caller.get().key(), origin(ctx));
        if (wait.isPresent()) {
            throttled(ctx, wait.get());
            return;
        }
        String token = form.get("token");
        if (token == null) {
            error(ctx, 400, "invalid_request", "token is required");
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        Optional<AccessClaims> claims = verifier.activeClaims(token);
        if (claims.isPresent() && caller.get().sees(claims.get())) {
            AccessClaims c = claims.get();
            body.put("active", true);
            body.put("scope", String.join(" ", c.permissions()));
            c.clientId().ifPresent(id -> body.put("client_id", id));
            c.email().ifPresent(e -> body.put("username", e));
            body.put("token_type", "Bearer");
            body.put("exp", c.expiresAt().getEpochSecond());
            body.put("iat", c.issuedAt().getEpochSecond());
            body.put("nbf", c.issuedAt().getEpochSecond());
            body.put("sub", c.subject().toString());
            body.put("aud", AccessTokens.AUDIENCE);
            body.put("iss", accessTokens.issuer());
            body.put("jti", c.jti());
            body.put("org_id", c.orgId().toString());
            body.put("roles", c.roles());
            c.sessionId().ifPresent(s -> body.put("sid", s.toString()));
            // What require_low_risk needs downstream: the request-independent score, its signals, the login network.
            RiskInputs inputs = risk.of(verifier.principalOf(c));
            body.put("risk_score", inputs.score());
            body.put("risk_signals", inputs.signals());
            inputs.loginNetwork().ifPresent(n -> body.put("login_network", n));
            body.put("auth_time", c.authTime().getEpochSecond());
            body.put("amr", c.amr());
        } else {
            body.put("active", false);
        }
        ctx.json(body);
    }

    private void revoke(Context ctx) {
        Optional<Map<String, String>> parsed = form(ctx, List.of("token", "token_type_hint", "client_id", "client_secret"));
        if (parsed.isEmpty()) {
            return;
        }
        Map<String, String> form = parsed.get();
        Optional<ClientCredentials.Presented> presented = presented(ctx, form);
        Optional<ServiceAccount> client = Optional.empty();
        if (presented.isPresent()) {
            client = clientCredentials.authenticate(presented.get(), origin(ctx));
            if (client.isEmpty()) {
                invalidClient(ctx);
                return;
            }
        }
        String token = form.get("token");
        if (token == null) {
            error(ctx, 400, "invalid_request", "token is required");
            return;
        }
        RequestContext rc = RequestContext.of(ctx);
        Optional<AccessClaims> claims = accessTokens.verify(token);
        if (claims.isPresent()) {
            AccessClaims c = claims.get();
            // A client may only revoke its own tokens; a bearer of a user token proves possession by presenting it.
            if (client.isEmpty() || c.clientId().equals(Optional.of(client.get().clientId()))) {
                state.revokeJti(c.jti(), c.expiresAt());
                audit.record(SecurityEvent.builder(SecurityEventType.TOKEN_REVOKED, "revoke_access_token")
                        .org(c.orgId()).actor(c.subject(), c.kind() == Principal.Kind.USER
                                ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SERVICE_ACCOUNT)
                        .resource("token:" + c.jti()).clientIp(rc.clientIp()).requestId(rc.requestId())
                        .detail("token_type", "access_token").build(clock.instant()));
            }
        } else if (client.isEmpty() && token.length() >= 20 && token.length() <= 200) {
            sessions.sessionOfRefreshToken(token).ifPresent(sid -> {
                if (sessions.end(sid, "refresh_token_revoked")) {
                    audit.record(SecurityEvent.builder(SecurityEventType.TOKEN_REVOKED, "revoke_refresh_token")
                            .resource("session:" + sid).clientIp(rc.clientIp()).requestId(rc.requestId())
                            .detail("token_type", "refresh_token").detail("session_id", sid.toString()).build(clock.instant()));
                }
            });
        }
        // RFC 7009 §2.2: 200 whether or not the token was valid.
        ctx.status(200).result("");
    }
}
