package com.liftos.security.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.http.Route;
import com.liftos.security.identity.Permission;
import com.liftos.security.identity.PermissionCatalogue;
import com.liftos.security.identity.PermissionSet;
import com.liftos.security.identity.Role;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Walks App's complete route table, so routes merged later are covered without editing this test: every
 * route is declared; every protected route refuses a missing or bad token (401) and a token without its
 * permissions (403); every org-scoped route answers 404 to a member of another organization.
 */
class RouteTableSecurityTest {
    private static final Pattern PARAM = Pattern.compile("\\{([A-Za-z0-9_]+)}|<([A-Za-z0-9_]+)>");
    /** Public routes must live under these; a new public route elsewhere must be a conscious decision here. */
    private static final List<String> PUBLIC_PREFIXES = List.of("/health", "/metrics", "/openapi.json", "/.well-known/", "/oauth2/", "/v1/auth/", "/console",
            "/v1/connections/callback");

    static TestApp app;
    static List<Route> routes;
    static UUID orgA;
    static UUID orgB;
    static String noPermissionToken;
    static String otherOrgAdminToken;

    @BeforeAll
    static void start() {
        app = TestApp.start();
        routes = app.app().routes().routes();
        String superAdmin = app.loginAdmin();
        orgA = app.adminOrgId();
        UUID bare = app.createUser(superAdmin, orgA, "bare@example.test", "Bare-Password-123!");
        HttpResponse<String> stripped = app.putJson("/v1/orgs/" + orgA + "/users/" + bare + "/roles", "{\"roles\":[]}", superAdmin);
        assertThat(stripped.statusCode()).as(stripped.body()).isEqualTo(200);
        noPermissionToken = app.login("bare@example.test", "Bare-Password-123!");
        orgB = app.createOrg(superAdmin, "Other Org");
        app.createUser(superAdmin, orgB, "admin-b@example.test", "Admin-B-Password-1!", "admin");
        otherOrgAdminToken = app.login("admin-b@example.test", "Admin-B-Password-1!");
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void everyRouteIsDeclared() {
        assertThat(routes).hasSizeGreaterThan(4);
        SoftAssertions soft = new SoftAssertions();
        for (Route r : routes) {
            String name = r.method() + " " + r.path();
            soft.assertThat(r.access()).as(name).isNotNull();
            soft.assertThat(r.access().category()).as(name + " rate category").isNotNull();
            if (r.access().isPublic()) {
                soft.assertThat(PUBLIC_PREFIXES.stream().anyMatch(r.path()::startsWith))
                        .as(name + " is public outside " + PUBLIC_PREFIXES).isTrue();
                soft.assertThat(r.orgScoped()).as(name + " is org-scoped and public").isFalse();
            }
            if (r.orgScoped() && !r.access().isPublic()) {
                soft.assertThat(r.access().permissions()).as(name + " is org-scoped without a permission").isNotEmpty();
            }
        }
        soft.assertAll();
    }

    /**
     * The split an organization's admin relies on: every permission a route demands is in the catalogue, and only
     * routes inside an organization (where tenant isolation confines the caller) demand an org-scoped one, so
     * holding it never reaches across organizations; the platform's routes demand a platform permission.
     */
    @Test
    void everyRoutePermissionIsCataloguedAndOrgPermissionsGuardOnlyOrgRoutes() {
        SoftAssertions soft = new SoftAssertions();
        for (Route r : routes) {
            for (Permission p : r.access().permissions()) {
                Optional<PermissionCatalogue> entry = PermissionCatalogue.of(p);
                soft.assertThat(entry).as(r.name() + " demands " + p + ", not in the catalogue").isPresent();
                if (entry.isPresent() && !r.orgScoped()) {
                    soft.assertThat(entry.get().scope()).as(r.name() + " is outside an organization but demands " + p)
                            .isEqualTo(PermissionCatalogue.Scope.PLATFORM);
                }
            }
        }
        soft.assertAll();
        // An org admin holds every org permission but reveal:credentials, and no platform one.
        PermissionSet admin = PermissionSet.of(List.of(Role.ADMIN), List.of());
        for (PermissionCatalogue e : PermissionCatalogue.values()) {
            boolean expected = e.scope() == PermissionCatalogue.Scope.ORG && e != PermissionCatalogue.REVEAL_CREDENTIALS;
            assertThat(admin.allows(e.permission())).as(e.permission().toString()).isEqualTo(expected);
        }
    }

    @Test
    void everyProtectedRouteRefusesAMissingOrBadToken() {
        SoftAssertions soft = new SoftAssertions();
        for (Route r : protectedRoutes()) {
            String path = fill(r.path(), orgA);
            HttpResponse<String> none = app.send(request(r, path).build());
            soft.assertThat(none.statusCode()).as("no token: " + r.method() + " " + r.path()).isEqualTo(401);
            soft.assertThat(none.body()).as(r.path()).contains("\"error\"");
            HttpResponse<String> forged = app.send(request(r, path).header("Authorization", "Bearer eyJhbGciOiJub25lIn0.e30.").build());
            soft.assertThat(forged.statusCode()).as("forged token: " + r.method() + " " + r.path()).isEqualTo(401);
        }
        soft.assertAll();
    }

    @Test
    void everyRouteNeedingAPermissionRefusesATokenWithoutIt() {
        SoftAssertions soft = new SoftAssertions();
        int checked = 0;
        for (Route r : protectedRoutes()) {
            if (r.access().permissions().isEmpty()) {
                continue;
            }
            checked++;
            HttpResponse<String> res = app.send(request(r, fill(r.path(), orgA)).header("Authorization", "Bearer " + noPermissionToken).build());
            soft.assertThat(res.statusCode()).as("no permission: " + r.method() + " " + r.path() + " " + res.body()).isEqualTo(403);
        }
        soft.assertAll();
        assertThat(checked).isGreaterThanOrEqualTo(3);
    }

    @Test
    void everyOrgScopedRouteIsNotFoundForAnotherOrganizationsAdmin() {
        SoftAssertions soft = new SoftAssertions();
        int checked = 0;
        for (Route r : protectedRoutes()) {
            if (!r.orgScoped()) {
                continue;
            }
            checked++;
            for (UUID target : new UUID[] {orgA, UUID.randomUUID()}) {
                HttpResponse<String> res = app.send(request(r, fill(r.path(), target)).header("Authorization", "Bearer " + otherOrgAdminToken).build());
                soft.assertThat(res.statusCode()).as("other org: " + r.method() + " " + r.path() + " " + res.body()).isEqualTo(404);
            }
        }
        soft.assertAll();
        assertThat(checked).isGreaterThanOrEqualTo(3);
    }

    @Test
    void superAdminIsExemptFromTenantIsolation() {
        HttpResponse<String> r = app.get("/v1/orgs/" + orgB + "/security-config", app.loginAdmin());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    private static List<Route> protectedRoutes() {
        List<Route> out = new ArrayList<>();
        for (Route r : routes) {
            if (!r.access().isPublic()) {
                out.add(r);
            }
        }
        return out;
    }

    private static HttpRequest.Builder request(Route r, String path) {
        HttpRequest.Builder b = app.request(path).header("Content-Type", "application/json");
        return switch (r.method().name()) {
            case "GET" -> b.GET();
            case "DELETE" -> b.DELETE();
            default -> b.method(r.method().name(), HttpRequest.BodyPublishers.ofString("{}"));
        };
    }

    /** {orgId} becomes {@code org}; every other parameter a random UUID. */
    static String fill(String template, UUID org) {
        Matcher m = PARAM.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            m.appendReplacement(sb, name.equals("orgId") ? org.toString() : UUID.randomUUID().toString());
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
