package com.liftos.security.mfa;

import com.liftos.security.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import com.liftos.security.testing.TestApp;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;

/** Shared steps of the MFA HTTP tests. */
final class MfaTestSupport {
    static final String PASSWORD = "Str0ng-Passw0rd!x";

    private MfaTestSupport() {}

    static String newUser(TestApp app, String prefix) {
        String email = prefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.test";
        app.createUser(app.loginAdmin(), app.adminOrgId(), email, PASSWORD, "viewer");
        return email;
    }

    /** Enrolls TOTP and returns the enrolment body (secret, otpauth_uri, QR...). */
    static JsonNode enrollTotp(TestApp app, String token) {
        HttpResponse<String> r = app.postJson("/v1/mfa/totp/enroll", "", token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return app.json(r);
    }

    /** Enrolls and confirms TOTP; returns [secret, recovery codes...]. */
    static List<String> enableTotp(TestApp app, String token, Clock clock) {
        String secret = enrollTotp(app, token).get("secret").asText();
        HttpResponse<String> r = app.postJson("/v1/mfa/totp/confirm",
                app.body(Map.of("code", Rfc6238Reference.code(secret, clock.instant()))), token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        out.add(secret);
        app.json(r).get("recovery_codes").forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Password step of a login that must answer mfa_required; returns the MFA token. */
    static String mfaToken(TestApp app, String email) {
        HttpResponse<String> r = app.postJson("/v1/auth/login", app.body(Map.of("email", email, "password", PASSWORD)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = app.json(r);
        assertThat(b.get("status").asText()).isEqualTo("mfa_required");
        assertThat(b.has("access_token")).isFalse();
        return b.get("mfa_token").asText();
    }

    static HttpResponse<String> verify(TestApp app, String mfaToken, String method, String code) {
        return app.postJson("/v1/auth/mfa/verify", app.body(Map.of("mfa_token", mfaToken, "method", method, "code", code)));
    }

    static HttpResponse<String> deleteWithBody(TestApp app, String path, String body, String token) {
        return app.send(app.request(path).header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .method("DELETE", HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** The claims of a JWT, read without verifying (the service verified it already). */
    static JsonNode claims(TestApp app, String jwt) {
        String payload = new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8);
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(payload);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Decodes a QR code PNG with ZXing's reader. */
    static String decodeQr(byte[] png) throws Exception {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        int[] pixels = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        RGBLuminanceSource source = new RGBLuminanceSource(image.getWidth(), image.getHeight(), pixels);
        return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source))).getText();
    }

    /** Audit rows (type, action, actor, details) for a user. */
    static List<String> auditOf(TestApp app, UUID userId) {
        return app.app().db().run(c -> {
            List<String> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT event_type || ' ' || action || ' ' || coalesce(details::text, '') FROM audit_events WHERE actor_id = ? ORDER BY occurred_at")) {
                ps.setObject(1, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(rs.getString(1));
                    }
                }
            }
            return rows;
        });
    }

    static UUID userId(TestApp app, String token) {
        return UUID.fromString(app.json(app.get("/v1/me", token)).get("id").asText());
    }
}
