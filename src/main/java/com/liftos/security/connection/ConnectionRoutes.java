package com.liftos.security.connection;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.ListQuery;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.http.RouteDoc.Param;
import com.liftos.security.identity.Principal;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /v1/orgs/{orgId}/connections}, {@code /v1/orgs/{orgId}/connection-apps} and the providers' redirect back,
 * {@code GET /v1/connections/callback}; the rules are {@link Connections}'.
 */
public final class ConnectionRoutes {
    private static final String BASE = Route.ORG_PREFIX + "/connections";
    private static final Param PROVIDER = Param.pattern("provider", "Provider id of the connection catalogue (e.g. google_ads)", "^[a-z][a-z0-9_]{1,40}$").asRequired();
    private static final Param CONNECTION = Param.uuid("connectionId", "Connection id").asRequired();

    private final Connections connections;
    private final Bodies bodies;

    public ConnectionRoutes(Connections connections, ObjectMapper json) {
        this.connections = connections;
        this.bodies = new Bodies(json);
    }

    public List<Route> routes() {
        Access read = Access.require("read:connections");
        Access write = Access.require("write:connections").maxRisk(0.5).rateCategory(Access.RateCategory.SENSITIVE);
        Access delete = Access.require("delete:connections").maxRisk(0.5).rateCategory(Access.RateCategory.SENSITIVE);
        return List.of(
                Route.put(Route.ORG_PREFIX + "/connection-apps/{provider}", write, this::registerApp).doc(RouteDoc.of("Register the organization's OAuth client at a provider")
                        .details("The client secret is sealed under the organization's data key and never shown again. Audited as CONFIGURATION_CHANGE.")
                        .path(PROVIDER).json("ConnectionAppRegistration").ok("ConnectionApp").errors(400, "validation_failed")
                        .errors(404, "unknown_provider")),
                Route.post(BASE + "/{provider}/connect", write, this::connect).doc(RouteDoc.of("Start connecting a provider")
                        .details("Opens a single-use connect session (10 minutes) and returns the provider's consent URL with `state` and, "
                                + "where the provider takes it, PKCE (S256). Send the user there; the provider redirects to "
                                + "`/v1/connections/callback`. With `connection_id`, the consent re-connects that connection, keeping its id. "
                                + "OAuth 1.0a providers (X Ads): the same, with the provider's temporary credential. Client-credentials "
                                + "providers (PayPal) need no consent: the connection is made at once and its `connection_id` returned "
                                + "(no `authorize_url`); 503 `provider_unavailable` when the provider issues no token.")
                        .path(PROVIDER).optionalJson("ConnectRequest").created("ConnectSession").errors(400, "validation_failed")
                        .errors(404, "unknown_provider").errors(409, "unsupported_auth_mode", "app_not_configured")
                        .errors(503, "provider_unavailable")),
                Route.get("/v1/connections/callback", Access.open(Access.RateCategory.API), this::callback).doc(RouteDoc.of("The providers' redirect back")
                        .details("Uses the connect session up (whatever follows), exchanges the code with the session's PKCE verifier "
                                + "and stores the connection, its tokens sealed. An unknown, expired, used or forged `state` is refused.")
                        .query(Param.string("state", "The connect session's state"), Param.string("code", "Authorization code"),
                                Param.string("oauth_token", "OAuth 1.0a: the temporary credential"),
                                Param.string("oauth_verifier", "OAuth 1.0a: the user's verifier"),
                                Param.string("denied", "OAuth 1.0a: the temporary credential the user refused"),
                                Param.string("error", "The provider's error, when consent was not given"),
                                Param.string("error_description", "The provider's description of the error"),
                                Param.string("scope", "Scopes granted (some providers send them)"))
                        .ok("Connection").errors(400, "invalid_state", "invalid_request", "consent_denied", "code_exchange_failed")
                        .errors(409, "app_not_configured")),
                Route.get(BASE, read, this::list).doc(RouteDoc.of("List the organization's connections")
                        .details("Metadata only: tokens are never listed.").query(Param.LIMIT, Param.CURSOR).ok("ConnectionPage")
                        .errors(400, "invalid_cursor")),
                Route.get(BASE + "/{connectionId}", read, this::get).doc(RouteDoc.of("One connection").path(CONNECTION).ok("Connection")),
                Route.delete(BASE + "/{connectionId}", delete, this::disconnect).doc(RouteDoc.of("Disconnect")
                        .details("Revokes the grant at the provider where it has a revocation endpoint, then destroys the sealed tokens. "
                                + "Audited as API_KEY_REVOKED. Idempotent.").path(CONNECTION).ok("Connection")),
                Route.get(BASE + "/{connectionId}/access-token", Access.require("use:connections"), this::accessToken)
                        .doc(RouteDoc.of("A fresh access token of the connection")
                                .details("Valid for at least `min_valid_minutes` (when the provider's tokens live that long), refreshed first "
                                        + "when needed; one refresh at a time across every instance. Audited as API_KEY_ACCESSED. "
                                        + "When the provider may not be asked now (its Retry-After after a 429, our backoff after failed "
                                        + "refreshes, or its refresh budget such as Zoho's 10 per 10 minutes is spent), a token still valid "
                                        + "for at least a minute is handed out with its real `expires_at`; otherwise 503 with `Retry-After`.")
                                .path(CONNECTION).query(Param.integer("min_valid_minutes", "Minutes the token must still be valid", 1, 60, 5))
                                .ok("ConnectionAccessToken").errors(409, "relink_needed", "disconnected", "app_not_configured", "unsupported_auth_mode")
                                .errors(500, "decryption_failed").errors(503, "provider_unavailable", "provider_rate_limited", "refresh_in_progress")),
                Route.post(BASE + "/{connectionId}/sign", Access.require("use:connections"), this::sign)
                        .doc(RouteDoc.of("Sign a request with an OAuth 1.0a connection (X Ads)")
                                .details("Returns the `Authorization` header (HMAC-SHA1, RFC 5849) for exactly this method, URL (its query "
                                        + "included) and form body parameters, with a fresh nonce and timestamp; the consumer secret and the "
                                        + "token secret never leave the service. Audited as API_KEY_ACCESSED (method and host).")
                                .path(CONNECTION).json("ConnectionSignRequest").ok("ConnectionSignature").errors(400, "validation_failed")
                                .errors(409, "unsupported_auth_mode", "relink_needed", "disconnected", "app_not_configured")));
    }

