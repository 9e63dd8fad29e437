package com.liftos.security.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.testing.TestApp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Hostile input against every route of the app's {@link RouteTable} (so routes added later are covered without
 * editing this test), once without a token and once as the super admin: hostile JSON bodies, hostile field values,
 * hostile path parameters and hostile query strings. No answer may be a 5xx; every error is the one JSON shape
 * without a stack trace; the service is healthy afterwards. Requests Jetty refuses before routing are sent raw.
 */
class HostileInputTest {
    private static final Pattern PARAM = Pattern.compile("\\{([A-Za-z0-9_]+)}");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whole bodies: text the service must refuse, JSON that stresses the parser, and things that are not JSON. */
    private static final Map<String, byte[]> BODIES = new LinkedHashMap<>();
    /** Form bodies, for the OAuth endpoints (and every other route, which must not care). */
    private static final List<String> FORMS = List.of(
            "grant_type=client_credentials&client_id=%00&client_secret=s", "token=%ED%A0%80", "%00=1",
            "grant_type=client_credentials&client_id=a%00b&client_secret=%00", "client_id=" + "a".repeat(20_000));
    /** The body fields of the API (see the routes' body records); each gets every value of {@link #FIELD_VALUES}. */
    private static final List<String> FIELDS = List.of("email", "password", "device_id", "refresh_token",
            "current_password", "new_password", "password_change_token", "name", "display_name", "roles", "permissions",
            "action", "note", "user_id", "ip", "minutes", "severity", "method", "code", "phone_number", "mfa_token",
            "purpose", "granted", "text_version", "activity", "max_concurrent_sessions", "session_timeout_minutes",
            "require_mfa", "allowed_ip_ranges", "api_rate_limits", "password_policy", "audit_retention_days",
            "compliance_settings", "credentials", "api_key");
    private static final List<String> FIELD_VALUES = List.of("\"\\u0000\"", "\"a\\ud800\"", "1e999",
            "123456789012345678901234567890", "[]", "{}", "\"" + "x".repeat(10_000) + "\"", "-1");
    /** Path parameter values, already percent-encoded. */
    private static final List<String> PATH_VALUES = List.of("%00", "a%00b", "%C0%80", "%ED%A0%80", "%FF", "%F0%9F%98%80",
            "%E2%80%AE", "%EF%BF%BF", "x".repeat(2000), "%2e%2e", "..", "%2F", "%25", "%20", "%0A", "%5C", "%22%3Cb%3E",
            UUID.randomUUID().toString(), "00000000-0000-0000-0000-000000000000", "1-1-1-1-1", "-1", "99999999999999999999999");
    /** Every query parameter the routes read. */
    private static final List<String> QUERY_NAMES = List.of("status", "cursor", "limit", "group_by", "format", "type",
            "actor", "success", "since", "until", "min_risk", "provider", "reason", "rotation_due", "days", "q", "role", "mfa",
            "last_login_before");
    private static final List<String> QUERY_VALUES = List.of("%00", "a%00", "-1", "99999999999999999999", "1e999", "NaN",
            "abc", "", "%FF", "a,,b", "2026-13-45T99:99:99Z", "x".repeat(3000));
    private static final List<String> QUERY_STRINGS = List.of("%00=1", "x=%00", "x=%ED%A0%80", "x=%FF", "x[]=1&x[]=%00",
            "a=1&".repeat(2000), "x=" + "a".repeat(6000));

