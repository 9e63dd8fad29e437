package com.liftos.security.http;

import java.util.List;
import java.util.Map;

/**
 * The one exception a handler throws to answer with an error. {@link ErrorMapper} turns it into
 * {@code {"error":{"code":"...","message":"...","request_id":"..."}}}. Messages are written for the caller
 * and must never contain a submitted or stored secret value.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final transient Map<String, Object> extra;
    private final transient Map<String, String> headers;

    public ApiException(int status, String code, String message) {
        this(status, code, message, Map.of(), Map.of());
    }

    public ApiException(int status, String code, String message, Map<String, Object> extra, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.extra = Map.copyOf(extra);
        this.headers = Map.copyOf(headers);
    }

    public int status() { return status; }
    public String code() { return code; }
    /** Extra members of the error object (e.g. {@code details}, {@code methods}). */
    public Map<String, Object> extra() { return extra; }
    public Map<String, String> headers() { return headers; }

    public static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }

    /** 400 {@code validation_failed} with one entry per problem. */
    public static ApiException validation(String message, List<String> problems) {
        return new ApiException(400, "validation_failed", message, Map.of("details", List.copyOf(problems)), Map.of());
    }

    public static ApiException unauthorized() {
        return new ApiException(401, "unauthorized", "Missing or invalid access token", Map.of(),
                Map.of("WWW-Authenticate", "Bearer realm=\"liftos\""));
    }

    public static ApiException invalidToken() {
        return new ApiException(401, "invalid_token", "invalid token", Map.of(),
                Map.of("WWW-Authenticate", "Bearer realm=\"liftos\", error=\"invalid_token\""));
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message);
    }

    public static ApiException conflict(String code, String message) {
        return new ApiException(409, code, message);
    }

    public static ApiException gone(String message) {
        return new ApiException(410, "gone", message);
    }
}
