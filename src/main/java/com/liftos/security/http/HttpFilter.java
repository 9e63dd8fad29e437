package com.liftos.security.http;

import io.javalin.http.Context;

/**
 * Runs before routing on every request, matched or not (client IP resolution, CORS, transport checks).
 * Throws {@link ApiException} to refuse.
 */
@FunctionalInterface
public interface HttpFilter {
    void before(Context ctx) throws Exception;
}