    record AppBody(String client_id, String client_secret) {}

    record ConnectBody(Map<String, String> params, UUID connection_id) {}

    private void registerApp(Context ctx) {
        UUID org = CoreGuards.pathUuid(ctx, "orgId");
        AppBody b = bodies.read(ctx, AppBody.class);
        Connections.AppView app = answer(connections.registerApp(org, ctx.pathParam("provider"), b.client_id(), b.client_secret(), actor(ctx)));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("provider", app.provider());
        out.put("client_id", app.clientId());
        out.put("updated_at", app.updatedAt().toString());
        ctx.json(out);
    }

    private void connect(Context ctx) {
        UUID org = CoreGuards.pathUuid(ctx, "orgId");
        ConnectBody b = ctx.bodyAsBytes().length == 0 ? new ConnectBody(null, null) : bodies.read(ctx, ConnectBody.class);
        Connections.Started s = answer(connections.connect(org, ctx.pathParam("provider"), b.params() == null ? Map.of() : b.params(),
                Optional.ofNullable(b.connection_id()), actor(ctx)));
        Map<String, Object> out = new LinkedHashMap<>();
        s.sessionId().ifPresent(id -> out.put("session_id", id.toString()));
        out.put("provider", s.provider());
        s.authorizeUrl().ifPresent(url -> out.put("authorize_url", url));
        s.expiresAt().ifPresent(at -> out.put("expires_at", at.toString()));
        s.connectionId().ifPresent(id -> out.put("connection_id", id.toString()));
        ctx.header("Cache-Control", "no-store");
        ctx.status(201).json(out);
    }

    private void callback(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        Optional<String> state = Optional.ofNullable(ctx.queryParam("state"));
        Optional<String> code = Optional.ofNullable(ctx.queryParam("code"));
        Optional<String> error = Optional.ofNullable(ctx.queryParam("error"));
        if (state.isEmpty() && ctx.queryParam("oauth_token") != null) {
            // OAuth 1.0a (RFC 5849 §2.2): the temporary credential names the session, the verifier is the code
            state = Optional.of(Connections.OAUTH1_STATE + ctx.queryParam("oauth_token"));
            code = Optional.ofNullable(ctx.queryParam("oauth_verifier"));
        } else if (state.isEmpty() && ctx.queryParam("denied") != null) {
            state = Optional.of(Connections.OAUTH1_STATE + ctx.queryParam("denied"));
            error = Optional.of("access_denied");
        }
        Connections.View v = answer(connections.callback(state, code, error, rc.clientIp(), rc.userAgent(), rc.requestId()));
        ctx.header("Cache-Control", "no-store");
        ctx.json(body(v));
    }

