package com.liftos.security.http;

import com.liftos.security.config.Config;
import io.javalin.http.Context;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The filters in front of routing: client address, transport, CORS. Build them with {@link #of} and pass
 * them to {@link HttpServer} in this order.
 */
public final class EdgeFilters {
    static final String HTTPS_ATTRIBUTE = "liftos.https";

    private EdgeFilters() {}

    public static List<HttpFilter> of(Config.Http http, Config.Edge edge, boolean requireHttps) {
        ClientAddress address = new ClientAddress(http.trustedProxies(), edge.forwardedHeader());
        return List.of(clientAddress(address), transport(requireHttps), new Cors(http.corsOrigins(), edge));
    }

    /** Sets {@link RequestContext#clientIp()} and whether the caller used HTTPS. */
    static HttpFilter clientAddress(ClientAddress address) {
        return ctx -> {
            ClientAddress.Resolved r = address.resolve(ctx.req().getRemoteAddr(), ctx.req().isSecure(),
                    headers(ctx, "X-Forwarded-For"), headers(ctx, "Forwarded"), headers(ctx, "X-Forwarded-Proto"));
            RequestContext.of(ctx).clientIp(r.clientIp());
            ctx.attribute(HTTPS_ATTRIBUTE, r.https());
        };
    }

    /**
     * With SECURITY_REQUIRE_HTTPS, a request that did not arrive over HTTPS (directly, or as a trusted proxy
     * says) is refused with 403 {@code https_required}. {@code GET /health} stays reachable so orchestrator
     * probes, which speak plain HTTP to the pod, keep working; it reveals no data.
     */
    static HttpFilter transport(boolean requireHttps) {
        return ctx -> {
            if (!requireHttps || Boolean.TRUE.equals(ctx.attribute(HTTPS_ATTRIBUTE))) {
                return;
            }
            if (ctx.method().name().equals("GET") && ctx.path().equals("/health")) {
                return;
            }
            throw new ApiException(403, "https_required", "This service only answers over HTTPS");
        };
    }

    private static List<String> headers(Context ctx, String name) {
        return Collections.list(ctx.req().getHeaders(name));
    }

    /**
     * CORS by allow-list. An allowed origin gets {@code Access-Control-Allow-Origin} (its own value, never
     * {@code *}, since credentials are allowed) and the exposed headers; a preflight ({@code OPTIONS} with
     * {@code Access-Control-Request-Method}) of an allowed origin, method and headers is answered 204 here,
     * before authentication. Anything else gets no CORS header at all (a refused preflight is a 403).
     */
    static final class Cors implements HttpFilter {
        private final Set<String> origins;
        private final Set<String> methods;
        private final Set<String> headersLower;
        private final String allowMethods;
        private final String allowHeaders;
        private final String exposeHeaders;

        Cors(List<String> origins, Config.Edge edge) {
            this.origins = Set.copyOf(origins);
            this.methods = Set.copyOf(edge.corsMethods());
            this.headersLower = edge.corsHeaders().stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
            this.allowMethods = String.join(", ", edge.corsMethods());
            this.allowHeaders = String.join(", ", edge.corsHeaders());
            this.exposeHeaders = String.join(", ", edge.corsExposedHeaders());
        }

        @Override
        public void before(Context ctx) {
            String origin = ctx.header("Origin");
            if (origin == null) {
                return;
            }
            ctx.header("Vary", "Origin");
            boolean allowed = origins.contains(origin);
            String requestedMethod = ctx.header("Access-Control-Request-Method");
            if (ctx.method().name().equals("OPTIONS") && requestedMethod != null) {
                if (!allowed || !methods.contains(requestedMethod) || !headersAllowed(ctx.header("Access-Control-Request-Headers"))) {
                    throw new ApiException(403, "cors_rejected", "Cross-origin request not allowed");
                }
                ctx.header("Access-Control-Allow-Origin", origin);
                ctx.header("Access-Control-Allow-Credentials", "true");
                ctx.header("Access-Control-Allow-Methods", allowMethods);
                ctx.header("Access-Control-Allow-Headers", allowHeaders);
                ctx.header("Access-Control-Max-Age", "600");
                ctx.status(204);
                ctx.skipRemainingHandlers();
                return;
            }
            if (allowed) {
                ctx.header("Access-Control-Allow-Origin", origin);
                ctx.header("Access-Control-Allow-Credentials", "true");
                ctx.header("Access-Control-Expose-Headers", exposeHeaders);
            }
        }

        private boolean headersAllowed(String requested) {
            if (requested == null || requested.isBlank()) {
                return true;
            }
            for (String h : requested.split(",")) {
                String name = h.strip().toLowerCase(Locale.ROOT);
                if (!name.isEmpty() && !headersLower.contains(name)) {
                    return false;
                }
            }
            return true;
        }
    }
}
