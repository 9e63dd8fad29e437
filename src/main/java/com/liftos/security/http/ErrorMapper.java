package com.liftos.security.http;

import com.liftos.security.store.StoreException;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns every failure into the one JSON error body. Stack traces go to the log (by request id), never to the client. */
final class ErrorMapper {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

    private ErrorMapper() {}

    static void apiException(ApiException e, Context ctx) {
        e.headers().forEach(ctx::header);
        write(ctx, e.status(), e.code(), e.getMessage(), e.extra());
    }

    static void javalinException(HttpResponseException e, Context ctx) {
        int status = e.getStatus();
        String code = switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            default -> status >= 500 ? "internal_error" : "http_" + status;
        };
        String message = switch (status) {
            case 404 -> "No route for " + ctx.method() + " " + sanitize(ctx.path());
            case 405 -> "Method " + ctx.method() + " not allowed here";
            case 413 -> "Request body too large";
            default -> status >= 500 ? "Internal error" : "Request refused";
        };
        write(ctx, status, code, message, Map.of());
    }

    static void storeException(StoreException e, Context ctx) {
        LOG.error("storage failure on {} {} request_id={}: {}", ctx.method(), ctx.path(), requestId(ctx), e.getMessage());
        write(ctx, 503, "service_unavailable", "Storage is unavailable; try again", Map.of());
    }

    static void unexpected(Exception e, Context ctx) {
        LOG.error("unhandled error on {} {} request_id={}", ctx.method(), ctx.path(), requestId(ctx), e);
        write(ctx, 500, "internal_error", "Internal error", Map.of());
    }

    static void write(Context ctx, int status, String code, String message, Map<String, Object> extra) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        error.put("request_id", requestId(ctx));
        error.putAll(extra);
        ctx.status(status).json(Map.of("error", error));
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
