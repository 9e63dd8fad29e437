package com.liftos.security.http;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A route's description in the API contract, written next to the route ({@link Route#doc}) and turned into its
 * OpenAPI operation by {@link OpenApi}: a summary, query parameters, the request body, and every response its
 * handler gives with the schema it follows. Schemas are named components of the JSON files under
 * {@code src/main/resources/openapi/} ({@link OpenApi#SCHEMA_FILES}); a name that is not there stops the service
 * at start. What every route answers anyway is added from its {@link Access} and need not be listed here: the
 * gate's 401/403/404/429, refused input (400 {@code invalid_parameter} and {@code bad_request}, and
 * {@code invalid_json} for JSON bodies), 413, 414, 431, 500, 503.
 *
 * <p>Built immutably, each method returning a new description:
 * <pre>{@code
 * RouteDoc.of("List the users of an organization")
 *         .query(Param.LIMIT, Param.CURSOR, Param.string("q", "Prefix of the email or name"))
 *         .ok("UserPage")
 *         .errors(400, "invalid_cursor")
 * }</pre>
 *
 * @param summary    one line
 * @param details    longer text (Markdown), if any
 * @param path       path parameters described here rather than by {@link OpenApi}'s defaults (ids are UUIDs)
 * @param query      the query parameters the handler reads
 * @param bodies     the request bodies it accepts, one per media type
 * @param replies    its answers that are not errors
 * @param errors     its own errors in the API's error shape, by status, with their {@code error.code}s
 * @param oauthErrors its own errors in RFC 6749 §5.2's shape ({@code /oauth2/*}), by status
 * @param credentials security schemes a public route authenticates callers with itself (it also answers anonymous callers)
 */
public record RouteDoc(String summary, Optional<String> details, List<Param> path, List<Param> query, List<Body> bodies, List<Reply> replies,
                       Map<Integer, List<String>> errors, Map<Integer, List<String>> oauthErrors, List<String> credentials) {
    public static final String JSON = "application/json";
    public static final String FORM = "application/x-www-form-urlencoded";

    public RouteDoc {
        if (summary.isBlank()) {
            throw new IllegalArgumentException("a route's summary must not be blank");
        }
        path = List.copyOf(path);
        query = List.copyOf(query);
        bodies = List.copyOf(bodies);
        replies = List.copyOf(replies);
        errors = copy(errors);
        oauthErrors = copy(oauthErrors);
        credentials = List.copyOf(credentials);
    }

    public static RouteDoc of(String summary) {
        return new RouteDoc(summary, Optional.empty(), List.of(), List.of(), List.of(), List.of(), Map.of(), Map.of(), List.of());
    }

    /** Longer text (Markdown) after the summary. */
    public RouteDoc details(String text) {
        return new RouteDoc(summary, Optional.of(text), path, query, bodies, replies, errors, oauthErrors, credentials);
    }

    public RouteDoc query(Param... params) {
        return new RouteDoc(summary, details, path, concat(query, params), bodies, replies, errors, oauthErrors, credentials);
    }

    /** Path parameters this route describes itself (others get {@link OpenApi}'s description of their name). */
    public RouteDoc path(Param... params) {
        return new RouteDoc(summary, details, concat(path, params), query, bodies, replies, errors, oauthErrors, credentials);
    }

    /** A required JSON body following {@code schema}. */
    public RouteDoc json(String schema) {
        return body(new Body(JSON, schema, true));
    }

    /** A JSON body following {@code schema} that may also be left out. */
    public RouteDoc optionalJson(String schema) {
        return body(new Body(JSON, schema, false));
    }

    /** A required form body ({@code application/x-www-form-urlencoded}) following {@code schema}. */
    public RouteDoc form(String schema) {
        return body(new Body(FORM, schema, true));
    }

    public RouteDoc body(Body body) {
        return new RouteDoc(summary, details, path, query, concat(bodies, body), replies, errors, oauthErrors, credentials);
    }

    /** 200 with a JSON body following {@code schema}. */
    public RouteDoc ok(String schema) {
        return reply(200, "OK", JSON, schema);
    }

    /** 201 with a JSON body following {@code schema}. */
    public RouteDoc created(String schema) {
        return reply(201, "Created", JSON, schema);
    }

    /** 202 with a JSON body following {@code schema}. */
    public RouteDoc accepted(String schema) {
        return reply(202, "Accepted", JSON, schema);
    }

    /** 204, no body. */
    public RouteDoc noContent(String description) {
        return reply(new Reply(204, description, "", Optional.empty()));
    }

    /** A text answer ({@code text/html}, {@code text/csv}...) without a schema. */
    public RouteDoc reply(int status, String description, String mediaType) {
        return reply(new Reply(status, description, mediaType, Optional.empty()));
    }

    public RouteDoc reply(int status, String description, String mediaType, String schema) {
        return reply(new Reply(status, description, mediaType, Optional.of(schema)));
    }

    public RouteDoc reply(Reply reply) {
        return new RouteDoc(summary, details, path, query, bodies, concat(replies, reply), errors, oauthErrors, credentials);
    }

    /** The handler's own errors of {@code status}, in the API's error shape, by {@code error.code}. */
    public RouteDoc errors(int status, String... codes) {
        return new RouteDoc(summary, details, path, query, bodies, replies, add(errors, status, codes), oauthErrors, credentials);
    }

    /** The handler's own errors of {@code status} in RFC 6749 §5.2's shape, by {@code error}. */
    public RouteDoc oauthErrors(int status, String... codes) {
        return new RouteDoc(summary, details, path, query, bodies, replies, errors, add(oauthErrors, status, codes), credentials);
    }

    /** A public route that authenticates its caller itself, with any of these security schemes (or none). */
    public RouteDoc credentials(String... schemes) {
        return new RouteDoc(summary, details, path, query, bodies, replies, errors, oauthErrors, concat(credentials, schemes));
    }

    /**
     * A query or path parameter.
     *
     * @param schema its JSON Schema (a map of keywords)
     */
    public record Param(String name, String description, Map<String, Object> schema, boolean required) {
        /** {@code limit}: 1..200, default 50. */
        public static final Param LIMIT = integer("limit", "Items per page", 1, 200, 50);
        /** {@code cursor}: the {@code next_cursor} of the previous page. */
        public static final Param CURSOR = new Param("cursor",
                "Where the page starts: the `next_cursor` of the previous page (opaque; absent for the first page)",
                Map.of("type", "string", "minLength", 1, "maxLength", 1024, "pattern", "^[A-Za-z0-9_-]+$"), false);

        public Param {
            schema = Map.copyOf(schema);
        }

        public static Param string(String name, String description) {
            return new Param(name, description, Map.of("type", "string"), false);
        }

        public static Param pattern(String name, String description, String regex) {
            return new Param(name, description, Map.of("type", "string", "pattern", regex), false);
        }

        public static Param uuid(String name, String description) {
            return new Param(name, description, Map.of("type", "string", "format", "uuid"), false);
        }

        public static Param bool(String name, String description) {
            return new Param(name, description, Map.of("type", "string", "enum", List.of("true", "false")), false);
        }

        public static Param instant(String name, String description) {
            return new Param(name, description, Map.of("type", "string", "format", "date-time"), false);
        }

        public static Param integer(String name, String description, int min, int max, int byDefault) {
            return new Param(name, description, Map.of("type", "integer", "minimum", min, "maximum", max, "default", byDefault), false);
        }

        public static Param oneOf(String name, String description, String... values) {
            return new Param(name, description, Map.of("type", "string", "enum", List.of(values)), false);
        }

        /** The same parameter, required. */
        public Param asRequired() {
            return new Param(name, description, schema, true);
        }
    }

    /** A request body of one media type, following the named schema. */
    public record Body(String mediaType, String schema, boolean required) {}

    /**
     * A non-error answer.
     *
     * @param mediaType empty for no body
     * @param schema    the named schema of the body; empty for a text body
     */
    public record Reply(int status, String description, String mediaType, Optional<String> schema) {}

    @SafeVarargs
    private static <T> List<T> concat(List<T> list, T... more) {
        List<T> all = new ArrayList<>(list);
        all.addAll(Arrays.asList(more));
        return all;
    }

    private static Map<Integer, List<String>> add(Map<Integer, List<String>> map, int status, String... codes) {
        Map<Integer, List<String>> out = new LinkedHashMap<>(map);
        out.merge(status, List.of(codes), (a, b) -> concat(a, b.toArray(String[]::new)));
        return out;
    }

    private static Map<Integer, List<String>> copy(Map<Integer, List<String>> map) {
        Map<Integer, List<String>> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return java.util.Collections.unmodifiableMap(out);
    }
}
