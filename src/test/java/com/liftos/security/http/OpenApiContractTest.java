package com.liftos.security.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.ApiContract;
import com.liftos.security.testing.TestApp;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API contract: {@code GET /openapi.json} is an OpenAPI 3.1 document a real parser (swagger-parser) reads
 * without a message, it describes exactly the routes of the table (every one with its own description), its
 * security and error responses follow each route's access, and the responses of a broad sample of the API (every
 * area, successes and the 400/401/403/404/409/410/429 errors) each validate against the schema the document gives
 * for their route and status — an undocumented status, media type, field or error code fails.
 */
class OpenApiContractTest {
    static TestApp app;
    static String document;
    static JsonNode doc;

    @BeforeAll
    static void start() {
        // Rate limiting on, so the X-RateLimit-* headers and a real 429 are part of the sample.
        app = TestApp.start(Map.of("SECURITY_RATE_LIMITING_ENABLED", "true"));
        HttpResponse<String> r = app.get("/openapi.json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        document = r.body();
        doc = app.json(r);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void theDocumentParsesWithSwaggerParserAsOpenApi31WithoutAMessage() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIParser().readContents(document, null, options);
        assertThat(result.getMessages()).as("parser messages").isEmpty();
        OpenAPI api = result.getOpenAPI();
        assertThat(api).isNotNull();
        assertThat(api.getOpenapi()).isEqualTo("3.1.0");
        assertThat(api.getSpecVersion()).isEqualTo(SpecVersion.V31);
        assertThat(api.getComponents().getSchemas()).containsKeys("Error", "OAuthError", "UserPage");
        assertThat(api.getComponents().getSecuritySchemes()).containsKeys("bearerAuth", "clientBasic");
        assertThat(api.getPaths().get("/v1/orgs/{orgId}/users").getGet().getParameters())
                .extracting(p -> p.getName()).contains("orgId", "limit", "cursor", "q", "status", "role", "mfa", "last_login_before");
    }

    @Test
    void theDocumentHasEveryRouteOfTheTableAndNothingElse() {
        Set<String> table = app.app().routes().routes().stream().map(Route::name).collect(Collectors.toCollection(TreeSet::new));
        Set<String> documented = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase(java.util.Locale.ROOT) + " " + path.getKey()));
        }
        assertThat(documented).isEqualTo(table);
        assertThat(doc).as("the served document is the route table's").isEqualTo(
                Json.newMapper().valueToTree(OpenApi.document(app.app().routes().routes(), Json.newMapper(), com.liftos.security.App.version())));
        assertThat(table).contains("GET /openapi.json", "GET /v1/orgs", "GET /v1/orgs/{orgId}/users/{userId}/sessions");
    }

    /** A route merged without its description fails here, naming it. */
    @Test
    void everyRouteIsDescribed() {
        List<String> undescribed = app.app().routes().routes().stream()
                .filter(r -> r.description().isEmpty()).map(Route::name).toList();
        assertThat(undescribed).as("routes without a RouteDoc (add .doc(RouteDoc.of(...)) next to the route)").isEmpty();
        for (JsonNode item : doc.get("paths")) {
            for (JsonNode op : item) {
                assertThat(op.has("x-liftos-undescribed")).as(op.path("operationId").asText()).isFalse();
                assertThat(op.path("summary").asText()).as(op.path("operationId").asText()).isNotBlank();
            }
        }
    }

    @Test
    void securityRequirementsAreTheRoutesPermissions() {
        SoftAssertions soft = new SoftAssertions();
        for (Route r : app.app().routes().routes()) {
            JsonNode op = doc.at("/paths/" + r.path().replace("/", "~1") + "/" + r.verb().toLowerCase(java.util.Locale.ROOT));
            List<String> permissions = r.access().permissions().stream().map(Object::toString).toList();
            if (r.access().isPublic()) {
                boolean anonymous = op.get("security").isEmpty() || hasEmptyRequirement(op.get("security"));
                soft.assertThat(anonymous).as(r.name() + " is public").isTrue();
                soft.assertThat(op.has("responses") && op.get("responses").has("401") && !r.path().startsWith("/oauth2/")
                        && !r.path().startsWith("/v1/auth/")).as(r.name() + " public without 401 from the gate").isFalse();
            } else {
                soft.assertThat(op.get("security")).as(r.name()).hasSize(1);
                List<String> required = new ArrayList<>();
                op.get("security").get(0).get("bearerAuth").forEach(p -> required.add(p.asText()));
                soft.assertThat(required).as(r.name() + " bearerAuth roles").isEqualTo(permissions);
                soft.assertThat(op.get("responses").has("401")).as(r.name() + " documents 401").isTrue();
            }
            List<String> extension = new ArrayList<>();
            op.get("x-liftos-permissions").forEach(p -> extension.add(p.asText()));
            soft.assertThat(extension).as(r.name() + " x-liftos-permissions").isEqualTo(permissions);
            if (!permissions.isEmpty()) {
                soft.assertThat(op.at("/responses/403/description").asText()).as(r.name()).contains("`forbidden`");
            }
            if (r.orgScoped()) {
                soft.assertThat(op.at("/responses/404").isMissingNode()).as(r.name() + " documents 404").isFalse();
            }
        }
        soft.assertAll();
    }

    /** Every 4xx/5xx answer is the one error shape (RFC 6749's for the OAuth endpoints' own) and lists its codes. */
    @Test
    void everyErrorResponseUsesTheErrorShapeAndEveryResponseItsHeaders() {
        SoftAssertions soft = new SoftAssertions();
        for (Map.Entry<String, JsonNode> op : operations().entrySet()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = op.getValue().get("responses").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> response = it.next();
                String name = op.getKey() + " " + response.getKey();
                JsonNode headers = response.getValue().path("headers");
                soft.assertThat(headers.has("X-Request-ID") && headers.has("X-RateLimit-Limit") && headers.has("X-RateLimit-Remaining")
                        && headers.has("X-RateLimit-Reset")).as(name + " headers").isTrue();
                int status = Integer.parseInt(response.getKey());
                if (status == 429) {
                    soft.assertThat(headers.has("Retry-After")).as(name + " Retry-After").isTrue();
                }
                if (status < 400) {
                    continue;
                }
                String schema = response.getValue().at("/content/application~1json/schema").toString();
                soft.assertThat(schema).as(name).containsAnyOf("#/components/schemas/Error\"", "#/components/schemas/OAuthError\"");
                soft.assertThat(schema).as(name + " lists its codes").contains("\"enum\"");
                soft.assertThat(response.getValue().get("description").asText()).as(name).containsAnyOf("Error codes: `", "RFC 6749 errors: `");
            }
        }
        soft.assertAll();
        assertThat(doc.at("/paths/~1oauth2~1token/post/responses/401/content/application~1json/schema").toString())
                .contains("OAuthError").contains("invalid_client");
        assertThat(doc.at("/paths/~1v1~1auth~1login/post/responses/401/content/application~1json/schema").toString())
                .contains("#/components/schemas/Error\"").contains("invalid_credentials");
    }

    @Test
    void paginationAndFiltersAreInTheDocument() {
        JsonNode users = doc.at("/paths/~1v1~1orgs~1{orgId}~1users/get");
        Map<String, JsonNode> params = new HashMap<>();
        users.get("parameters").forEach(p -> params.put(p.get("name").asText(), p));
        assertThat(params.get("limit").at("/schema/maximum").asInt()).isEqualTo(200);
        assertThat(params.get("limit").at("/in").asText()).isEqualTo("query");
        assertThat(params.get("cursor").at("/schema/pattern").asText()).isNotEmpty();
        assertThat(params.get("status").at("/schema/enum").toString()).contains("active", "disabled");
        // built-in roles and the organization's custom ones: a pattern, the built-in names in the description
        assertThat(params.get("role").at("/schema/pattern").asText()).isNotEmpty();
        assertThat(params.get("role").at("/description").asText()).contains("admin", "super_admin", "custom role");
        assertThat(params.get("last_login_before").at("/schema/format").asText()).isEqualTo("date-time");
        assertThat(users.at("/responses/400/description").asText()).contains("`invalid_cursor`", "`invalid_parameter`");
        assertThat(doc.at("/components/schemas/UserPage/required").toString()).contains("items", "next_cursor");
        assertThat(doc.at("/paths/~1v1~1orgs~1{orgId}~1users~1{userId}~1sessions/delete/security/0/bearerAuth/0").asText())
                .isEqualTo("manage:users");
    }

    /** The checker itself: what it must catch, attacked with responses that depart from the document. */
    @Test
    void theCheckFindsAnUndocumentedStatusAWrongBodyAnUndocumentedCodeAndABodyWhereNoneIsDocumented() {
        ApiContract contract = app.contract();
        Optional<String> json = Optional.of("application/json");
        Optional<String> id = Optional.of("r1");
        String me = "{\"id\":\"" + UUID.randomUUID() + "\",\"org_id\":\"" + UUID.randomUUID() + "\",\"kind\":\"user\",\"roles\":[],"
                + "\"permissions\":[],\"amr\":[\"pwd\"],\"auth_time\":1,\"expires_at\":2}";
        assertThat(contract.check("GET", "/v1/me", 200, json, id, me)).isEmpty();
        assertThat(contract.check("GET", "/v1/me", 418, json, id, me)).singleElement().asString().contains("not documented");
        assertThat(contract.check("GET", "/v1/me", 200, json, id, me.replace("\"kind\":\"user\"", "\"kind\":\"robot\""))).isNotEmpty();
        assertThat(contract.check("GET", "/v1/me", 200, json, id, me.replace("}", ",\"secret\":\"x\"}"))).isNotEmpty();
        assertThat(contract.check("GET", "/v1/me", 200, json, Optional.empty(), me)).singleElement().asString().contains("X-Request-ID");
        String error = "{\"error\":{\"code\":\"%s\",\"message\":\"m\",\"request_id\":\"r1\"}}";
        assertThat(contract.check("GET", "/v1/me", 401, json, id, error.formatted("invalid_token"))).isEmpty();
        assertThat(contract.check("GET", "/v1/me", 401, json, id, error.formatted("made_up_code"))).isNotEmpty();
        assertThat(contract.check("POST", "/oauth2/token", 401, json, id, "{\"error\":\"invalid_client\",\"error_description\":\"d\"}")).isEmpty();
        assertThat(contract.check("POST", "/oauth2/token", 401, json, id, error.formatted("invalid_client"))).isNotEmpty();
        assertThat(contract.check("POST", "/v1/auth/logout", 204, Optional.empty(), id, "")).isEmpty();
        assertThat(contract.check("POST", "/v1/auth/logout", 204, json, id, "{}")).isNotEmpty();
        assertThat(contract.check("GET", "/metrics", 200, Optional.of("text/html"), id, "<p>")).isNotEmpty();
        assertThat(contract.check("GET", "/no/such/route", 404, json, id, "{}")).as("not an operation").isEmpty();
    }

    @Test
    void responsesOfABroadSampleFollowTheDocument() {
        app.record();
        Sample s = new Sample();
        s.run();
        List<TestApp.Exchange> exchanges = app.recorded();
        List<String> problems = new ArrayList<>();
        Set<String> operationsSeen = new TreeSet<>();
        Set<Integer> statusesSeen = new TreeSet<>();
        ApiContract contract = app.contract();
        for (TestApp.Exchange e : exchanges) {
            problems.addAll(e.problems(contract));
            contract.operation(e.method(), e.rawPath()).ifPresent(o -> operationsSeen.add(o.method() + " " + o.template()));
            statusesSeen.add(e.status());
        }
        assertThat(problems).as(problems.size() + " of " + exchanges.size() + " responses depart from the document").isEmpty();
        assertThat(statusesSeen).contains(200, 201, 204, 400, 401, 403, 404, 409, 410, 429, 503);
        assertThat(operationsSeen).contains("POST /v1/auth/login", "POST /v1/auth/refresh", "GET /v1/me", "GET /v1/auth/sessions",
                "GET /v1/orgs", "GET /v1/orgs/{orgId}", "GET /v1/orgs/{orgId}/users", "GET /v1/orgs/{orgId}/users/{userId}",
                "GET /v1/orgs/{orgId}/users/{userId}/sessions", "DELETE /v1/orgs/{orgId}/users/{userId}/sessions",
                "DELETE /v1/orgs/{orgId}/users/{userId}/sessions/{sessionId}", "PUT /v1/orgs/{orgId}/credentials/{provider}",
                "GET /v1/orgs/{orgId}/credentials/{provider}/{keyName}/secret", "GET /v1/orgs/{orgId}/audit",
                "GET /v1/orgs/{orgId}/incidents", "GET /v1/mfa", "POST /v1/orgs/{orgId}/service-accounts",
                "GET /v1/orgs/{orgId}/security-config", "GET /v1/orgs/{orgId}/users/{userId}/export", "POST /oauth2/token",
                "POST /oauth2/introspect", "GET /health", "GET /.well-known/jwks.json", "GET /openapi.json");
        assertThat(operationsSeen.size()).as("operations exercised (all 65 when written)").isGreaterThanOrEqualTo(60);
    }

    private static boolean hasEmptyRequirement(JsonNode security) {
        for (JsonNode requirement : security) {
            if (requirement.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, JsonNode> operations() {
        Map<String, JsonNode> out = new java.util.TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fields().forEachRemaining(op -> out.put(op.getKey() + " " + path.getKey(), op.getValue()));
        }
        return out;
    }

    /** Calls every area of the API, successes and errors; {@link TestApp#record} keeps every exchange. */
    private static final class Sample {
        final String admin = app.loginAdmin();
        final UUID org = app.adminOrgId();
        final String orgPath = "/v1/orgs/" + org;

        void run() {
            // Room for the sample's logins under the bootstrap organization's sign-in limit.
            ok(app.putJson(orgPath + "/security-config", "{\"max_concurrent_sessions\":50,\"api_rate_limits\":{\"auth\":{\"limit\":1000,\"window\":60},"
                    + "\"api\":{\"limit\":100000,\"window\":3600},\"sensitive\":{\"limit\":1000,\"window\":60}}}", admin));
            system();
            signIn();
            directory();
            vault();
            audit();
            mfaAndServiceAccounts();
            privacyAndAdmin();
            rateLimited();
        }

        void system() {
            ok(app.get("/health"));
            ok(app.get("/metrics"));
            ok(app.get("/.well-known/jwks.json"));
            ok(app.get("/.well-known/openid-configuration"));
            ok(app.get("/openapi.json"));
            status(404, app.get("/v1/orgs/" + UUID.randomUUID() + "/users", admin));
        }

        /** Anonymous requests of the auth category share 5 per 5 minutes per address: this sample makes 5. */
        void signIn() {
            JsonNode login = app.loginResponse(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
            status(401, app.postJson("/v1/auth/login", "{\"email\":\"admin@example.test\",\"password\":\"wrong-Password-1!\"}"));
            status(400, app.postJson("/v1/auth/login", "{\"email\":\"\",\"password\":\"x\"}"));
            status(400, app.postJson("/v1/auth/login", "{\"email\":\"a@b.c\",\"password\":\"x\",\"extra\":1}"));
            ok(app.postJson("/v1/auth/refresh", "{\"refresh_token\":\"" + login.get("refresh_token").asText() + "\"}"));
            status(401, app.postJson("/v1/auth/refresh", "{\"refresh_token\":\"not-a-refresh-token-at-all\"}"));
            String token = login.get("access_token").asText();
            ok(app.get("/v1/me", admin));
            status(401, app.get("/v1/me"));
            status(401, app.get("/v1/me", "eyJhbGciOiJub25lIn0.e30."));
            ok(app.get("/v1/auth/sessions", admin));
            status(404, app.delete("/v1/auth/sessions/" + UUID.randomUUID(), admin));
            status(403, app.postJson("/v1/auth/password", "{\"current_password\":\"Wrong-Password-1!\",\"new_password\":\"New-Password-12!\"}", token));
            status(400, app.get("/v1/auth/unlock?token=short"));
            ok(app.get("/v1/auth/unlock?token=" + "a".repeat(43)));
            status(400, app.postJson("/v1/auth/unlock", "{\"token\":\"" + "a".repeat(43) + "\"}"));
            status(400, app.postJson("/v1/auth/mfa/verify", "{\"mfa_token\":\"x\"}"));
            status(401, app.postJson("/v1/auth/mfa/verify", "{\"mfa_token\":\"x\",\"method\":\"totp\",\"code\":\"123456\"}"));
            status(401, app.postJson("/v1/auth/mfa/send", "{\"mfa_token\":\"x\",\"method\":\"email\"}"));
            status(204, app.postJson("/v1/auth/logout", "", token));
        }

        void directory() {
            UUID viewer = app.createUser(admin, org, "contract-viewer@example.test", "Viewer-Password-1!", "viewer");
            status(409, app.postJson(orgPath + "/users", app.body(Map.of("email", "contract-viewer@example.test",
                    "password", "Viewer-Password-1!")), admin));
            status(400, app.postJson(orgPath + "/users", "{\"email\":\"nope\"}", admin));
            String viewerToken = app.login("contract-viewer@example.test", "Viewer-Password-1!");
            ok(app.get("/v1/orgs", admin));
            ok(app.get("/v1/orgs?q=test&limit=1", admin));
            ok(app.get(orgPath, admin));
            JsonNode first = app.json(ok(app.get(orgPath + "/users?limit=1", admin)));
            ok(app.get(orgPath + "/users?limit=1&cursor=" + first.get("next_cursor").asText(), admin));
            ok(app.get(orgPath + "/users?q=CONTRACT&status=active&role=viewer&mfa=false&last_login_before=2999-01-01T00:00:00Z", admin));
            status(400, app.get(orgPath + "/users?cursor=not-a-cursor", admin));
            status(400, app.get(orgPath + "/users?limit=201", admin));
            status(400, app.get(orgPath + "/users?colour=red", admin));
            status(403, app.get(orgPath + "/users", viewerToken));
            status(403, app.get("/v1/orgs", viewerToken));
            ok(app.get(orgPath + "/users/" + viewer, admin));
            status(404, app.get(orgPath + "/users/" + UUID.randomUUID(), admin));
            JsonNode sessions = app.json(ok(app.get(orgPath + "/users/" + viewer + "/sessions?status=all", admin)));
            String sid = sessions.get("items").get(0).get("id").asText();
            status(204, app.delete(orgPath + "/users/" + viewer + "/sessions/" + sid, admin));
            status(404, app.delete(orgPath + "/users/" + viewer + "/sessions/" + sid, admin));
            app.login("contract-viewer@example.test", "Viewer-Password-1!");
            ok(app.delete(orgPath + "/users/" + viewer + "/sessions", admin));
            ok(app.postJson(orgPath + "/users/" + viewer + "/disable", "", admin));
            status(409, app.postJson(orgPath + "/users/" + app.json(app.get("/v1/me", admin)).get("id").asText() + "/disable", "", admin));
            ok(app.postJson(orgPath + "/users/" + viewer + "/enable", "", admin));
            ok(app.putJson(orgPath + "/users/" + viewer + "/roles", "{\"roles\":[\"viewer\",\"analyst\"]}", admin));
            status(400, app.putJson(orgPath + "/users/" + viewer + "/roles", "{\"roles\":[\"wizard\"]}", admin));
            UUID other = app.createOrg(admin, "Contract Other Org");
            app.createUser(admin, other, "contract-other@example.test", "Other-Password-1!", "admin");
            String otherAdmin = app.login("contract-other@example.test", "Other-Password-1!");
            status(404, app.get(orgPath + "/users", otherAdmin));
            status(404, app.get(orgPath, otherAdmin));
            status(409, app.postJson("/v1/orgs", "{\"name\":\"Contract Other Org\"}", admin));
            UUID doomed = app.createOrg(admin, "Contract Doomed Org");
            ok(app.delete("/v1/orgs/" + doomed, admin));
            status(409, app.delete(orgPath, admin));
        }

        void vault() {
            String base = orgPath + "/credentials";
            status(201, app.putJson(base + "/klaviyo", "{\"api_key\":\"pk_live_abc123def456\"}", admin));
            ok(app.putJson(base + "/klaviyo", "{\"credentials\":{\"api_key\":\"pk_live_abc123def457\"}}", admin));
            status(201, app.putJson(base + "/klaviyo/second", "{\"api_key\":\"pk_live_abc123def458\"}", admin));
            status(400, app.putJson(base + "/nosuchprovider", "{\"api_key\":\"x\"}", admin));
            status(400, app.putJson(base + "/klaviyo", "{\"api_key\":12}", admin));
            ok(app.get(base, admin));
            ok(app.get(base + "?rotation_due=true", admin));
            ok(app.get(base + "/analytics?days=7", admin));
            ok(app.get(base + "/klaviyo/default", admin));
            ok(app.get(base + "/klaviyo/default/secret", admin));
            ok(app.postJson(base + "/klaviyo/default/rotate", "{\"api_key\":\"pk_live_abc123def459\"}", admin));
            ok(app.get(base + "/klaviyo/default/versions?limit=1", admin));
            status(400, app.get(base + "/klaviyo/default/versions?cursor=x", admin));
            ok(app.postJson(base + "/klaviyo/default/rollback", "{\"version\":1,\"reason\":\"contract\"}", admin));
            status(400, app.postJson(base + "/klaviyo/default/rollback", "{\"version\":99}", admin));
            ok(app.delete(base + "/klaviyo/second?reason=test", admin));
            status(410, app.get(base + "/klaviyo/second/secret", admin));
            status(404, app.get(base + "/klaviyo/missing", admin));
        }

        void audit() {
            JsonNode page = app.json(ok(app.get(orgPath + "/audit?limit=2&type=login_success", admin)));
            ok(app.get(orgPath + "/audit?limit=2&cursor=" + page.get("next_cursor").asText(), admin));
            status(400, app.get(orgPath + "/audit?cursor=abc", admin));
            status(400, app.get(orgPath + "/audit?type=nonsense", admin));
            ok(app.get(orgPath + "/audit/summary?group_by=action&since=7d", admin));
            ok(app.get(orgPath + "/audit/export?format=csv", admin));
            ok(app.get(orgPath + "/audit/export?format=jsonl", admin));
            ok(app.send(app.request(orgPath + "/audit/verify").header("Authorization", "Bearer " + admin)
                    .POST(HttpRequest.BodyPublishers.noBody()).build()));
            ok(app.get(orgPath + "/compliance/report", admin));
            ok(app.get(orgPath + "/compliance/report?format=html", admin));
            ok(app.get(orgPath + "/incidents?status=open", admin));
            status(400, app.get(orgPath + "/incidents?status=sleeping", admin));
            status(404, app.get(orgPath + "/incidents/" + UUID.randomUUID(), admin));
            status(404, app.postJson(orgPath + "/incidents/" + UUID.randomUUID() + "/actions", "{\"action\":\"note\",\"note\":\"n\"}", admin));
            status(400, app.postJson(orgPath + "/incidents/" + UUID.randomUUID() + "/actions", "{}", admin));
        }

        void mfaAndServiceAccounts() {
            app.createUser(admin, org, "contract-mfa@example.test", "Mfa-Password-123!", "viewer");
            String user = app.login("contract-mfa@example.test", "Mfa-Password-123!");
            ok(app.get("/v1/mfa", user));
            ok(app.postJson("/v1/mfa/totp/enroll", "", user));
            status(503, app.postJson("/v1/mfa/email/enroll", "", user));
            status(400, app.postJson("/v1/mfa/totp/confirm", "{\"code\":\"000000\"}", user));
            status(400, app.postJson("/v1/mfa/totp/confirm", "{}", user));
            status(204, app.delete("/v1/mfa/totp", user));
            status(404, app.delete("/v1/mfa/email", user));
            status(404, app.postJson("/v1/mfa/fax/enroll", "", user));
            status(400, app.postJson("/v1/mfa/recovery-codes", "{\"method\":\"totp\"}", user));
            status(400, app.postJson("/v1/mfa/totp/send", "", user));

            JsonNode sa = app.json(status(201, app.postJson(orgPath + "/service-accounts",
                    "{\"name\":\"contract-sa\",\"roles\":[\"viewer\"]}", admin)));
            status(400, app.postJson(orgPath + "/service-accounts", "{\"name\":\"\"}", admin));
            ok(app.get(orgPath + "/service-accounts?limit=1&status=active", admin));
            status(400, app.get(orgPath + "/service-accounts?limit=500", admin));
            ok(app.get(orgPath + "/service-accounts/" + sa.get("id").asText(), admin));
            JsonNode rotated = app.json(ok(app.postJson(orgPath + "/service-accounts/" + sa.get("id").asText()
                    + "/rotate-secret?overlap_seconds=60", "", admin)));
            sa = ((com.fasterxml.jackson.databind.node.ObjectNode) sa).put("client_secret", rotated.get("client_secret").asText());
            String basic = "Basic " + Base64.getEncoder().encodeToString((sa.get("client_id").asText() + ":"
                    + sa.get("client_secret").asText()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            JsonNode granted = app.json(ok(form("/oauth2/token", "grant_type=client_credentials", Optional.of(basic))));
            ok(form("/oauth2/introspect", "token=" + granted.get("access_token").asText(), Optional.of(basic)));
            ok(form("/oauth2/introspect", "token=nonsense", Optional.of("Bearer " + admin)));
            status(401, form("/oauth2/introspect", "token=x", Optional.empty()));
            status(401, form("/oauth2/token", "grant_type=client_credentials", Optional.of("Basic " + Base64.getEncoder()
                    .encodeToString("nobody:nothing".getBytes(java.nio.charset.StandardCharsets.UTF_8)))));
            status(400, form("/oauth2/token", "grant_type=password", Optional.of(basic)));
            status(400, form("/oauth2/token", "grant_type=refresh_token&refresh_token=nonsense-nonsense-nonsense", Optional.empty()));
            status(400, app.postJson("/oauth2/token", "{}"));
            ok(form("/oauth2/revoke", "token=" + granted.get("access_token").asText(), Optional.of(basic)));
            status(204, app.delete(orgPath + "/service-accounts/" + sa.get("id").asText(), admin));
            status(404, app.delete(orgPath + "/service-accounts/" + sa.get("id").asText(), admin));
        }

        void privacyAndAdmin() {
            UUID subject = app.createUser(admin, org, "contract-subject@example.test", "Subject-Password-1!", "viewer");
            String user = orgPath + "/users/" + subject;
            ok(app.get("/v1/privacy/purposes", admin));
            ok(app.get(user + "/export", admin));
            status(201, app.postJson(user + "/consents", "{\"purpose\":\"marketing_analytics\",\"granted\":true,\"text_version\":\"v1\"}", admin));
            status(400, app.postJson(user + "/consents", "{\"purpose\":\"nothing\"}", admin));
            ok(app.get(user + "/consents", admin));
            ok(app.postJson(user + "/processing", "{\"purpose\":\"marketing_analytics\",\"activity\":\"report\"}", admin));
            status(400, app.postJson(user + "/processing", "{\"purpose\":\"nothing\",\"activity\":\"report\"}", admin));
            ok(app.get(orgPath + "/security-config", admin));
            status(400, app.putJson(orgPath + "/security-config", "{\"max_concurrent_sessions\":-1}", admin));
            ok(app.delete(user, admin));
            status(404, app.delete(user, admin));
        }

        /** An organization whose api budget is 2 requests an hour: the third request is a 429. */
        void rateLimited() {
            UUID small = app.createOrg(admin, "Contract Small Org");
            ok(app.putJson("/v1/orgs/" + small + "/security-config", "{\"api_rate_limits\":{\"api\":{\"limit\":2,\"window\":3600}}}", admin));
            app.createUser(admin, small, "contract-small@example.test", "Small-Password-1!", "viewer");
            String token = app.login("contract-small@example.test", "Small-Password-1!");
            ok(app.get("/v1/me", token));
            ok(app.get("/v1/me", token));
            HttpResponse<String> last = status(429, app.get("/v1/me", token));
            assertThat(last.headers().firstValue("Retry-After")).isPresent();
        }

        HttpResponse<String> form(String path, String body, Optional<String> authorization) {
            HttpRequest.Builder b = app.request(path).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            authorization.ifPresent(a -> b.header("Authorization", a));
            return app.send(b.build());
        }

        static HttpResponse<String> ok(HttpResponse<String> r) {
            return status(200, r);
        }

        static HttpResponse<String> status(int expected, HttpResponse<String> r) {
            assertThat(r.statusCode()).as(r.request().method() + " " + r.request().uri().getPath() + ": " + r.body()).isEqualTo(expected);
            return r;
        }
    }
}
