package com.liftos.security.http;

import com.liftos.security.identity.Principal;
import io.javalin.http.Context;
import java.util.Optional;
import java.util.UUID;

/**
 * Per-request security context: request id, client address, the matched route and, once the gate has
 * authenticated the caller, the {@link Principal} and the request's risk score. It is also what a {@link Guard}
 * sees of the HTTP exchange (headers, path parameters, response headers), so guards need no web framework.
 */
public final class RequestContext {
    static final String ATTRIBUTE = "liftos.request";

    private final Context ctx;
    private final String requestId;
    private final long startNanos;
    private String clientIp;
    private final Optional<String> userAgent;
    private Route route;
    private Principal principal;
    private double riskScore;

    RequestContext(Context ctx, String requestId, long startNanos, String clientIp, Optional<String> userAgent) {
        this.ctx = ctx;
        this.requestId = requestId;
        this.startNanos = startNanos;
        this.clientIp = clientIp;
        this.userAgent = userAgent;
    }

    public static RequestContext of(Context ctx) {
        RequestContext rc = ctx.attribute(ATTRIBUTE);
        if (rc == null) {
            throw new IllegalStateException("request context missing: route not registered through HttpServer");
        }
        return rc;
    }

    public String requestId() { return requestId; }
    public long startNanos() { return startNanos; }
    /** The caller's address: the socket peer, or the forwarded client when the peer is a trusted proxy. */
    public String clientIp() { return clientIp; }
    public Optional<String> userAgent() { return userAgent; }
    public Optional<Route> route() { return Optional.ofNullable(route); }
    public Optional<Principal> principal() { return Optional.ofNullable(principal); }
    public double riskScore() { return riskScore; }

    /** A request header (the first value when repeated). */
    public Optional<String> header(String name) {
        return Optional.ofNullable(ctx.header(name));
    }

    /** A path parameter of the matched route, as sent (decoded); empty when the route has none of that name. */
    public Optional<String> pathParam(String name) {
        return Optional.ofNullable(ctx.pathParamMap().get(name));
    }

    /** A path parameter that is a UUID in its canonical 36-character form; empty otherwise. */
    public Optional<UUID> pathUuid(String name) {
        return pathParam(name).flatMap(RequestContext::uuid);
    }

    /** Sets a header on the response. */
    public void responseHeader(String name, String value) {
        ctx.header(name, value);
    }

    /** The authenticated caller; only valid on non-public routes (the gate guarantees it there). */
    public Principal requirePrincipal() {
        if (principal == null) {
            throw ApiException.unauthorized();
        }
        return principal;
    }

    void route(Route r) { this.route = r; }
    public void authenticated(Principal p) { this.principal = p; }
    public void clientIp(String ip) { this.clientIp = ip; }
    public void riskScore(double score) { this.riskScore = Math.max(0, Math.min(1, score)); }

    static Optional<UUID> uuid(String s) {
        try {
            return s != null && s.length() == 36 ? Optional.of(UUID.fromString(s)) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
