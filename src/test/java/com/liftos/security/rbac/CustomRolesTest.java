package com.liftos.security.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.identity.PermissionCatalogue;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Custom roles of an organization: made by its admin from org-scoped permissions they hold, assigned like built-in
 * roles, carried by tokens; attacked for escalation (a permission not held, a platform permission, a wildcard, a
 * built-in role's name, a holder of manage:users reaching for more) and for stale tokens after a permission goes.
 */
class CustomRolesTest {
    static TestApp app;
    static String superAdmin;
    static UUID org;
    static String admin;
    static String roles;

    @BeforeAll
    static void start() {
        app = TestApp.start();
        superAdmin = app.loginAdmin();
        org = app.createOrg(superAdmin, "Roles Org");
        app.createUser(superAdmin, org, "roles-org-admin@example.test", "Roles-Org-Admin1!", "admin");
        admin = app.login("roles-org-admin@example.test", "Roles-Org-Admin1!");
        roles = "/v1/orgs/" + org + "/roles";
        // room for the sessions these tests open
        assertThat(app.putJson("/v1/orgs/" + org + "/security-config", "{\"max_concurrent_sessions\":50}", superAdmin).statusCode())
                .isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    private static JsonNode create(String body, String token) {
        HttpResponse<String> r = app.postJson(roles, body, token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return app.json(r);
    }

    private static JsonNode permissionsOf(String token) {
        String payload = token.split("\\.")[1];
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(java.util.Base64.getUrlDecoder().decode(payload))
                    .get("permissions");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anAdminMakesARoleAndItsHoldersTokensCarryIt() {
        JsonNode role = create("{\"name\":\"auditor\",\"description\":\"reads the trail\",\"permissions\":[\"view:audit_logs\",\"read:connections\"]}", admin);
        assertThat(role.get("permissions").toString()).isEqualTo("[\"read:connections\",\"view:audit_logs\"]");
        assertThat(app.json(app.get(roles + "/" + role.get("id").asText(), admin)).get("name").asText()).isEqualTo("auditor");

        UUID user = app.createUser(admin, org, "auditor@example.test", "Auditor-Pass-12!", "auditor");
        String token = app.login("auditor@example.test", "Auditor-Pass-12!");
        assertThat(permissionsOf(token).toString()).isEqualTo("[\"read:connections\",\"view:audit_logs\"]");
        assertThat(app.get("/v1/orgs/" + org + "/audit", token).statusCode()).isEqualTo(200);
        assertThat(app.get("/v1/orgs/" + org + "/credentials", token).statusCode()).isEqualTo(200);
        assertThat(app.get("/v1/orgs/" + org + "/security-config", token).statusCode()).isEqualTo(403);
        assertThat(app.get("/v1/orgs/" + org + "/users", token).statusCode()).isEqualTo(403);

        // assigned through PUT roles as well, alongside a built-in role
        HttpResponse<String> set = app.putJson("/v1/orgs/" + org + "/users/" + user + "/roles", "{\"roles\":[\"viewer\",\"auditor\"]}", admin);
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        assertThat(app.json(set).get("roles").toString()).isEqualTo("[\"viewer\",\"auditor\"]");
        assertThat(permissionsOf(app.login("auditor@example.test", "Auditor-Pass-12!")).toString())
                .isEqualTo("[\"read:*\",\"read:connections\",\"view:audit_logs\"]");

        // the user listing filters on a custom role like on a built-in one; a role the org lacks is a 400
        JsonNode holders = app.json(app.get("/v1/orgs/" + org + "/users?role=auditor", admin));
        assertThat(holders.get("items").findValuesAsText("email")).containsExactly("auditor@example.test");
        assertThat(app.get("/v1/orgs/" + org + "/users?role=no-such-role", admin).statusCode()).isEqualTo(400);
    }

    @Test
    void noRoleGrantsWhatItsMakerLacksOrWhatIsPlatformWide() {
        // reveal:credentials: org-scoped, but an admin does not hold it
        HttpResponse<String> reveal = app.postJson(roles, "{\"name\":\"revealer\",\"permissions\":[\"reveal:credentials\"]}", admin);
        assertThat(reveal.statusCode()).isEqualTo(403);
        assertThat(reveal.body()).contains("reveal:credentials");
        for (String bad : List.of("manage:system", "*", "read:*", "view:*", "launch:missiles", "not a permission")) {
            HttpResponse<String> r = app.postJson(roles, app.body(java.util.Map.of("name", "bad-role", "permissions", List.of(bad))), admin);
            assertThat(r.statusCode()).as(bad + " " + r.body()).isEqualTo(400);
        }
        // not even a super admin puts a platform permission in a role
        assertThat(app.postJson(roles, "{\"name\":\"platform\",\"permissions\":[\"manage:system\"]}", superAdmin).statusCode()).isEqualTo(400);
        assertThat(app.postJson(roles, "{\"name\":\"admin\",\"permissions\":[\"read:data\"]}", admin).statusCode()).isEqualTo(400);
        assertThat(app.postJson(roles, "{\"name\":\"Has Spaces\",\"permissions\":[\"read:data\"]}", admin).statusCode()).isEqualTo(400);
        assertThat(app.postJson(roles, "{\"name\":\"empty\",\"permissions\":[]}", admin).statusCode()).isEqualTo(400);
        assertThat(app.postJson(roles, "{\"name\":\"nolist\"}", admin).statusCode()).isEqualTo(400);
        assertThat(app.get(roles, admin).body()).doesNotContain("revealer").doesNotContain("bad-role").doesNotContain("platform");
    }

    @Test
    void aHolderOfManageUsersCannotClimbAboveTheirOwnPermissions() {
        create("{\"name\":\"people-admin\",\"permissions\":[\"manage:users\",\"read:data\"]}", admin);
        UUID self = app.createUser(admin, org, "people@example.test", "People-Admin-12!", "people-admin");
        String people = app.login("people@example.test", "People-Admin-12!");
        // no role with more than they hold...
        assertThat(app.postJson(roles, "{\"name\":\"sneaky\",\"permissions\":[\"view:audit_logs\"]}", people).statusCode()).isEqualTo(403);
        // ...and no built-in role with more either, to themselves or to a new user
        String path = "/v1/orgs/" + org + "/users/" + self + "/roles";
        assertThat(app.putJson(path, "{\"roles\":[\"people-admin\",\"admin\"]}", people).statusCode()).isEqualTo(403);
        assertThat(app.postJson("/v1/orgs/" + org + "/users",
                "{\"email\":\"crony@example.test\",\"password\":\"Crony-Password-12!\",\"roles\":[\"admin\"]}", people).statusCode())
                .isEqualTo(400);
        // what they hold, they may hand out
        HttpResponse<String> ok = app.postJson(roles, "{\"name\":\"data-reader\",\"permissions\":[\"read:data\"]}", people);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
        // an admin's role (view:audit_logs) is beyond them: neither changed nor deleted
        JsonNode auditors = create("{\"name\":\"trail-readers\",\"permissions\":[\"view:audit_logs\"]}", admin);
        String one = roles + "/" + auditors.get("id").asText();
        assertThat(app.putJson(one, "{\"permissions\":[\"read:data\"]}", people).statusCode()).isEqualTo(403);
        assertThat(app.delete(one, people).statusCode()).isEqualTo(403);
        // and they cannot add to their own role what they lack
        String own = null;
        for (JsonNode r : app.json(app.get(roles + "?limit=200", admin)).get("items")) {
            if (r.get("name").asText().equals("people-admin")) {
                own = roles + "/" + r.get("id").asText();
            }
        }
        assertThat(own).isNotNull();
        assertThat(app.putJson(own, "{\"permissions\":[\"manage:users\",\"read:data\",\"view:audit_logs\"]}", people).statusCode())
                .isEqualTo(403);
    }

    @Test
    void takingAPermissionAwayEndsTheHoldersSessions() {
        JsonNode role = create("{\"name\":\"shrinking\",\"permissions\":[\"view:audit_logs\",\"read:data\"]}", admin);
        app.createUser(admin, org, "shrink@example.test", "Shrink-Pass-123!", "shrinking");
        JsonNode signedIn = app.loginResponse("shrink@example.test", "Shrink-Pass-123!");
        String token = signedIn.get("access_token").asText();
        assertThat(app.get("/v1/orgs/" + org + "/audit", token).statusCode()).isEqualTo(200);
        String one = roles + "/" + role.get("id").asText();

        // adding keeps the sessions (the addition arrives with the next sign-in or refresh)
        HttpResponse<String> grow = app.putJson(one, "{\"permissions\":[\"view:audit_logs\",\"read:data\",\"read:connections\"]}", admin);
        assertThat(grow.statusCode()).as(grow.body()).isEqualTo(200);
        assertThat(app.get("/v1/me", token).statusCode()).isEqualTo(200);
        HttpResponse<String> refreshed = app.postJson("/v1/auth/refresh",
                app.body(java.util.Map.of("refresh_token", signedIn.get("refresh_token").asText())));
        assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
        assertThat(permissionsOf(app.json(refreshed).get("access_token").asText()).toString())
                .isEqualTo("[\"read:connections\",\"read:data\",\"view:audit_logs\"]");

        HttpResponse<String> shrink = app.putJson(one, "{\"description\":\"less\",\"permissions\":[\"read:data\"]}", admin);
        assertThat(shrink.statusCode()).as(shrink.body()).isEqualTo(200);
        assertThat(app.json(shrink).get("description").asText()).isEqualTo("less");
        // the stale token carried view:audit_logs: it no longer works at all
        assertThat(app.get("/v1/orgs/" + org + "/audit", token).statusCode()).isEqualTo(401);
        String fresh = app.login("shrink@example.test", "Shrink-Pass-123!");
        assertThat(permissionsOf(fresh).toString()).isEqualTo("[\"read:data\"]");
        assertThat(app.get("/v1/orgs/" + org + "/audit", fresh).statusCode()).isEqualTo(403);
        // a name never changes: users hold the role by it
        assertThat(app.putJson(one, "{\"name\":\"renamed\",\"permissions\":[\"read:data\"]}", admin).statusCode()).isEqualTo(400);
    }

    @Test
    void aRoleStillHeldIsNotDeletedAndNamesAreUnique() {
        JsonNode role = create("{\"name\":\"temporary\",\"permissions\":[\"read:data\"]}", admin);
        assertThat(app.postJson(roles, "{\"name\":\"temporary\",\"permissions\":[\"read:data\"]}", admin).statusCode()).isEqualTo(409);
        UUID user = app.createUser(admin, org, "temp@example.test", "Temporary-Pass1!", "temporary");
        String one = roles + "/" + role.get("id").asText();
        HttpResponse<String> held = app.delete(one, admin);
        assertThat(held.statusCode()).isEqualTo(409);
        assertThat(app.json(held).at("/error/code").asText()).isEqualTo("role_in_use");
        assertThat(app.putJson("/v1/orgs/" + org + "/users/" + user + "/roles", "{\"roles\":[\"viewer\"]}", admin).statusCode()).isEqualTo(200);
        assertThat(app.delete(one, admin).statusCode()).isEqualTo(204);
        assertThat(app.get(one, admin).statusCode()).isEqualTo(404);
        assertThat(app.delete(one, admin).statusCode()).isEqualTo(404);
        // a deleted role can no longer be given
        assertThat(app.putJson("/v1/orgs/" + org + "/users/" + user + "/roles", "{\"roles\":[\"temporary\"]}", admin).statusCode())
                .isEqualTo(400);
    }

    @Test
    void anotherOrganizationsRolesAreNeitherSeenNorAssignable() {
        UUID other = app.createOrg(superAdmin, "Roles Other Org");
        app.createUser(superAdmin, other, "roles-other@example.test", "Roles-Other-Adm1!", "admin");
        String otherAdmin = app.login("roles-other@example.test", "Roles-Other-Adm1!");
        JsonNode role = create("{\"name\":\"only-here\",\"permissions\":[\"read:data\"]}", admin);
        assertThat(app.get(roles, otherAdmin).statusCode()).isEqualTo(404);
        assertThat(app.get(roles + "/" + role.get("id").asText(), otherAdmin).statusCode()).isEqualTo(404);
        assertThat(app.delete(roles + "/" + role.get("id").asText(), otherAdmin).statusCode()).isEqualTo(404);
        // a role of org A's name means nothing in org B
        UUID bUser = app.createUser(otherAdmin, other, "b-user@example.test", "B-User-Password1!");
        assertThat(app.putJson("/v1/orgs/" + other + "/users/" + bUser + "/roles", "{\"roles\":[\"only-here\"]}", otherAdmin).statusCode())
                .isEqualTo(400);
        // nor is org A's role reachable by id through org B
        assertThat(app.get("/v1/orgs/" + other + "/roles/" + role.get("id").asText(), otherAdmin).statusCode()).isEqualTo(404);
    }

    @Test
    void theListIsCursorPaged() {
        UUID paged = app.createOrg(superAdmin, "Paged Roles Org");
        String base = "/v1/orgs/" + paged + "/roles";
        for (String name : List.of("paged-c", "paged-a", "paged-b")) {
            assertThat(app.postJson(base, "{\"name\":\"" + name + "\",\"permissions\":[\"read:data\"]}", superAdmin).statusCode()).isEqualTo(201);
        }
        JsonNode first = app.json(app.get(base + "?limit=2", superAdmin));
        assertThat(first.get("total").asInt()).isEqualTo(3);
        assertThat(first.get("items").findValuesAsText("name")).containsExactly("paged-a", "paged-b");
        JsonNode second = app.json(app.get(base + "?limit=2&cursor=" + first.get("next_cursor").asText(), superAdmin));
        assertThat(second.get("items").findValuesAsText("name")).containsExactly("paged-c");
        assertThat(second.get("next_cursor").isNull()).isTrue();
        assertThat(second.has("total")).isFalse();
        assertThat(app.get(base + "?cursor=garbage", superAdmin).statusCode()).isEqualTo(400);
        assertThat(app.get(base + "?limit=0", superAdmin).statusCode()).isEqualTo(400);
        assertThat(app.get(base + "?q=x", superAdmin).statusCode()).isEqualTo(400);
    }

    @Test
    void theContractListsExactlyTheCataloguesOrgPermissions() {
        JsonNode doc = app.json(app.get("/openapi.json"));
        List<String> documented = new ArrayList<>();
        doc.at("/components/schemas/OrgPermission/enum").forEach(n -> documented.add(n.asText()));
        List<String> catalogue = Arrays.stream(PermissionCatalogue.values()).filter(e -> e.scope() == PermissionCatalogue.Scope.ORG)
                .map(e -> e.permission().toString()).toList();
        assertThat(documented).containsExactlyInAnyOrderElementsOf(catalogue);
    }
}
