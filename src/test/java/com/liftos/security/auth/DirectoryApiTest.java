package com.liftos.security.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.auth.account.Accounts;
import com.liftos.security.testing.TestApp;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin plane's listings and lookups against PostgreSQL: every user of an organization exactly once across its
 * pages however the organization changes meanwhile, filters and search, one user in full, a user's sessions paged
 * and ended (their tokens stop working), and what must be refused: another organization (404), callers without the
 * permission (403), organizations listed by anyone but a super admin, a super admin's sessions ended by an org admin,
 * and every malformed parameter (400 naming it).
 */
class DirectoryApiTest {
    private static final String PASSWORD = "Paging-Password-1!";
    private static final int USERS = 250;

    static TestApp app;
    static String superAdmin;
    static UUID org;
    static String orgPath;
    static String orgAdmin;
    static UUID orgAdminId;

    @BeforeAll
    static void start() {
        app = TestApp.start();
        superAdmin = app.loginAdmin();
        org = app.createOrg(superAdmin, "Directory Org");
        orgPath = "/v1/orgs/" + org;
        orgAdminId = app.createUser(superAdmin, org, "boss@directory.test", PASSWORD, "admin");
        orgAdmin = app.login("boss@directory.test", PASSWORD);
        for (int i = 0; i < USERS - 1; i++) {
            Map<String, Object> body = new HashMap<>();
            body.put("email", "user-%03d@directory.test".formatted(i));
            body.put("password", PASSWORD);
            body.put("roles", List.of(i % 10 == 0 ? "analyst" : "viewer"));
            if (i % 50 == 0) {
                body.put("display_name", "Zelda " + i);
            }
            HttpResponse<String> r = app.postJson(orgPath + "/users", app.body(body), orgAdmin);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        }
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void pagingThroughEveryUserGivesEachOnceInOrderWhateverIsAddedMeanwhile() {
        JsonNode first = page(orgPath + "/users?limit=100", orgAdmin);
        assertThat(first.get("items")).hasSize(100);
        long total = first.get("total").asLong();
        assertThat(total).as("the 250 users, and those other tests of this class added").isBetween((long) USERS, 290L);
        // Added while paging: one before the cursor (never shown), one after it (shown on a later page).
        app.createUser(orgAdmin, org, "aaa-late@directory.test", PASSWORD);
        app.createUser(orgAdmin, org, "zzz-late@directory.test", PASSWORD);
        List<String> emails = new ArrayList<>(emails(first));
        String cursor = first.get("next_cursor").asText();
        int pages = 1;
        while (true) {
            JsonNode next = page(orgPath + "/users?limit=100&cursor=" + cursor, orgAdmin);
            assertThat(next.has("total")).as("total on the first page only").isFalse();
            emails.addAll(emails(next));
            pages++;
            if (next.get("next_cursor").isNull()) {
                break;
            }
            cursor = next.get("next_cursor").asText();
        }
        assertThat(pages).isEqualTo(3);
        assertThat(emails).hasSize((int) total + 1).doesNotHaveDuplicates().contains("zzz-late@directory.test")
                .doesNotContain("aaa-late@directory.test").isSorted();
        assertThat(emails).contains("boss@directory.test", "user-000@directory.test", "user-248@directory.test");
        // The same pages again: stable.
        assertThat(emails(page(orgPath + "/users?limit=100", orgAdmin))).startsWith("aaa-late@directory.test");
    }

    @Test
    void qMatchesTheStartOfTheEmailOrOfTheNameCaseInsensitively() {
        JsonNode byEmail = page(orgPath + "/users?q=USER-01&limit=200", orgAdmin);
        assertThat(emails(byEmail)).hasSize(10).allMatch(e -> e.startsWith("user-01"));
        assertThat(byEmail.get("total").asLong()).isEqualTo(10);
        assertThat(emails(page(orgPath + "/users?q=zel", orgAdmin))).containsExactly("user-000@directory.test", "user-050@directory.test",
                "user-100@directory.test", "user-150@directory.test", "user-200@directory.test");
        // Matched by its email and its name: listed and counted once, also across pages.
        HttpResponse<String> created = app.postJson(orgPath + "/users", app.body(Map.of("email", "zelda.both@directory.test",
                "password", PASSWORD, "roles", List.of("viewer"), "display_name", "Zelda Both")), orgAdmin);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode both = page(orgPath + "/users?q=ZEL&limit=2", orgAdmin);
        assertThat(both.get("total").asLong()).isEqualTo(6);
        List<String> walked = new ArrayList<>(emails(both));
        while (both.hasNonNull("next_cursor")) {
            both = page(orgPath + "/users?q=ZEL&limit=2&cursor=" + both.get("next_cursor").asText(), orgAdmin);
            walked.addAll(emails(both));
        }
        assertThat(walked).containsExactly("user-000@directory.test", "user-050@directory.test", "user-100@directory.test",
                "user-150@directory.test", "user-200@directory.test", "zelda.both@directory.test");
        // LIKE's wildcards are plain characters in q.
        assertThat(page(orgPath + "/users?q=" + URLEncoder.encode("user_0%", StandardCharsets.UTF_8), orgAdmin).get("items")).isEmpty();
        assertThat(page(orgPath + "/users?q=nobody", orgAdmin).get("total").asLong()).isZero();
    }

    @Test
    void filtersOnStatusRoleMfaAndLastSignIn() {
        UUID disabled = app.createUser(orgAdmin, org, "gone-1@directory.test", PASSWORD);
        assertThat(app.postJson(orgPath + "/users/" + disabled + "/disable", "", orgAdmin).statusCode()).isEqualTo(200);
        assertThat(emails(page(orgPath + "/users?status=disabled", orgAdmin))).containsExactly("gone-1@directory.test");
        JsonNode analysts = page(orgPath + "/users?role=analyst&limit=200", orgAdmin);
        assertThat(analysts.get("total").asLong()).isEqualTo(25);
        analysts.get("items").forEach(u -> assertThat(u.get("roles").toString()).contains("analyst"));

        UUID withMfa = idOf("user-123@directory.test");
        enableFactor(withMfa);
        JsonNode mfa = page(orgPath + "/users?mfa=true", orgAdmin);
        assertThat(emails(mfa)).contains("user-123@directory.test").doesNotContain("user-122@directory.test");
        mfa.get("items").forEach(u -> assertThat(u.get("mfa_enabled").asBoolean()).isTrue());
        assertThat(mfa.has("total")).isFalse();
        assertThat(mfa.get("next_cursor").isNull()).isTrue();
        // Without MFA, paged: every other user, once.
        Set<String> without = new HashSet<>();
        String cursor = "";
        do {
            JsonNode p = page(orgPath + "/users?mfa=false&limit=120" + cursor, orgAdmin);
            p.get("items").forEach(u -> assertThat(without.add(u.get("email").asText())).isTrue());
            cursor = p.get("next_cursor").isNull() ? null : "&cursor=" + p.get("next_cursor").asText();
        } while (cursor != null);
        assertThat(without).doesNotContain("user-123@directory.test").contains("user-122@directory.test", "boss@directory.test");

        app.login("user-007@directory.test", PASSWORD);
        String hourAgo = Instant.now().minus(Duration.ofHours(1)).toString();
        JsonNode stale = page(orgPath + "/users?limit=200&last_login_before=" + hourAgo, orgAdmin);
        assertThat(emails(stale)).doesNotContain("user-007@directory.test", "boss@directory.test").contains("user-008@directory.test");
        JsonNode active = page(orgPath + "/users/" + idOf("user-007@directory.test"), orgAdmin);
        assertThat(Instant.parse(active.get("last_login_at").asText())).isAfter(Instant.parse(hourAgo));
    }

    @Test
    void oneUserInFullWithFactorsDevicesLocksAndLastSignIn() {
        UUID id = app.createUser(orgAdmin, org, "full@directory.test", PASSWORD, "manager");
        JsonNode fresh = page(orgPath + "/users/" + id, orgAdmin);
        assertThat(fresh.has("last_login_at")).isFalse();
        assertThat(fresh.get("devices")).isEmpty();
        assertThat(fresh.at("/mfa/enabled").asBoolean()).isFalse();
        app.login("full@directory.test", PASSWORD);
        enableFactor(id);
        app.app().auth().accounts().lock(id, Instant.now().plus(Duration.ofHours(1)), "test", Accounts.Actor.system());
        JsonNode user = page(orgPath + "/users/" + id, orgAdmin);
        assertThat(user.get("email").asText()).isEqualTo("full@directory.test");
        assertThat(user.get("roles").toString()).contains("manager");
        assertThat(user.has("last_login_at")).isTrue();
        assertThat(user.get("active_sessions").asInt()).isEqualTo(1);
        assertThat(user.get("devices")).hasSize(1);
        assertThat(user.at("/devices/0/last_ip").asText()).isEqualTo("127.0.0.1");
        assertThat(user.at("/mfa/enabled").asBoolean()).isTrue();
        assertThat(user.at("/mfa/methods/0/method").asText()).isEqualTo("email");
        assertThat(user.at("/lock/account_locked").asBoolean()).isTrue();
        assertThat(user.at("/lock/unknown_devices_locked").asBoolean()).isFalse();
        assertThat(user.toString()).doesNotContain("password", "secret", "hash");
    }

    @Test
    void aUsersSessionsArePagedNewestFirstAndEndingThemStopsTheirTokens() {
        UUID id = app.createUser(orgAdmin, org, "sessions@directory.test", PASSWORD);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            tokens.add(app.login("sessions@directory.test", PASSWORD));
        }
        String base = orgPath + "/users/" + id + "/sessions";
        List<String> ids = new ArrayList<>();
        JsonNode p = page(base + "?limit=1", orgAdmin);
        assertThat(p.get("total").asInt()).isEqualTo(3);
        while (true) {
            assertThat(p.get("items")).hasSize(1);
            ids.add(p.at("/items/0/id").asText());
            if (p.get("next_cursor").isNull()) {
                break;
            }
            p = page(base + "?limit=1&cursor=" + p.get("next_cursor").asText(), orgAdmin);
        }
        assertThat(ids).hasSize(3).doesNotHaveDuplicates();
        String newest = app.json(app.get("/v1/me", tokens.get(2))).get("session_id").asText();
        assertThat(ids.get(0)).isEqualTo(newest);

        assertThat(app.delete(base + "/" + newest, orgAdmin).statusCode()).isEqualTo(204);
        assertThat(app.get("/v1/me", tokens.get(2)).statusCode()).isEqualTo(401);
        assertThat(app.get("/v1/me", tokens.get(0)).statusCode()).isEqualTo(200);
        assertThat(app.delete(base + "/" + newest, orgAdmin).statusCode()).as("already ended").isEqualTo(404);
        assertThat(page(base + "?status=ended", orgAdmin).at("/items/0/end_reason").asText()).isEqualTo("revoked_by_admin");

        HttpResponse<String> all = app.delete(base, orgAdmin);
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(app.json(all).get("sessions_ended").asInt()).isEqualTo(2);
        assertThat(app.get("/v1/me", tokens.get(0)).statusCode()).isEqualTo(401);
        assertThat(page(base, orgAdmin).get("items")).isEmpty();
        assertThat(page(base + "?status=all", orgAdmin).get("total").asInt()).isEqualTo(3);
        JsonNode audit = page(orgPath + "/audit?type=session_revoked", superAdmin);
        assertThat(audit.get("events").toString()).contains("revoke_all_sessions", "revoke_session");
    }

