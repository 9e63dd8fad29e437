package com.liftos.security.auth;

import com.liftos.security.identity.Principal;
import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.http.Access;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import io.javalin.http.Context;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The OAuth 2.0 endpoints, with RFC 6749 form encoding and RFC 6749 §5.2 error bodies
 * ({@code {"error":"invalid_client","error_description":"..."}}) instead of the API's JSON error format:
 * {@code POST /oauth2/token} (client_credentials, refresh_token), {@code POST /oauth2/introspect} (RFC 7662),
 * {@code POST /oauth2/revoke} (RFC 7009). Clients authenticate with HTTP Basic or form parameters.
 */
final class OAuthRoutes {
    private final ServiceAccounts serviceAccounts;
    private final AccessTokens accessTokens;
    private final TokenState state;
    private final Sessions sessions;
    private final Users users;
    private final AuditLog audit;
    private final Clock clock;
    private final NetworkPolicy network;

    OAuthRoutes(ServiceAccounts serviceAccounts, AccessTokens accessTokens, TokenState state, Sessions sessions, Users users,
                AuditLog audit, Clock clock, NetworkPolicy network) {
        this.network = network;
        this.serviceAccounts = serviceAccounts;
        this.accessTokens = accessTokens;
        this.state = state;
        this.sessions = sessions;
        this.users = users;
        this.audit = audit;
        this.clock = clock;
    }

