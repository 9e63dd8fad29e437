package com.liftos.security.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.config.Config;
import com.liftos.security.store.StoreException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Javalin 7 on Jetty 12 (a pool of platform threads). Every route of the {@link RouteTable} passes the same gate
 * (the guards, in order), then the {@link InputText} check of its path, query and form parameters, before its
 * handler; every response gets a request id and the security headers; every error is the one JSON body, including
 * those Jetty raises before routing ({@link JsonErrorHandler}).
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final Javalin app;
    private final MeterRegistry metrics;
    private final Map<String, String> securityHeaders;
    private final long maxRequestBytes;
    /** Route templates (not raw paths) keep this bounded: routes x methods x statuses. */
    private final ConcurrentHashMap<TimerKey, Timer> timers = new ConcurrentHashMap<>();

    private record TimerKey(String method, String route, int status) {}

    public HttpServer(Config.Http http, boolean requireHttps, RouteTable routes, List<Guard> guards, List<HttpFilter> filters,
                      ObjectMapper json, MeterRegistry metrics) {
        this.metrics = metrics;
        this.securityHeaders = securityHeaders(requireHttps);
        this.maxRequestBytes = http.maxRequestBytes();
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            // Platform threads (Jetty's queued pool), not virtual ones: on two cores saturated by RSA signing, the
            // virtual-thread scheduler served some requests hundreds of milliseconds late (token grants: p99 394 ms
            // against 18 ms here, at the same throughput; docs/PERFORMANCE.md).
            cfg.concurrency.useVirtualThreads = false;
            cfg.http.maxRequestSize = http.maxRequestBytes();
            cfg.http.prefer405over404 = true;
            // Javalin allocates a buffer of this size for every response to copy the result into Jetty's own 32 KB
            // output buffer; left unset it is 32 KB too, which was over half of all allocation per request.
            cfg.http.responseBufferSize = 4096;
            cfg.jsonMapper(new JavalinJackson(json, true));
            cfg.jetty.host = http.host();
            cfg.jetty.port = http.port();
            JsonErrorHandler jettyErrors = new JsonErrorHandler(json, securityHeaders);
            cfg.jetty.modifyServer(server -> {
                server.setStopTimeout(10_000);
                server.setErrorHandler(jettyErrors);
            });
            cfg.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(jettyErrors));
            cfg.jetty.modifyHttpConfiguration(hc -> {
                hc.setSendServerVersion(false);
                hc.setSendXPoweredBy(false);
            });
            cfg.routes.before(this::begin);
            for (HttpFilter f : filters) {
                cfg.routes.before(f::before);
            }
            for (Route route : routes.routes()) {
                cfg.routes.addHttpHandler(route.method(), route.path(), ctx -> {
                    RequestContext rc = RequestContext.of(ctx);
                    rc.route(route);
                    for (Guard g : guards) {
                        g.check(route, rc);
                    }
                    InputText.checkParameters(ctx);
                    route.handler().handle(ctx);
                });
            }
            cfg.routes.after(this::finish);
            cfg.routes.exception(ApiException.class, ErrorMapper::apiException);
            cfg.routes.exception(HttpResponseException.class, ErrorMapper::javalinException);
            cfg.routes.exception(StoreException.class, ErrorMapper::storeException);
            cfg.routes.exception(Exception.class, ErrorMapper::unexpected);
        });
    }

    private void begin(Context ctx) {
        String incoming = ctx.header("X-Request-ID");
        String requestId = incoming != null && REQUEST_ID.matcher(incoming).matches() ? incoming : newRequestId();
        RequestContext rc = new RequestContext(ctx, requestId, System.nanoTime(), ctx.req().getRemoteAddr(),
                Optional.ofNullable(ctx.header("User-Agent")).map(ua -> ua.length() > 512 ? ua.substring(0, 512) : ua));
        ctx.attribute(RequestContext.ATTRIBUTE, rc);
        ctx.header("X-Request-ID", requestId);
        securityHeaders.forEach(ctx::header);
        // Javalin only counts a body as it reads it; one announced too large is refused before a byte of it is read.
        if (ctx.contentLength() > maxRequestBytes) {
            throw new ApiException(413, "payload_too_large", "Request body too large");
        }
    }

    /** The headers every response carries, errors included; HSTS only when the service requires HTTPS. */
    private static Map<String, String> securityHeaders(boolean requireHttps) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("X-Frame-Options", "DENY");
        headers.put("Referrer-Policy", "no-referrer");
        headers.put("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
        headers.put("Cache-Control", "no-store");
        if (requireHttps) {
            headers.put("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
        }
        return Collections.unmodifiableMap(headers);
    }

    /**
     * A random UUID-shaped id. It only correlates log lines and responses, so it needs no secure random source
     * ({@code UUID.randomUUID()} would serialize every request on the shared SecureRandom), but it must not be a
     * counter either: ids go back to clients, and a counter would tell them how busy the service is.
     */
    static String newRequestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return new UUID(r.nextLong() & ~0xF000L | 0x4000L, r.nextLong() & 0x3FFFFFFFFFFFFFFFL | 0x8000000000000000L).toString();
    }

    private void finish(Context ctx) {
        RequestContext rc = ctx.attribute(RequestContext.ATTRIBUTE);
        if (rc == null) {
            return;
        }
        String route = rc.route().map(Route::path).orElse("unmatched");
        int status = ctx.statusCode();
        timers.computeIfAbsent(new TimerKey(ctx.method().name(), route, status), k -> Timer.builder("http_server_requests")
                        .description("HTTP requests by route template, method and status")
                        .tag("method", k.method())
                        .tag("route", k.route())
                        .tag("status", Integer.toString(k.status()))
                        .register(metrics))
                .record(System.nanoTime() - rc.startNanos(), TimeUnit.NANOSECONDS);
        if (status >= 500) {
            LOG.warn("{} {} -> {} request_id={}", ctx.method(), route, status, rc.requestId());
        } else if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} -> {} request_id={}", ctx.method(), route, status, rc.requestId());
        }
    }

    /** Binds and starts listening; throws {@link HttpStartException} with one line when the port is taken. */
    public HttpServer start() {
        try {
            app.start();
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            if (root instanceof java.net.BindException) {
                throw new HttpStartException("cannot listen on the configured address/port: " + root.getMessage());
            }
            throw new HttpStartException("HTTP server failed to start: " + root.getClass().getSimpleName());
        }
        return this;
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }

    /** The port is taken or the address cannot be bound. */
    public static final class HttpStartException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public HttpStartException(String message) {
            super(message);
        }
    }
}