    @Test
    void anotherUsersSessionCannotBeEndedThroughThisUsersPath() {
        UUID a = app.createUser(orgAdmin, org, "victim-a@directory.test", PASSWORD);
        app.createUser(orgAdmin, org, "victim-b@directory.test", PASSWORD);
        String tokenB = app.login("victim-b@directory.test", PASSWORD);
        String sessionB = app.json(app.get("/v1/me", tokenB)).get("session_id").asText();
        assertThat(app.delete(orgPath + "/users/" + a + "/sessions/" + sessionB, orgAdmin).statusCode()).isEqualTo(404);
        assertThat(app.get("/v1/me", tokenB).statusCode()).isEqualTo(200);
    }

    @Test
    void anotherOrganizationsUsersAreNotFound() {
        UUID otherOrg = app.createOrg(superAdmin, "Directory Elsewhere");
        UUID stranger = app.createUser(superAdmin, otherOrg, "stranger@elsewhere.test", PASSWORD, "admin");
        String strangerToken = app.login("stranger@elsewhere.test", PASSWORD);
        UUID member = idOf("user-001@directory.test");
        for (String path : List.of(orgPath, orgPath + "/users", orgPath + "/users/" + member, orgPath + "/users/" + member + "/sessions")) {
            assertThat(app.get(path, strangerToken).statusCode()).as(path).isEqualTo(404);
        }
        assertThat(app.delete(orgPath + "/users/" + member + "/sessions", strangerToken).statusCode()).isEqualTo(404);
        // The stranger through this organization's path, even for a super admin: not a member here.
        assertThat(app.get(orgPath + "/users/" + stranger, superAdmin).statusCode()).isEqualTo(404);
        assertThat(app.get(orgPath + "/users/" + stranger + "/sessions", superAdmin).statusCode()).isEqualTo(404);
        assertThat(app.delete(orgPath + "/users/" + stranger + "/sessions", superAdmin).statusCode()).isEqualTo(404);
        assertThat(app.get("/v1/orgs/" + UUID.randomUUID(), superAdmin).statusCode()).isEqualTo(404);
        assertThat(emails(page(orgPath + "/users?q=stranger", superAdmin))).isEmpty();
    }