    List<Route> routes() {
        return List.of(
                Route.post("/oauth2/token", Access.open(Access.RateCategory.AUTH), this::token),
                Route.post("/oauth2/introspect", Access.open(Access.RateCategory.API), this::introspect),
                Route.post("/oauth2/revoke", Access.open(Access.RateCategory.AUTH), this::revoke));
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

    private record ClientCredentials(String clientId, String secret, boolean basic) {
        @Override
        public String toString() {
            return "ClientCredentials[" + clientId + "]";
        }
    }

    /** Client credentials from HTTP Basic (client_secret_basic) or the form (client_secret_post), if any. */
    private static Optional<ClientCredentials> clientCredentials(Context ctx, Map<String, String> form) {
        String header = ctx.header("Authorization");
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon > 0) {
                    return Optional.of(new ClientCredentials(URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8),
                            URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8), true));
                }
            } catch (IllegalArgumentException e) {
                return Optional.of(new ClientCredentials("", "", true));
            }
            return Optional.of(new ClientCredentials("", "", true));
        }
        if (form.containsKey("client_id") && form.containsKey("client_secret")) {
            return Optional.of(new ClientCredentials(form.get("client_id"), form.get("client_secret"), false));
        }
        return Optional.empty();
    }

    private Optional<ServiceAccount> authenticateClient(Context ctx, ClientCredentials cc) {
        Optional<ServiceAccount> sa = serviceAccounts.authenticate(cc.clientId(), cc.secret());
        if (sa.isEmpty()) {
            RequestContext rc = RequestContext.of(ctx);
            audit.record(SecurityEvent.builder(SecurityEventType.LOGIN_FAILURE, "client_authentication")
                    .actor(null, SecurityEvent.ActorType.SERVICE_ACCOUNT)
                    .resource("client:" + cc.clientId().replaceAll("[^A-Za-z0-9_]", "").substring(0, Math.min(40,
                            cc.clientId().replaceAll("[^A-Za-z0-9_]", "").length())))
                    .clientIp(rc.clientIp()).userAgent(rc.userAgent().orElse(null)).requestId(rc.requestId())
                    .success(false).detail("reason", "invalid_client").risk(0.3).build(clock.instant()));
        }
        return sa;
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
        Optional<ClientCredentials> cc = clientCredentials(ctx, form);
        if (cc.isEmpty()) {
            error(ctx, 401, "invalid_client", "Client authentication is required");
            return;
        }
        Optional<ServiceAccount> sa = authenticateClient(ctx, cc.get());
        if (sa.isEmpty()) {
            error(ctx, 401, "invalid_client", "Client authentication failed");
            return;
        }
        ServiceAccount account = sa.get();
        RequestContext rc = RequestContext.of(ctx);
        if (!network.permits(account.orgId(), rc.clientIp())) {
            // Refused at issuance too, not only on use: a token that no request could use is not handed out.
            audit.record(SecurityEvent.builder(SecurityEventType.LOGIN_FAILURE, "client_credentials")
                    .org(account.orgId()).actor(account.id(), SecurityEvent.ActorType.SERVICE_ACCOUNT)
                    .resource("client:" + account.clientId()).clientIp(rc.clientIp()).userAgent(rc.userAgent().orElse(null))
                    .requestId(rc.requestId()).success(false).detail("reason", "ip_not_allowed").risk(0.5).build(clock.instant()));
            error(ctx, 400, "unauthorized_client", "This client may not obtain tokens from this network address");
            return;
        }
        List<String> permissions = account.effectivePermissions();
        if (form.containsKey("scope")) {
            List<String> requested = List.of(form.get("scope").strip().split("\\s+"));
            for (String scope : requested) {
                if (!permissions.contains(scope)) {
                    error(ctx, 400, "invalid_scope", "A requested scope is not granted to this client");
                    return;
                }
            }
            permissions = requested.stream().distinct().sorted().toList();
        }
        AccessTokens.Issued issued = accessTokens.issue(account.id(), account.orgId(), Optional.empty(), account.roles(),
                permissions, Optional.empty(), Optional.of(account.clientId()), clock.instant(), List.of());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", issued.token());
        body.put("token_type", "Bearer");
        body.put("expires_in", accessTokens.lifetime().toSeconds());
        body.put("scope", String.join(" ", permissions));
        ctx.header("Pragma", "no-cache");
        ctx.json(body);
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
        Sessions.Client client = AuthRoutes.client(ctx, Optional.ofNullable(form.get("device_id")));
        RefreshOutcome outcome = sessions.refresh(token, client, users);
        switch (outcome) {
            case RefreshOutcome.Rotated r -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("access_token", r.tokens().accessToken());
                body.put("token_type", "Bearer");
                body.put("expires_in", accessTokens.lifetime().toSeconds());
                body.put("refresh_token", r.tokens().refreshToken());
                body.put("session_id", r.tokens().sessionId().toString());
                ctx.header("Pragma", "no-cache");
                ctx.json(body);
            }
            case RefreshOutcome.Invalid i -> error(ctx, 400, "invalid_grant", "The refresh token is invalid or expired");
            case RefreshOutcome.ReuseDetected u -> error(ctx, 400, "invalid_grant", "The refresh token is invalid or expired");
            case RefreshOutcome.DeviceMismatch d -> error(ctx, 400, "invalid_grant", "The refresh token is invalid or expired");
        }
    }

    private void introspect(Context ctx) {
        Optional<Map<String, String>> parsed = form(ctx, List.of("token", "token_type_hint", "client_id", "client_secret"));
        if (parsed.isEmpty()) {
            return;
        }
        Map<String, String> form = parsed.get();
        Optional<ClientCredentials> cc = clientCredentials(ctx, form);
        Optional<Principal> caller = Optional.empty();
        if (cc.isPresent()) {
            Optional<ServiceAccount> sa = authenticateClient(ctx, cc.get());
            if (sa.isEmpty()) {
                error(ctx, 401, "invalid_client", "Client authentication failed");
                return;
            }
            caller = Optional.of(new Principal(sa.get().id(), sa.get().orgId(), Principal.Kind.SERVICE_ACCOUNT, Optional.empty(),
                    java.util.Set.copyOf(sa.get().roles()), accessTokens.permissionSet(sa.get().effectivePermissions()),
                    Optional.empty(), "", Instant.EPOCH, Instant.EPOCH, List.of()));
        } else {
            String header = ctx.header("Authorization");
            if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                caller = accessTokens.verify(header.substring(7).strip()).filter(state::isActive)
                        .map(c -> c.toPrincipal(accessTokens.permissionSet(c.permissions())));
            }
        }
        if (caller.isEmpty()) {
            error(ctx, 401, "invalid_client", "Client authentication is required");
            return;
        }
        String token = form.get("token");
        if (token == null) {
            error(ctx, 400, "invalid_request", "token is required");
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        Optional<AccessClaims> claims = accessTokens.verify(token).filter(state::isActive);
        Principal who = caller.get();
        if (claims.isPresent() && (who.isSuperAdmin() || claims.get().orgId().equals(who.orgId()))) {
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
        Optional<ClientCredentials> cc = clientCredentials(ctx, form);
        Optional<ServiceAccount> client = Optional.empty();
        if (cc.isPresent()) {
            client = authenticateClient(ctx, cc.get());
            if (client.isEmpty()) {
                error(ctx, 401, "invalid_client", "Client authentication failed");
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
