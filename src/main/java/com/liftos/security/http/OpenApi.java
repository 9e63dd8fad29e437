package com.liftos.security.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 document of the service, generated from the route table at start: one operation per route, with
 * its permissions as the bearer scheme's required roles (and {@code x-liftos-permissions}), its parameters, request
 * and response schemas from its {@link RouteDoc}, and the responses every route gives because of the gate it passes
 * (the guards {@code App} installs, in order): 401 without a valid token, 403 from the IP blocklist, the
 * organization's allowed ranges, MFA enrolment, permissions, emergency mode, risk and step-up MFA, 404 for another
 * organization or a malformed id, 429 with {@code Retry-After}, 400 for refused input text, 413 for a body over the
 * limit, 414 and 431 for a request line or headers over Jetty's limits, 500 and 503. Every error response names its
 * possible {@code error.code}s in an {@code enum}, so a code a handler starts to answer without saying so here fails
 * the contract test.
 *
 * <p>Schemas live in JSON files ({@link #SCHEMA_FILES}, each an object of named JSON Schemas, draft 2020-12 as
 * OpenAPI 3.1 uses), so they read as what they are; a reference to a schema that no file has stops the start.
 */
public final class OpenApi {
    /** The schema files under {@code /openapi/} on the classpath, by route group; names are unique across them. */
    public static final List<String> SCHEMA_FILES = List.of("common", "system", "auth", "oauth", "mfa", "directory", "lifecycle", "admin",
            "vault", "audit", "incident", "privacy", "connection");

    /** Path parameters every route may use, described once; a route describes others itself ({@link RouteDoc#path}). */
    private static final Map<String, RouteDoc.Param> PATH_PARAMS = Map.of(
            "orgId", RouteDoc.Param.uuid("orgId", "Organization id"),
            "userId", RouteDoc.Param.uuid("userId", "User id"),
            "sessionId", RouteDoc.Param.uuid("sessionId", "Session id"),
            "accountId", RouteDoc.Param.uuid("accountId", "Service account id"),
            "incidentId", RouteDoc.Param.uuid("incidentId", "Incident id"));
    private static final Pattern PATH_PARAM = Pattern.compile("\\{([A-Za-z0-9_]+)}");
    private static final Pattern REF = Pattern.compile("#/components/schemas/([A-Za-z0-9_.-]+)");
    private static final String SCHEMAS = "#/components/schemas/";

    private final ObjectMapper json;
    private final Map<String, JsonNode> schemas = new TreeMap<>();

    private OpenApi(ObjectMapper json) {
        this.json = json;
    }

    /**
     * The document describing exactly {@code routes}.
     *
     * @throws IllegalStateException when a schema file is missing or malformed, a name is defined twice, a reference
     *                               names no schema, or a path parameter is described nowhere
     */
    public static ObjectNode document(List<Route> routes, ObjectMapper json, String version) {
        OpenApi api = new OpenApi(json);
        api.loadSchemas();
        return api.build(routes, version);
    }

    private void loadSchemas() {
        for (String file : SCHEMA_FILES) {
            String resource = "/openapi/" + file + ".json";
            try (InputStream in = OpenApi.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("OpenAPI schema file missing: " + resource);
                }
                JsonNode node = json.readTree(in);
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (schemas.put(e.getKey(), e.getValue()) != null) {
                        throw new IllegalStateException("OpenAPI schema " + e.getKey() + " is defined twice (" + resource + ")");
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }
        for (Map.Entry<String, JsonNode> e : schemas.entrySet()) {
            Matcher m = REF.matcher(e.getValue().toString());
            while (m.find()) {
                requireSchema(m.group(1), "schema " + e.getKey());
            }
        }
    }

    private void requireSchema(String name, String where) {
        if (!schemas.containsKey(name)) {
            throw new IllegalStateException("OpenAPI schema " + name + " (used by " + where + ") is in none of " + SCHEMA_FILES);
        }
    }

    private ObjectNode build(List<Route> routes, String version) {
        ObjectNode doc = json.createObjectNode();
        doc.put("openapi", "3.1.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "LiftOS Security API");
        info.put("version", version);
        info.put("description", """
                Authentication, authorization, the credential vault, audit, incidents and data-subject rights of the \
                LiftOS platform. Every error is `{"error":{"code","message","request_id"}}` (the `/oauth2/*` endpoints \
                answer their own errors in RFC 6749's shape); each error response lists its codes. Lists are \
                cursor-paged: `limit` and `cursor` in, `items` and `next_cursor` (null on the last page) out. Every \
                response carries `X-Request-ID`, and `X-RateLimit-*` when rate limiting is on; a 429 says when to \
                retry in `Retry-After`.""");
        doc.putArray("servers").addObject().put("url", "/");
        ObjectNode paths = doc.putObject("paths");
        Set<String> operationIds = new LinkedHashSet<>();
        Set<String> tags = new TreeSet<>();
        for (Route route : routes) {
            ObjectNode operation = operation(route);
            if (!operationIds.add(operation.get("operationId").asText())) {
                throw new IllegalStateException("two routes map to operation id " + operation.get("operationId").asText());
            }
            tags.add(operation.get("tags").get(0).asText());
            ObjectNode item = paths.has(route.path()) ? (ObjectNode) paths.get(route.path()) : paths.putObject(route.path());
            item.set(method(route), operation);
        }
        ArrayNode tagList = doc.putArray("tags");
        tags.forEach(t -> tagList.addObject().put("name", t));
        ObjectNode components = doc.putObject("components");
        ObjectNode security = components.putObject("securitySchemes");
        security.putObject("bearerAuth").put("type", "http").put("scheme", "bearer").put("bearerFormat", "JWT")
                .put("description", "An access token (RS256, ES256 or EdDSA, per deployment) from /v1/auth/login, /v1/auth/mfa/verify or /oauth2/token. "
                        + "An operation's required roles are the permissions the token must hold.");
        security.putObject("clientBasic").put("type", "http").put("scheme", "basic")
                .put("description", "A service account's client_id and client_secret (or as form fields: client_secret_post)");
        ObjectNode headers = components.putObject("headers");
        header(headers, "X-Request-ID", "The request's id (the caller's X-Request-ID when well-formed); also in error bodies");
        header(headers, "X-RateLimit-Limit", "Requests allowed in the window of the budget closest to its limit");
        header(headers, "X-RateLimit-Remaining", "Requests left in that window");
        header(headers, "X-RateLimit-Reset", "Seconds until that budget is full again");
        header(headers, "Retry-After", "Seconds to wait before retrying");
        ObjectNode schemaNodes = components.putObject("schemas");
        schemas.forEach(schemaNodes::set);
        return doc;
    }

    private static void header(ObjectNode headers, String name, String description) {
        ObjectNode h = headers.putObject(name);
        h.put("description", description);
        h.putObject("schema").put("type", name.equals("X-Request-ID") ? "string" : "integer");
    }

    private ObjectNode operation(Route route) {
        Access access = route.access();
        Optional<RouteDoc> described = route.description();
        RouteDoc doc = described.orElseGet(() -> RouteDoc.of("(not described)"));
        ObjectNode op = json.createObjectNode();
        op.putArray("tags").add(tag(route.path()));
        op.put("summary", doc.summary());
        op.put("operationId", operationId(route));
        op.put("description", doc.details().map(d -> d + "\n\n").orElse("") + accessText(access));
        parameters(op, route, doc);
        requestBody(op, route, doc);
        responses(op, route, doc);
        ArrayNode security = op.putArray("security");
        if (access.isPublic()) {
            doc.credentials().forEach(s -> security.addObject().putArray(s));
            if (!doc.credentials().isEmpty()) {
                security.addObject();
            }
        } else {
            ArrayNode roles = security.addObject().putArray("bearerAuth");
            access.permissions().forEach(p -> roles.add(p.toString()));
        }
        ArrayNode permissions = op.putArray("x-liftos-permissions");
        access.permissions().forEach(p -> permissions.add(p.toString()));
        op.put("x-liftos-public", access.isPublic());
        op.put("x-liftos-rate-category", access.category().wire());
        access.maxRisk().ifPresent(r -> op.put("x-liftos-max-risk", r));
        if (access.stepUpMfa()) {
            op.put("x-liftos-step-up-mfa", true);
        }
        if (access.selfOrPermissions()) {
            op.put("x-liftos-self-allowed", true);
        }
        if (described.isEmpty()) {
            op.put("x-liftos-undescribed", true);
        }
        return op;
    }

    private static String accessText(Access access) {
        StringBuilder sb = new StringBuilder("**Access:** ");
        if (access.isPublic()) {
            sb.append("public");
        } else if (access.permissions().isEmpty()) {
            sb.append("any valid bearer token");
        } else {
            sb.append("a bearer token holding ").append(String.join(", ", access.permissions().stream()
                    .map(p -> "`" + p + "`").toList()));
            if (access.selfOrPermissions()) {
                sb.append(", or the token of the user the path names");
            }
        }
        sb.append(". Rate category `").append(access.category().wire()).append("`.");
        access.maxRisk().ifPresent(r -> sb.append(" Refused (403 `risk_too_high`) above request risk ").append(r).append('.'));
        if (access.stepUpMfa()) {
            sb.append(" At elevated risk it needs a recent MFA sign-in (403 `mfa_required`).");
        }
        return sb.toString();
    }

    private void parameters(ObjectNode op, Route route, RouteDoc doc) {
        ArrayNode params = op.putArray("parameters");
        Matcher m = PATH_PARAM.matcher(route.path());
        while (m.find()) {
            String name = m.group(1);
            param(params, pathParam(route, doc, name), "path", true);
        }
        for (RouteDoc.Param p : doc.query()) {
            param(params, p, "query", p.required());
        }
        if (params.isEmpty()) {
            op.remove("parameters");
        }
    }

    /**
     * The route's own description of a path parameter, else the shared one of its name, else (for a name ending in
     * {@code Id}) a UUID. A route without a description gets a plain string, so a route merged before it is described
     * still starts the service (and fails the test that every route is described); a described route must describe
     * every other name.
     */
    private static RouteDoc.Param pathParam(Route route, RouteDoc doc, String name) {
        Optional<RouteDoc.Param> own = doc.path().stream().filter(x -> x.name().equals(name)).findFirst();
        if (own.isPresent()) {
            return own.get();
        }
        if (PATH_PARAMS.containsKey(name)) {
            return PATH_PARAMS.get(name);
        }
        if (name.endsWith("Id")) {
            return RouteDoc.Param.uuid(name, "The " + name.substring(0, name.length() - 2) + "'s id");
        }
        if (route.description().isEmpty()) {
            return RouteDoc.Param.string(name, name);
        }
        throw new IllegalStateException("path parameter " + name + " of " + route.name() + " is not described (RouteDoc.path)");
    }

    private void param(ArrayNode params, RouteDoc.Param p, String in, boolean required) {
        ObjectNode node = params.addObject();
        node.put("name", p.name());
        node.put("in", in);
        node.put("description", p.description());
        node.put("required", required);
        node.set("schema", json.valueToTree(p.schema()));
    }

    private void requestBody(ObjectNode op, Route route, RouteDoc doc) {
        if (doc.bodies().isEmpty()) {
            return;
        }
        ObjectNode body = op.putObject("requestBody");
        body.put("required", doc.bodies().stream().anyMatch(RouteDoc.Body::required));
        ObjectNode content = body.putObject("content");
        for (RouteDoc.Body b : doc.bodies()) {
            requireSchema(b.schema(), route.name());
            content.putObject(b.mediaType()).putObject("schema").put("$ref", SCHEMAS + b.schema());
        }
    }

    private void responses(ObjectNode op, Route route, RouteDoc doc) {
        ObjectNode responses = op.putObject("responses");
        Map<Integer, List<RouteDoc.Reply>> replies = new TreeMap<>();
        doc.replies().forEach(r -> replies.computeIfAbsent(r.status(), s -> new ArrayList<>()).add(r));
        if (replies.isEmpty()) {
            replies.put(200, List.of(new RouteDoc.Reply(200, "OK", RouteDoc.JSON, Optional.empty())));
        }
        Map<Integer, Set<String>> house = gateErrors(route, doc);
        doc.errors().forEach((status, codes) -> house.computeIfAbsent(status, s -> new TreeSet<>()).addAll(codes));
        Map<Integer, Set<String>> oauth = new TreeMap<>();
        doc.oauthErrors().forEach((status, codes) -> oauth.computeIfAbsent(status, s -> new TreeSet<>()).addAll(codes));
        Set<Integer> statuses = new TreeSet<>(replies.keySet());
        statuses.addAll(house.keySet());
        statuses.addAll(oauth.keySet());
        for (int status : statuses) {
            List<String> descriptions = new ArrayList<>();
            Map<String, List<JsonNode>> content = new LinkedHashMap<>();
            for (RouteDoc.Reply r : replies.getOrDefault(status, List.of())) {
                descriptions.add(r.description());
                if (!r.mediaType().isEmpty()) {
                    content.computeIfAbsent(r.mediaType(), t -> new ArrayList<>()).add(replySchema(route, r));
                }
            }
            Optional<Set<String>> houseCodes = Optional.ofNullable(house.get(status));
            Optional<Set<String>> oauthCodes = Optional.ofNullable(oauth.get(status));
            if (houseCodes.isPresent() || oauthCodes.isPresent()) {
                StringBuilder text = new StringBuilder(reason(status)).append('.');
                houseCodes.ifPresent(c -> text.append(" Error codes: ").append(codeList(c)).append('.'));
                oauthCodes.ifPresent(c -> text.append(" RFC 6749 errors: ").append(codeList(c)).append('.'));
                descriptions.add(text.toString());
                houseCodes.ifPresent(c -> content.computeIfAbsent(RouteDoc.JSON, t -> new ArrayList<>()).add(errorSchema("Error", c, true)));
                oauthCodes.ifPresent(c -> content.computeIfAbsent(RouteDoc.JSON, t -> new ArrayList<>()).add(errorSchema("OAuthError", c, false)));
            }
            ObjectNode response = responses.putObject(Integer.toString(status));
            response.put("description", String.join("; ", descriptions));
            commonHeaders(response, status == 429 || status == 503);
            if (!content.isEmpty()) {
                ObjectNode media = response.putObject("content");
                content.forEach((type, schemas) -> {
                    ObjectNode schema = media.putObject(type).putObject("schema");
                    if (schemas.size() == 1) {
                        schema.setAll((ObjectNode) schemas.get(0));
                    } else {
                        ArrayNode oneOf = schema.putArray("oneOf");
                        schemas.forEach(oneOf::add);
                    }
                });
            }
        }
    }

    private static String codeList(Set<String> codes) {
        return String.join(", ", codes.stream().map(c -> "`" + c + "`").toList());
    }

    private JsonNode replySchema(Route route, RouteDoc.Reply r) {
        ObjectNode schema = json.createObjectNode();
        if (r.schema().isPresent()) {
            requireSchema(r.schema().get(), route.name());
            schema.put("$ref", SCHEMAS + r.schema().get());
        } else {
            schema.put("type", "string");
        }
        return schema;
    }

    /** {@code base} with its code ({@code error.code}, or RFC 6749's {@code error}) limited to {@code codes}. */
    private JsonNode errorSchema(String base, Set<String> codes, boolean nested) {
        ObjectNode s = json.createObjectNode();
        s.putArray("allOf").addObject().put("$ref", SCHEMAS + base);
        ObjectNode error = s.putObject("properties").putObject("error");
        ArrayNode codeEnum = nested ? error.putObject("properties").putObject("code").putArray("enum") : error.putArray("enum");
        codes.forEach(codeEnum::add);
        return s;
    }

    private static void commonHeaders(ObjectNode response, boolean retryAfter) {
        ObjectNode headers = response.putObject("headers");
        for (String h : List.of("X-Request-ID", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")) {
            headers.putObject(h).put("$ref", "#/components/headers/" + h);
        }
        if (retryAfter) {
            headers.putObject("Retry-After").put("$ref", "#/components/headers/Retry-After");
        }
    }

    /** The errors the gate and the input checks give on this route, whatever its handler does. */
    private static Map<Integer, Set<String>> gateErrors(Route route, RouteDoc doc) {
        Access access = route.access();
        Map<Integer, Set<String>> out = new TreeMap<>();
        // Refused before routing whatever the route (JsonErrorHandler): a path or query Jetty cannot parse, too long a
        // request line, too large headers.
        add(out, 400, "invalid_parameter", "bad_request");
        add(out, 414, "uri_too_long");
        add(out, 431, "headers_too_large");
        add(out, 403, "ip_blocked", "https_required", "cors_rejected");
        add(out, 429, "rate_limited");
        add(out, 500, "internal_error");
        add(out, 503, "service_unavailable");
        if (!doc.bodies().isEmpty()) {
            add(out, 413, "payload_too_large");
        }
        if (doc.bodies().stream().anyMatch(b -> b.mediaType().equals(RouteDoc.JSON))) {
            add(out, 400, "invalid_json");
        }
        if (PATH_PARAM.matcher(route.path()).find()) {
            add(out, 404, "not_found");
        }
        if (access.isPublic()) {
            return out;
        }
        add(out, 401, "unauthorized", "invalid_token");
        add(out, 403, "ip_not_allowed");
        if (!route.path().startsWith("/v1/mfa") && !route.path().equals("/v1/auth/logout")) {
            add(out, 403, "mfa_enrollment_required");
        }
        if (!access.permissions().isEmpty()) {
            add(out, 403, "forbidden");
        }
        if (route.orgScoped() && !route.path().startsWith(Route.ORG_PREFIX + "/incidents")
                && (!route.verb().equals("GET") || route.path().endsWith("/secret"))) {
            add(out, 403, "emergency_mode");
        }
        if (access.maxRisk().isPresent()) {
            add(out, 403, "risk_too_high");
        }
        if (access.stepUpMfa()) {
            add(out, 403, "mfa_required");
        }
        return out;
    }

    private static void add(Map<Integer, Set<String>> map, int status, String... codes) {
        map.computeIfAbsent(status, s -> new TreeSet<>()).addAll(List.of(codes));
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad request";
            case 401 -> "Not authenticated";
            case 403 -> "Forbidden";
            case 404 -> "Not found";
            case 409 -> "Conflict";
            case 410 -> "Gone";
            case 413 -> "Request body too large";
            case 414 -> "Request URI too long";
            case 431 -> "Request headers too large";
            case 429 -> "Too many requests";
            case 500 -> "Internal error";
            case 502 -> "Upstream delivery failed";
            case 503 -> "Unavailable";
            default -> "Error " + status;
        };
    }

    /** The route's tag: its area, from its path. */
    static String tag(String path) {
        String[] s = path.split("/");
        if (path.startsWith("/.well-known/")) {
            return "discovery";
        }
        if (s.length < 3 || !s[1].equals("v1")) {
            return s.length > 1 && s[1].equals("oauth2") ? "oauth2" : "system";
        }
        return switch (s[2]) {
            case "me", "auth" -> "auth";
            case "orgs" -> s.length <= 4 ? "orgs" : s[4];
            default -> s[2];
        };
    }

    /** The operation's key in its path item: the method in lower case. */
    private static String method(Route route) {
        return switch (route.verb()) {
            case "GET" -> "get";
            case "POST" -> "post";
            case "PUT" -> "put";
            case "DELETE" -> "delete";
            case "PATCH" -> "patch";
            default -> throw new IllegalStateException("no OpenAPI operation for method " + route.verb());
        };
    }

    /** {@code GET /v1/orgs/{orgId}/users} → {@code getOrgsByOrgIdUsers}. */
    static String operationId(Route route) {
        StringBuilder sb = new StringBuilder(method(route));
        for (String segment : route.path().split("/")) {
            if (segment.isEmpty() || segment.equals("v1")) {
                continue;
            }
            boolean param = segment.startsWith("{");
            if (param) {
                sb.append("By");
            }
            for (String word : segment.replaceAll("[{}]", "").split("[^A-Za-z0-9]+")) {
                if (!word.isEmpty()) {
                    sb.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
                }
            }
        }
        return sb.toString();
    }
}
