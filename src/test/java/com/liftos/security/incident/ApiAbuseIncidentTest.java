package com.liftos.security.incident;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.liftos.security.testing.TestApp;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Rate-limit refusals (real 429s) open an api_abuse incident, and the org's security contacts get the notice over
 * real SMTP.
 */
class ApiAbuseIncidentTest {
    @Test
    void hundredRateLimitRefusalsInAnHourAreApiAbuseAndTheSecurityContactsAreMailed() throws Exception {
        GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        try (TestApp app = TestApp.start(Map.of("SECURITY_RATE_LIMITING_ENABLED", "true", "LIFTOS_TRUSTED_PROXIES", "127.0.0.1",
                "SMTP_HOST", "127.0.0.1", "SMTP_PORT", Integer.toString(smtp.getSmtp().getPort()), "SMTP_STARTTLS", "false"))) {
            String admin = app.loginAdmin();
            UUID org = app.createOrg(admin, "Abused " + UUID.randomUUID());
            HttpResponse<String> config = app.putJson("/v1/orgs/" + org + "/security-config",
                    "{\"api_rate_limits\":{\"api\":{\"limit\":1,\"window\":1}},\"security_contacts\":[\"soc@example.test\"]}", admin);
            assertThat(config.statusCode()).as(config.body()).isEqualTo(200);
            assertThat(app.putJson("/v1/orgs/" + org + "/security-config",
                    "{\"incident_thresholds\":{\"failed_logins_per_user\":0}}", admin).statusCode()).isEqualTo(400);
            String email = "abuser-" + UUID.randomUUID() + "@example.test";
            app.createUser(admin, org, email, "Abuser-Password-1!");
            HttpResponse<String> login = app.send(app.request("/v1/auth/login").header("Content-Type", "application/json")
                    .header("X-Forwarded-For", "198.51.100.200")
                    .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("email", email, "password", "Abuser-Password-1!")))).build());
            String token = app.json(login).get("access_token").asText();

            Instant deadline = Instant.now().plusSeconds(30);
            int refused = 0;
            JsonNode incident = null;
            while (incident == null && Instant.now().isBefore(deadline)) {
                for (int i = 0; i < 20; i++) {
                    HttpResponse<String> r = app.send(app.request("/v1/orgs/" + org + "/credentials").header("Authorization", "Bearer " + token)
                            .header("X-Forwarded-For", "198.51.100.200").GET().build());
                    refused += r.statusCode() == 429 ? 1 : 0;
                }
                for (JsonNode i : app.json(app.get("/v1/orgs/" + org + "/incidents", app.loginAdmin())).get("incidents")) {
                    if (i.get("type").asText().equals("api_abuse")) {
                        incident = i;
                    }
                }
            }
            assertThat(incident).as("api_abuse incident after " + refused + " refusals").isNotNull();
            assertThat(refused).isGreaterThanOrEqualTo(100);
            assertThat(incident.get("severity").asText()).isEqualTo("medium");
            assertThat(smtp.waitForIncomingEmail(10_000, 1)).isTrue();
            MimeMessage mail = smtp.getReceivedMessages()[0];
            assertThat(mail.getAllRecipients()[0].toString()).isEqualTo("soc@example.test");
            assertThat(mail.getSubject()).contains("api_abuse", "medium");
        } finally {
            smtp.stop();
        }
    }
}
