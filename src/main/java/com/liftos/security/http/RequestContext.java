package com.liftos.security.http;

import com.liftos.security.identity.Principal;
import io.javalin.http.Context;
import java.util.Optional;

/**
 * Per-request security context: request id, client address, the matched route and, once the gate has
 * authenticated the caller, the {@link Principal} and the request's risk score.
 */
public final class RequestContext {
    static final String ATTRIBUTE = "liftos.request";

    private final String requestId;
    private final long startNanos;
    private String clientIp;
    private final Optional<String> userAgent;
    private Route route;
    private Principal principal;
    private double riskScore;

    RequestContext(String requestId, long startNanos, String clientIp, Optional<String> userAgent) {
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
}
