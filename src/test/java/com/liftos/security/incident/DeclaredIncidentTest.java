package com.liftos.security.incident;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Incidents declared by hand (the guide's critical types no detector sees): the same lifecycle and response clock
 * as detected ones; only callers holding write:incidents declare, only in their own organization.
 */
class DeclaredIncidentTest {
    static TestApp app;
    static String superAdmin;
    static UUID org;
    static String admin;
    static String base;

    @BeforeAll
    static void start() {
        app = TestApp.start();
        superAdmin = app.loginAdmin();
        org = app.createOrg(superAdmin, "Declaring Org");
        app.createUser(superAdmin, org, "declarer@example.test", "Declarer-Pass-12!", "admin");
        admin = app.login("declarer@example.test", "Declarer-Pass-12!");
        base = "/v1/orgs/" + org + "/incidents";
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void aDeclaredBreachRunsTheCriticalClockAndTheUsualLifecycle() {
        HttpResponse<String> r = app.postJson(base,
                "{\"type\":\"data_breach\",\"title\":\"Customer export leaked\",\"description\":\"A CSV was found on a public bucket.\"}", admin);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode incident = app.json(r);
        assertThat(incident.get("type").asText()).isEqualTo("data_breach");
        assertThat(incident.get("severity").asText()).isEqualTo("critical");
        assertThat(incident.get("status").asText()).isEqualTo("open");
        assertThat(incident.get("title").asText()).isEqualTo("Customer export leaked");
        assertThat(incident.get("description").asText()).contains("public bucket");
        assertThat(incident.get("response_target_minutes").asInt()).isEqualTo(15);
        Instant opened = Instant.parse(incident.get("opened_at").asText());
        assertThat(Instant.parse(incident.get("respond_by").asText())).isEqualTo(opened.plus(Duration.ofMinutes(15)));
        assertThat(incident.get("overdue").asBoolean()).isFalse();

        String one = base + "/" + incident.get("id").asText();
        JsonNode read = app.json(app.get(one, admin));
        assertThat(read.at("/timeline/0/action").asText()).isEqualTo("declared");
        assertThat(read.at("/timeline/0/actor_id").asText()).isNotEmpty();
        assertThat(app.get(base, admin).body()).contains(incident.get("id").asText());

        HttpResponse<String> contained = app.postJson(one + "/actions", "{\"action\":\"contain\",\"note\":\"bucket closed\"}", admin);
        assertThat(contained.statusCode()).as(contained.body()).isEqualTo(200);
        assertThat(app.json(contained).get("status").asText()).isEqualTo("contained");
        HttpResponse<String> resolved = app.postJson(one + "/actions", "{\"action\":\"resolve\"}", admin);
        assertThat(app.json(resolved).get("status").asText()).isEqualTo("resolved");

        // audited as an opened incident like a detected one
        JsonNode audit = app.json(app.get("/v1/orgs/" + org + "/audit?type=incident_opened", admin));
        assertThat(audit.toString()).contains("declare_incident");
    }

    @Test
    void theSeverityMayBeChosenAndMovesTheClock() {
        JsonNode incident = app.json(app.postJson(base, "{\"type\":\"system_compromise\",\"severity\":\"high\",\"title\":\"Build host\"}", admin));
        assertThat(incident.get("severity").asText()).isEqualTo("high");
        assertThat(incident.get("response_target_minutes").asInt()).isEqualTo(60);
        // two declarations are two incidents, never merged into one
        JsonNode again = app.json(app.postJson(base, "{\"type\":\"system_compromise\",\"severity\":\"high\",\"title\":\"Build host\"}", admin));
        assertThat(again.get("id").asText()).isNotEqualTo(incident.get("id").asText());
    }

    @Test
    void badDeclarationsAreRefusedNamingTheField() {
        for (String body : new String[] {
                "{\"type\":\"brute_force_attack\",\"title\":\"x\"}",
                "{\"type\":\"alien_invasion\",\"title\":\"x\"}",
                "{\"title\":\"x\"}",
                "{\"type\":\"data_breach\"}",
                "{\"type\":\"data_breach\",\"title\":\"   \"}",
                "{\"type\":\"data_breach\",\"title\":\"x\",\"severity\":\"apocalyptic\"}",
                "{\"type\":\"data_breach\",\"title\":\"x\",\"extra\":1}"}) {
            HttpResponse<String> r = app.postJson(base, body, admin);
            assertThat(r.statusCode()).as(body + " " + r.body()).isEqualTo(400);
        }
        assertThat(app.postJson(base, "{\"type\":\"data_breach\",\"title\":\"" + "t".repeat(201) + "\"}", admin).statusCode()).isEqualTo(400);
    }

    @Test
    void aViewerDoesNotDeclareAndAnotherOrganizationIsNotFound() {
        app.createUser(superAdmin, org, "declaring-viewer@example.test", "Decl-Viewer-123!");
        String viewer = app.login("declaring-viewer@example.test", "Decl-Viewer-123!");
        assertThat(app.postJson(base, "{\"type\":\"data_breach\",\"title\":\"x\"}", viewer).statusCode()).isEqualTo(403);

        UUID other = app.createOrg(superAdmin, "Other Declaring Org");
        app.createUser(superAdmin, other, "other-declarer@example.test", "Other-Declarer-1!", "admin");
        String otherAdmin = app.login("other-declarer@example.test", "Other-Declarer-1!");
        assertThat(app.postJson(base, "{\"type\":\"data_breach\",\"title\":\"x\"}", otherAdmin).statusCode()).isEqualTo(404);
        assertThat(app.json(app.get(base, admin)).get("incidents").toString()).doesNotContain("\"title\":\"x\"");
    }
}