    private void list(Context ctx) {
        UUID org = CoreGuards.pathUuid(ctx, "orgId");
        ListQuery query = ListQuery.of(ctx);
        int limit = query.limit();
        Optional<UUID> after = query.cursor(1).map(c -> c.text(0)).map(text -> {
            try {
                return UUID.fromString(text);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("invalid_cursor", "cursor is not a position of this listing");
            }
        });
        List<Connections.View> page = connections.list(org, after, limit + 1);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.putPOJO("items", page.stream().limit(limit).map(ConnectionRoutes::body).toList());
        if (page.size() > limit) {
            out.put("next_cursor", ListQuery.cursor(List.of(page.get(limit - 1).id().toString())));
        } else {
            out.putNull("next_cursor");
        }
        if (after.isEmpty()) {
            out.put("total", connections.count(org));
        }
        ctx.json(out);
    }

    private void get(Context ctx) {
        UUID org = CoreGuards.pathUuid(ctx, "orgId");
        ctx.json(body(connections.find(org, CoreGuards.pathUuid(ctx, "connectionId")).orElseThrow(() -> ApiException.notFound("No such connection"))));
    }

    private void disconnect(Context ctx) {
        UUID org = CoreGuards.pathUuid(ctx, "orgId");
        ctx.json(body(answer(connections.disconnect(org, CoreGuards.pathUuid(ctx, "connectionId"), actor(ctx)))));
    }

    private void accessToken(Context ctx) {
        UUID org = CoreGuards.pathUuid(ctx, "orgId");
        UUID id = CoreGuards.pathUuid(ctx, "connectionId");
        int minutes = minValidMinutes(ctx.queryParam("min_valid_minutes"));
        Connections.Issued issued = answer(connections.accessToken(org, id, Duration.ofMinutes(minutes), actor(ctx)));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("connection_id", issued.connectionId().toString());
        out.put("access_token", issued.accessToken());
        out.put("token_type", "Bearer");
        out.put("expires_at", issued.expiresAt().toString());
        out.put("refreshed", issued.refreshed());
        ctx.header("Cache-Control", "no-store");
        ctx.json(out);
    }

    record SignBody(String method, String url, Map<String, String> params) {}

    private void sign(Context ctx) {
        UUID org = CoreGuards.pathUuid(ctx, "orgId");
        UUID id = CoreGuards.pathUuid(ctx, "connectionId");
        SignBody b = bodies.read(ctx, SignBody.class);
        Connections.Signed signed = answer(connections.sign(org, id, b.method(), b.url(), b.params() == null ? Map.of() : b.params(), actor(ctx)));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("connection_id", signed.connectionId().toString());
        out.put("authorization", signed.authorization());
        ctx.header("Cache-Control", "no-store");
        ctx.json(out);
    }

    private static int minValidMinutes(String value) {
        if (value == null) {
            return 5;
        }
        if (value.matches("\\d{1,2}")) {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= 60) {
                return n;
            }
        }
        throw ApiException.badRequest("invalid_parameter", "min_valid_minutes must be a whole number between 1 and 60");
    }

    private static <T> T answer(Connections.Outcome<T> outcome) {
        return switch (outcome) {
            case Connections.Outcome.Done<T> done -> done.value();
            case Connections.Outcome.Refused<T> refused -> throw switch (refused.kind()) {
                case NOT_FOUND -> new ApiException(404, refused.code(), refused.message());
                case INVALID -> refused.code().equals("validation_failed")
                        ? ApiException.validation(refused.message(), List.of(refused.message()))
                        : ApiException.badRequest(refused.code(), refused.message());
                case CONFLICT -> ApiException.conflict(refused.code(), refused.message());
                case INTEGRITY -> new ApiException(500, refused.code(), refused.message());
                case UNAVAILABLE -> new ApiException(503, refused.code(), refused.message(), Map.of(),
                        refused.retryAfter().map(d -> Map.of("Retry-After", Long.toString(Math.max(1, d.toSeconds())))).orElse(Map.of()));
            };
        };
    }

    private static Connections.Actor actor(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        Principal p = rc.requirePrincipal();
        return new Connections.Actor(Optional.of(p.subject()), p.kind() == Principal.Kind.USER ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SERVICE_ACCOUNT,
                rc.clientIp(), rc.userAgent(), rc.requestId());
    }

    private static Map<String, Object> body(Connections.View v) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", v.id().toString());
        out.put("org_id", v.orgId().toString());
        out.put("provider", v.provider());
        out.put("status", v.status());
        out.put("params", v.params());
        out.put("metadata", v.metadata());
        out.put("scopes", v.scopes());
        out.put("access_expires_at", v.accessExpiresAt().map(Object::toString).orElse(null));
        out.put("refresh_count", v.refreshCount());
        out.put("last_refreshed_at", v.lastRefreshedAt().map(Object::toString).orElse(null));
        out.put("created_at", v.createdAt().toString());
        out.put("updated_at", v.updatedAt().toString());
        return out;
    }
}