    @Test
    void callersWithoutThePermissionAreRefused() {
        app.createUser(orgAdmin, org, "plain@directory.test", PASSWORD, "manager");
        String plain = app.login("plain@directory.test", PASSWORD);
        UUID member = idOf("user-002@directory.test");
        for (String path : List.of(orgPath, orgPath + "/users", orgPath + "/users/" + member, orgPath + "/users/" + member + "/sessions",
                "/v1/orgs")) {
            assertThat(app.get(path, plain).statusCode()).as(path).isEqualTo(403);
        }
        assertThat(app.delete(orgPath + "/users/" + member + "/sessions", plain).statusCode()).isEqualTo(403);
        // An organization's admin manages its users but does not list the platform's organizations.
        assertThat(app.get("/v1/orgs", orgAdmin).statusCode()).isEqualTo(403);
        assertThat(app.get(orgPath, orgAdmin).statusCode()).isEqualTo(200);
    }

    /** manage:system granted to a service account still does not list every tenant: that is a super admin's. */
    @Test
    void onlyASuperAdminListsOrganizationsEvenWithManageSystem() {
        HttpResponse<String> created = app.postJson("/v1/orgs/" + app.adminOrgId() + "/service-accounts",
                "{\"name\":\"platform-bot\",\"permissions\":[\"manage:system\"]}", superAdmin);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode sa = app.json(created);
        String basic = Base64.getEncoder().encodeToString((sa.get("client_id").asText() + ":" + sa.get("client_secret").asText())
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> token = app.send(app.request("/oauth2/token").header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build());
        assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
        HttpResponse<String> r = app.get("/v1/orgs", app.json(token).get("access_token").asText());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
    }

    @Test
    void organizationsArePagedByNameForASuperAdmin() {
        for (int i = 0; i < 5; i++) {
            app.createOrg(superAdmin, "Paged Org " + i);
        }
        JsonNode first = page("/v1/orgs?q=paged%20org&limit=2", superAdmin);
        assertThat(first.get("total").asInt()).isEqualTo(5);
        List<String> names = new ArrayList<>();
        first.get("items").forEach(o -> names.add(o.get("name").asText()));
        JsonNode p = first;
        while (!p.get("next_cursor").isNull()) {
            p = page("/v1/orgs?q=paged%20org&limit=2&cursor=" + p.get("next_cursor").asText(), superAdmin);
            p.get("items").forEach(o -> names.add(o.get("name").asText()));
        }
        assertThat(names).containsExactly("Paged Org 0", "Paged Org 1", "Paged Org 2", "Paged Org 3", "Paged Org 4");
        JsonNode one = page(orgPath, superAdmin);
        assertThat(one.get("name").asText()).isEqualTo("Directory Org");
        assertThat(one.at("/users/active").asInt()).isGreaterThanOrEqualTo(USERS);
    }

    @Test
    void onlyASuperAdminEndsASuperAdminsSessions() {
        app.createUser(superAdmin, org, "root@directory.test", PASSWORD, "super_admin");
        UUID root = idOf("root@directory.test");
        String rootToken = app.login("root@directory.test", PASSWORD);
        HttpResponse<String> r = app.delete(orgPath + "/users/" + root + "/sessions", orgAdmin);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(app.get("/v1/me", rootToken).statusCode()).isEqualTo(200);
        assertThat(app.delete(orgPath + "/users/" + root + "/sessions", superAdmin).statusCode()).isEqualTo(200);
        assertThat(app.get("/v1/me", rootToken).statusCode()).isEqualTo(401);
    }

    @Test
    void malformedParametersAre400sNamingTheParameter() {
        String cursorOfGarbage = Base64.getUrlEncoder().withoutPadding().encodeToString("not json".getBytes(StandardCharsets.UTF_8));
        String cursorOfOnePart = Base64.getUrlEncoder().withoutPadding().encodeToString("[\"a\"]".getBytes(StandardCharsets.UTF_8));
        String cursorOfBadId = Base64.getUrlEncoder().withoutPadding().encodeToString("[\"a\",\"b\"]".getBytes(StandardCharsets.UTF_8));
        String cursorOfNumbers = Base64.getUrlEncoder().withoutPadding().encodeToString("[1,2]".getBytes(StandardCharsets.UTF_8));
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("colour=red", "colour");
        cases.put("limit=0", "limit");
        cases.put("limit=201", "limit");
        cases.put("limit=ten", "limit");
        cases.put("limit=1&limit=2", "limit");
        cases.put("status=gone", "status");
        cases.put("role=wizard", "role");
        cases.put("mfa=yes", "mfa");
        cases.put("last_login_before=yesterday", "last_login_before");
        cases.put("q=", "q");
        cases.put("q=" + "a".repeat(255), "q");
        cases.put("cursor=%25%25", "cursor");
        cases.put("cursor=" + cursorOfGarbage, "cursor");
        cases.put("cursor=" + cursorOfOnePart, "cursor");
        cases.put("cursor=" + cursorOfBadId, "cursor");
        cases.put("cursor=" + cursorOfNumbers, "cursor");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> r = app.get(orgPath + "/users?" + c.getKey(), orgAdmin);
            assertThat(r.statusCode()).as(c.getKey() + " " + r.body()).isEqualTo(400);
            JsonNode error = app.json(r).get("error");
            assertThat(error.get("code").asText()).as(c.getKey()).isIn("invalid_parameter", "invalid_cursor");
            assertThat(error.get("message").asText()).as(c.getKey()).contains(c.getValue());
        }
        assertThat(app.get(orgPath + "/users/x/sessions?status=sleeping", orgAdmin).statusCode()).isEqualTo(404);
        UUID member = idOf("user-003@directory.test");
        assertThat(app.get(orgPath + "/users/" + member + "/sessions?status=sleeping", orgAdmin).statusCode()).isEqualTo(400);
        assertThat(app.get(orgPath + "/users/" + member + "/sessions?cursor=" + cursorOfBadId, orgAdmin).statusCode()).isEqualTo(400);
        assertThat(app.get("/v1/orgs?cursor=" + cursorOfOnePart, superAdmin).statusCode()).isEqualTo(400);
        assertThat(app.get("/v1/orgs?name=x", superAdmin).statusCode()).isEqualTo(400);
    }

    private static JsonNode page(String path, String token) {
        HttpResponse<String> r = app.get(path, token);
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        return app.json(r);
    }

    private static List<String> emails(JsonNode page) {
        List<String> out = new ArrayList<>();
        page.get("items").forEach(u -> out.add(u.get("email").asText()));
        return out;
    }

    private static UUID idOf(String email) {
        JsonNode p = page(orgPath + "/users?q=" + URLEncoder.encode(email, StandardCharsets.UTF_8), superAdmin);
        assertThat(p.get("items")).as(email).hasSize(1);
        return UUID.fromString(p.at("/items/0/id").asText());
    }

    /** An enabled email factor, written as the MFA feature stores one (the listing only asks whether one is enabled). */
    private static void enableFactor(UUID userId) {
        app.app().db().tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO mfa_methods (user_id, org_id, method, status, created_at, enabled_at)
                    VALUES (?, ?, 'email', 'active', now(), now())""")) {
                ps.setObject(1, userId);
                ps.setObject(2, org);
                return ps.executeUpdate();
            }
        });
    }
}
