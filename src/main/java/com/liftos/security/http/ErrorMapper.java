package com.liftos.security.http;

import com.liftos.security.store.StoreException;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.io.EofException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns every failure into the one JSON error body. Stack traces go to the log (by request id), never to the client. */
final class ErrorMapper {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

    static final String STORE_RETRY_AFTER_SECONDS = "2";

    private ErrorMapper() {}

    static void apiException(ApiException e, Context ctx) {
        e.headers().forEach(ctx::header);
        write(ctx, e.status(), e.code(), e.getMessage(), e.extra());
    }

    static void javalinException(HttpResponseException e, Context ctx) {
        int status = e.getStatus();
        String message = switch (status) {
            case 404 -> "No route for " + ctx.method() + " " + sanitize(ctx.path());
            case 405 -> "Method " + ctx.method() + " not allowed here";
            default -> message(status);
        };
        write(ctx, status, code(status), message, Map.of());
    }

    /**
     * The database is down, stalled or out of connections (or space): a 503 the client may retry. {@code Retry-After}
     * is short because the pool reconnects by itself within a second or two of the database coming back.
     */
    static void storeException(StoreException e, Context ctx) {
        LOG.error("storage failure on {} {} request_id={}: {}", ctx.method(), ctx.path(), requestId(ctx), e.getMessage());
        ctx.header("Retry-After", STORE_RETRY_AFTER_SECONDS);
        write(ctx, 503, "service_unavailable", "Storage is unavailable; try again", Map.of());
    }

    /**
     * A request Jetty could not finish reading (a malformed chunk, a body shorter than its Content-Length, a client
     * that went away) is the client's fault: its 4xx, logged at debug. Anything else is a bug: 500 and the stack.
     */
    static void unexpected(Exception e, Context ctx) {
        Optional<Integer> clientFault = clientFault(e);
        if (clientFault.isPresent()) {
            LOG.debug("unreadable request on {} {} request_id={}: {}", ctx.method(), ctx.path(), requestId(ctx), e.toString());
            write(ctx, clientFault.get(), code(clientFault.get()), "The request could not be read", Map.of());
            return;
        }
        LOG.error("unhandled error on {} {} request_id={}", ctx.method(), ctx.path(), requestId(ctx), e);
        write(ctx, 500, "internal_error", "Internal error", Map.of());
    }

    private static Optional<Integer> clientFault(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpException h && h.getCode() >= 400 && h.getCode() < 500) {
                return Optional.of(h.getCode());
            }
            if (t instanceof EofException) {
                return Optional.of(400);
            }
        }
        return Optional.empty();
    }

    static void write(Context ctx, int status, String code, String message, Map<String, Object> extra) {
        ctx.status(status).json(body(code, message, requestId(ctx), extra));
    }

    /** {@code {"error":{"code","message","request_id", extra...}}}. */
    static Map<String, Object> body(String code, String message, String requestId, Map<String, Object> extra) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        error.put("request_id", requestId);
        error.putAll(extra);
        return Map.of("error", error);
    }

    /** The error code of a status raised by the HTTP stack itself (not by a handler). */
    static String code(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 408 -> "request_timeout";
            case 413 -> "payload_too_large";
            case 414 -> "uri_too_long";
            case 415 -> "unsupported_media_type";
            case 431 -> "headers_too_large";
            case 501 -> "not_implemented";
            case 505 -> "http_version_not_supported";
            default -> status >= 500 ? "internal_error" : "http_" + status;
        };
    }

    static String message(int status) {
        return switch (status) {
            case 400 -> "Malformed request";
            case 413 -> "Request body too large";
            case 414 -> "Request URI too long";
            case 431 -> "Request header fields too large";
            case 501 -> "Not implemented by this server";
            case 505 -> "HTTP version not supported";
            default -> status >= 500 ? "Internal error" : "Request refused";
        };
    }

    private static String requestId(Context ctx) {
        RequestContext rc = ctx.attribute(RequestContext.ATTRIBUTE);
        return rc == null ? "-" : rc.requestId();
    }

    /** Paths are echoed in 404 messages; keep them short and printable. */
    private static String sanitize(String path) {
        String p = path.length() > 200 ? path.substring(0, 200) + "..." : path;
        return p.replaceAll("[^\\x20-\\x7E]", "?");
    }
}