    static {
        BODIES.put("NUL in a value", utf8("{\"email\":\"a\\u0000@x.io\",\"password\":\"p\"}"));
        BODIES.put("NUL in a key", utf8("{\"a\\u0000\":\"x\"}"));
        BODIES.put("raw NUL byte", bytes("{\"x\":\"a", 0x00, "b\"}"));
        BODIES.put("lone high surrogate", utf8("{\"x\":\"\\ud800\"}"));
        BODIES.put("lone low surrogate", utf8("{\"x\":\"\\udc00x\"}"));
        BODIES.put("reversed surrogates", utf8("{\"x\":\"\\udc00\\ud800\"}"));
        BODIES.put("surrogate key", utf8("{\"\\ud83d\":1}"));
        BODIES.put("NUL nested", utf8("{\"credentials\":{\"api_key\":[\"\\u0000\"]}}"));
        BODIES.put("UTF-8 encoded surrogate", bytes("{\"x\":\"", 0xED, 0xA0, 0x80, "\"}"));
        BODIES.put("invalid UTF-8", bytes("{\"x\":\"", 0xFF, 0xFE, "\"}"));
        BODIES.put("overlong NUL", bytes("{\"x\":\"", 0xC0, 0x80, "\"}"));
        BODIES.put("truncated UTF-8", bytes("{\"x\":\"", 0xE2, 0x82, "\"}"));
        BODIES.put("deep arrays", utf8("[".repeat(100_000) + "]".repeat(100_000)));
        BODIES.put("deep objects", utf8("{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000)));
        BODIES.put("huge exponent", utf8("{\"x\":1e999999999}"));
        BODIES.put("huge integer", utf8("{\"x\":" + "9".repeat(5000) + "}"));
        BODIES.put("huge string", utf8("{\"x\":\"" + "a".repeat(500_000) + "\"}"));
        BODIES.put("array", utf8("[]"));
        BODIES.put("string", utf8("\"text\""));
        BODIES.put("number", utf8("42"));
        BODIES.put("true", utf8("true"));
        BODIES.put("null", utf8("null"));
        BODIES.put("empty", new byte[0]);
        BODIES.put("whitespace", utf8("   "));
        BODIES.put("XML", utf8("<x/>"));
        BODIES.put("truncated", utf8("{\"email\":"));
        BODIES.put("trailing garbage", utf8("{} x"));
        BODIES.put("duplicate keys", utf8("{\"email\":\"a@x.io\",\"email\":\"b@x.io\"}"));
        BODIES.put("UTF-16 with BOM", bytes("", 0xFE, 0xFF, 0x00, '{', 0x00, '}'));
        BODIES.put("UTF-8 BOM", bytes("", 0xEF, 0xBB, 0xBF, "{}"));
        BODIES.put("NaN", utf8("{\"x\":NaN}"));
        BODIES.put("comment", utf8("{/*c*/}"));
    }

    static TestApp app;
    static List<Route> routes;
    private final List<String> failures = new ArrayList<>();
    private int sent;

    @BeforeAll
    static void start() {
        app = TestApp.start();
        routes = app.app().routes().routes();
        assertThat(routes).hasSizeGreaterThan(40);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    /** After each barrage the service still answers, and the super admin can still sign in (no lock, no block). */
    @AfterEach
    void serviceIsHealthyAfterwards() {
        HttpResponse<String> health = app.get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(app.json(health).get("status").asText()).isEqualTo("ok");
        assertThat(app.get("/v1/me", app.loginAdmin()).statusCode()).isEqualTo(200);
    }

    @Test
    void aNulInTheLoginEmailIsA400NamingTheFieldAndNoErrorIsLogged() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        root.addAppender(logged);
        HttpResponse<String> r;
        try {
            r = app.postJson("/v1/auth/login", "{\"email\":\"a\\u0000@x.io\",\"password\":\"Whatever-123!\"}");
        } finally {
            root.detachAppender(logged);
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode error = app.json(r).get("error");
        assertThat(error.get("code").asText()).isEqualTo("invalid_json");
        assertThat(error.get("message").asText()).contains("'email'").contains("NUL");
        assertThat(error.get("request_id").asText()).isEqualTo(r.headers().firstValue("X-Request-ID").orElseThrow());
        assertThat(logged.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).isEmpty();
    }

    @Test
    void aNulInAQueryParameterOrASurrogateInANestedFieldIsA400NamingIt() {
        HttpResponse<String> query = app.get("/v1/orgs/" + app.adminOrgId() + "/audit?provider=a%00b", app.loginAdmin());
        assertThat(query.statusCode()).as(query.body()).isEqualTo(400);
        assertThat(app.json(query).at("/error/code").asText()).isEqualTo("invalid_parameter");
        assertThat(app.json(query).at("/error/message").asText()).contains("'provider'");
        HttpResponse<String> body = app.send(app.request("/v1/orgs/" + app.adminOrgId() + "/credentials/meta")
                .header("Authorization", "Bearer " + app.loginAdmin()).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"credentials\":{\"access_token\":\"\\udfff\"}}")).build());
        assertThat(body.statusCode()).as(body.body()).isEqualTo(400);
        assertThat(app.json(body).at("/error/message").asText()).contains("'credentials.access_token'");
    }

    @Test
    void hostileBodiesNeverCauseAServerError() {
        for (Route route : routes) {
            String path = fill(route.path(), targetOrg(route), Map.of());
            for (Optional<String> token : callers()) {
                for (Map.Entry<String, byte[]> body : BODIES.entrySet()) {
                    send(route, path, token, "application/json", body.getValue(), body.getKey());
                }
                for (String form : FORMS) {
                    send(route, path, token, "application/x-www-form-urlencoded", utf8(form), "form " + abbreviate(form));
                }
            }
        }
        assertNoFailures();
    }

    @Test
    void hostileFieldValuesNeverCauseAServerError() {
        for (Route route : routes) {
            if (route.verb().equals("GET")) {
                continue;
            }
            Optional<String> token = Optional.of(app.loginAdmin());
            String path = fill(route.path(), targetOrg(route), Map.of());
            for (String field : FIELDS) {
                for (String value : FIELD_VALUES) {
                    send(route, path, token, "application/json", utf8("{\"" + field + "\":" + value + "}"), field + "=" + abbreviate(value));
                }
            }
        }
        assertNoFailures();
    }

    @Test
    void hostilePathParametersNeverCauseAServerError() {
        for (Route route : routes) {
            String org = targetOrg(route);
            Matcher m = PARAM.matcher(route.path());
            while (m.find()) {
                for (Optional<String> token : callers()) {
                    for (String value : PATH_VALUES) {
                        String path = fill(route.path(), org, Map.of(m.group(1), value));
                        send(route, path, token, "application/json", utf8("{}"), m.group(1) + "=" + abbreviate(value));
                    }
                }
            }
        }
        assertNoFailures();
    }

    @Test
    void hostileQueryStringsNeverCauseAServerError() {
        for (Route route : routes) {
            String path = fill(route.path(), targetOrg(route), Map.of());
            for (Optional<String> token : callers()) {
                for (String query : QUERY_STRINGS) {
                    send(route, path + "?" + query, token, "application/json", utf8("{}"), "?" + abbreviate(query));
                }
                if (token.isEmpty() || route.verb().equals("POST") || route.verb().equals("PUT")) {
                    continue;
                }
                for (String name : QUERY_NAMES) {
                    for (String value : QUERY_VALUES) {
                        send(route, path + "?" + name + "=" + value, token, "application/json", utf8("{}"),
                                "?" + name + "=" + abbreviate(value));
                    }
                }
            }
        }
        assertNoFailures();
    }

    /** What Jetty refuses before routing answers the same JSON error, not Jetty's HTML page. */
    @Test
    void requestsRefusedBeforeRoutingAnswerTheJsonShape() {
        List<byte[]> requests = List.of(
                raw("GET /v1/%00 HTTP/1.1"), raw("DELETE /v1/orgs/%00/users HTTP/1.1"), raw("GET /v1/orgs/%ED%A0%80 HTTP/1.1"),
                raw("GET /v1/orgs/%FF/users HTTP/1.1"), raw("GET /v1/orgs/..;/users HTTP/1.1"), raw("GET /%ZZ HTTP/1.1"),
                raw("GET health HTTP/1.1"), raw("PUT /" + "a".repeat(20_000) + " HTTP/1.1"),
                raw("GET /health HTTP/1.1", "X-Big: " + "a".repeat(20_000)), raw("GET /health HTTP/1.1", "X-Bad: a\u0001b"),
                raw("POST /v1/auth/login HTTP/1.1", "Content-Type: application/json", "Transfer-Encoding: chunked"),
                raw("POST /v1/auth/login HTTP/1.1", "Content-Length: 5", "Content-Length: 6"),
                raw("POST /v1/auth/login HTTP/1.1", "Content-Type: application/json", "Content-Length: 100"),
                raw("GET /health HTTP/9.9"), raw("GET /v1/%00 HTTP/1.1", "Accept: text/html"),
                bytes("POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n"
                        + "Content-Type: application/json\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n"));
        for (byte[] request : requests) {
            String label = abbreviate(new String(request, 0, Math.min(60, request.length), StandardCharsets.ISO_8859_1));
            String response = exchange(request);
            if (response.isEmpty()) {
                // The client half-closes after sending; now and then Jetty sees that end of input before it writes its
                // refusal and closes without a byte (seen once in ~10 full runs). Sent again once; the answer must hold.
                response = exchange(request);
            }
            int headerEnd = response.indexOf("\r\n\r\n");
            assertThat(headerEnd).as(label + ": " + response).isPositive();
            int status = Integer.parseInt(response.substring(9, 12));
            String body = response.substring(headerEnd + 4);
            assertThat(status).as(label).isBetween(400, 505).isNotIn(500, 502, 503, 504);
            assertThat(response).as(label).containsIgnoringCase("Content-Type: application/json").contains("X-Request-ID: ");
            checkErrorShape(label, body, false);
        }
        assertNoFailures();
    }

    private static List<Optional<String>> callers() {
        return List.of(Optional.empty(), Optional.of(app.loginAdmin()));
    }

    private void send(Route route, String path, Optional<String> token, String contentType, byte[] body, String label) {
        // A large body waits for 100 Continue: a route that answers without reading it (a 401, say) closes the
        // connection, and a client still uploading would lose that answer to the reset.
        HttpRequest.Builder b = app.request(path).header("Content-Type", contentType).expectContinue(body.length > 16_384)
                .method(route.verb(), HttpRequest.BodyPublishers.ofByteArray(body));
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        String name = route.name() + (token.isPresent() ? " [super admin] " : " [anonymous] ") + label;
        sent++;
        HttpResponse<String> r;
        try {
            r = app.send(b.build());
        } catch (UncheckedIOException first) {
            // Once in a full CI run on a loaded two-core host, a large 200 (GET /metrics) arrived cut mid-chunk with
            // nothing in the server's log. Asked again once and reported; a second loss is a failure.
            System.out.println("[hostile] " + name + " -> no answer, asked again: " + first.getCause());
            try {
                r = app.send(b.build());
            } catch (UncheckedIOException e) {
                failures.add(name + " -> no answer: " + e.getCause());
                return;
            }
        }
        if (r.statusCode() >= 500) {
            failures.add(name + " -> " + r.statusCode() + " " + abbreviate(r.body()));
        } else if (r.statusCode() >= 400) {
            checkErrorShape(name + " -> " + r.statusCode(), r.body(), path.startsWith("/oauth2/"));
        }
    }

    /** {@code {"error":{"code","message","request_id"}}} (RFC 6749's {@code {"error","error_description"}} on OAuth routes). */
    private void checkErrorShape(String name, String body, boolean oauth) {
        if (body.contains("Exception") || body.contains("\tat ") || body.contains("at com.") || body.contains("at org.")) {
            failures.add(name + ": stack trace text in " + abbreviate(body));
            return;
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            failures.add(name + ": not JSON: " + abbreviate(body));
            return;
        }
        JsonNode error = json == null ? null : json.get("error");
        boolean house = error != null && error.isObject() && error.path("code").isTextual()
                && error.path("message").isTextual() && error.path("request_id").isTextual();
        boolean rfc6749 = oauth && error != null && error.isTextual();
        if (!house && !rfc6749) {
            failures.add(name + ": not the error shape: " + abbreviate(body));
        }
    }

    private void assertNoFailures() {
        assertThat(failures).as("of " + sent + " requests, " + failures.size() + " failed; the first: "
                + String.join("\n", failures.subList(0, Math.min(30, failures.size())))).isEmpty();
    }

    /** Fills a route template: hostile values where given, else {@code org}, valid names and random ids. */
    private static String fill(String template, String org, Map<String, String> hostile) {
        Matcher m = PARAM.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value = hostile.getOrDefault(name, switch (name) {
                case "orgId" -> org;
                case "method" -> "totp";
                case "provider" -> "meta";
                case "keyName" -> "default";
                default -> UUID.randomUUID().toString();
            });
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** A fresh organization for each route, so a route that erases or reconfigures it harms no other. */
    private static String targetOrg(Route route) {
        return route.orgScoped() ? app.createOrg(app.loginAdmin(), "Target " + UUID.randomUUID()).toString() : "-";
    }

    private static String exchange(byte[] request) {
        try (Socket s = new Socket("127.0.0.1", app.app().port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            in.transferTo(response);
            return response.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] raw(String requestLine, String... headers) {
        StringBuilder sb = new StringBuilder(requestLine).append("\r\nHost: x\r\nConnection: close\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return bytes(sb.append("\r\n").toString());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Text (as ISO-8859-1) and single bytes, in order. */
    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            } else if (p instanceof Character c) {
                out.write(c);
            } else {
                out.write((Integer) p);
            }
        }
        return out.toByteArray();
    }

    private static String abbreviate(String s) {
        String t = s.length() > 80 ? s.substring(0, 80) + "...(" + s.length() + ")" : s;
        return t.replaceAll("[^\\x20-\\x7E]", "?");
    }
}
