package com.liftos.security.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /openapi.json}: the {@link OpenApi} document of the whole route table, this route included, built once
 * at start (a description that does not hold together stops the start, not a request).
 */
public final class OpenApiRoutes {
    public static final String PATH = "/openapi.json";
    private static final Access ACCESS = Access.open(Access.RateCategory.API);
    private static final RouteDoc DOC = RouteDoc.of("This document: the OpenAPI 3.1 description of every route")
            .details("Generated from the service's route table at start, so it lists exactly the routes this instance answers.")
            .ok("OpenApiDocument");

    private OpenApiRoutes() {}

    /** {@code table} with {@code GET /openapi.json} added, serving the document of the result. */
    public static RouteTable withDocument(RouteTable table, ObjectMapper json, String version) {
        List<Route> described = new ArrayList<>(table.routes());
        described.add(Route.get(PATH, ACCESS, ctx -> { }).doc(DOC));
        byte[] document;
        try {
            document = json.writeValueAsBytes(OpenApi.document(described, json, version));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the OpenAPI document cannot be written", e);
        }
        List<Route> served = new ArrayList<>(table.routes());
        served.add(Route.get(PATH, ACCESS, ctx -> {
            // A GET may come with a body (at most maxRequestBytes). Left unread, Jetty closed the connection while
            // this long answer was still being written (1 in 40 such requests cut short): read it first.
            ctx.bodyAsBytes();
            ctx.contentType("application/json").result(document);
        }).doc(DOC));
        return new RouteTable(served);
    }
}
