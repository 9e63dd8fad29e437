package com.liftos.security.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.HandlerType;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Javalin guards and the Servlet filter on a real Javalin (Jetty) server, with real tokens: 401 without or with a
 * bad token, 403 without the permission, the principal handed to the handler, the risk ceiling.
 */
class GuardsTest {
    static Service service;
    static LiftOSClient liftos;
    static Javalin app;
    static String serviceToken;
    static String viewer;

    @BeforeAll
    static void start() {
        service = Service.get();
        liftos = service.client(service.serviceAccount("subscribe:revocations", "reveal:credentials"));
        serviceToken = liftos.tokens().token();
        viewer = service.userToken("viewer");
        JavalinGuards guards = new JavalinGuards(liftos);
        SecurityFilter filter = new SecurityFilter(liftos).requirePermissions("reveal:credentials").requireLowRisk(0.3);
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.jetty.host = "127.0.0.1";
            cfg.jetty.port = 0;
            cfg.jetty.modifyServletContextHandler(h -> h.addFilter(filter, "/servlet/*", EnumSet.of(DispatcherType.REQUEST)));
            cfg.routes.addHttpHandler(HandlerType.GET, "/api/protected", guards.protect(
                    ctx -> ctx.result("Hello " + JavalinGuards.principal(ctx).subject()), guards.requireAuth()));
            cfg.routes.addHttpHandler(HandlerType.GET, "/api/admin", guards.protect(ctx -> ctx.result("admin"),
                    guards.requireAuth(), guards.requireRoles("admin")));
            cfg.routes.addHttpHandler(HandlerType.GET, "/api/sensitive", guards.protect(
                    ctx -> ctx.result("risk " + JavalinGuards.principal(ctx).risk().getAsDouble()),
                    guards.requireAuth(), guards.requirePermissions("reveal:credentials"), guards.requireLowRisk(0.3)));
            cfg.routes.addHttpHandler(HandlerType.GET, "/servlet/data", ctx -> ctx.result(
                    "servlet " + SecurityFilter.principal(ctx.req()).orElseThrow().subject()));
        }).start();
    }

    @AfterAll
    static void stop() {
        app.stop();
        liftos.close();
    }

    static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return Service.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void requireAuth() throws Exception {
        assertThat(get("/api/protected", null).statusCode()).isEqualTo(401);
        HttpResponse<String> bad = get("/api/protected", "garbage");
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(bad.headers().firstValue("WWW-Authenticate")).isPresent();
        JsonNode err = Service.json(bad);
        assertThat(err.path("error").path("code").asText()).isEqualTo("unauthorized");
        assertThat(get("/api/protected", viewer).body()).startsWith("Hello ");
    }

    @Test
    void requireRolesAndPermissionsAndLowRisk() throws Exception {
        assertThat(get("/api/admin", viewer).statusCode()).isEqualTo(403);
        assertThat(get("/api/admin", service.userToken("admin")).statusCode()).isEqualTo(200);
        HttpResponse<String> denied = get("/api/sensitive", viewer);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(Service.json(denied).path("error").path("code").asText()).isEqualTo("forbidden");
        HttpResponse<String> ok = get("/api/sensitive", serviceToken);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("risk 0.0");
    }

    @Test
    void theServletFilter() throws Exception {
        assertThat(get("/servlet/data", null).statusCode()).isEqualTo(401);
        assertThat(get("/servlet/data", viewer).statusCode()).isEqualTo(403);
        HttpResponse<String> ok = get("/servlet/data", serviceToken);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).startsWith("servlet ");
    }
}
