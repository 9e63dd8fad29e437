package com.liftos.security.keys;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.audit.ChainStatus;
import com.liftos.security.cli.LiftosCommand;
import com.liftos.security.crypto.InsecureKeyAccess;
import com.liftos.security.crypto.KeyFiles;
import com.liftos.security.testing.TestApp;
import com.liftos.security.testing.TestDatabase;
import com.nimbusds.jwt.SignedJWT;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * An installation of an earlier release (service key, audit signing key and JWT signing key in files) moves to the
 * database keyring by one command, {@code liftos keys import-files}; an instance started afterwards with nothing but
 * the master key opens everything made under the old files: service-account secrets, MFA recovery codes, access
 * tokens of the file key and of a rotated key sealed under the service key, signed audit checkpoints.
 */
class KeyFilesImportTest {
    static final String USER = "import-mfa@example.test";
    static final String PASSWORD = "Imp0rt-Passw0rd!x";

    record Run(int code, String out, String err) {}

    static Run cli(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LiftosCommand.execute(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static void write(Path file, String content) throws Exception {
        Files.createDirectories(file.getParent());
        KeyFiles.writeNew(file, content.getBytes(StandardCharsets.US_ASCII));
    }

    static String random32() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    static long count(TestDatabase.Schema schema, String sql) {
        try (var ds = schema.dataSource(2)) {
            return schema.db(ds).run(c -> {
                try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
        }
    }

    static void execute(TestDatabase.Schema schema, String sql, String param) {
        try (var ds = schema.dataSource(2)) {
            schema.db(ds).run(c -> {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    if (param != null) {
                        ps.setString(1, param);
                    }
                    return ps.executeUpdate();
                }
            });
        }
    }

    /** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) of a base32 secret. */
    static String totp(String base32, Instant at) throws Exception {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        String clean = base32.replace("=", "").toUpperCase();
        byte[] key = new byte[clean.length() * 5 / 8];
        int buffer = 0;
        int bits = 0;
        int n = 0;
        for (char ch : clean.toCharArray()) {
            buffer = (buffer << 5) | alphabet.indexOf(ch);
            bits += 5;
            if (bits >= 8) {
                key[n++] = (byte) (buffer >> (bits - 8));
                bits -= 8;
            }
        }
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(key, "HmacSHA1"));
        byte[] h = mac.doFinal(ByteBuffer.allocate(8).putLong(at.getEpochSecond() / 30).array());
        int o = h[h.length - 1] & 0xf;
        int code = ((h[o] & 0x7f) << 24 | (h[o + 1] & 0xff) << 16 | (h[o + 2] & 0xff) << 8 | (h[o + 3] & 0xff)) % 1_000_000;
        return String.format("%06d", code);
    }

    static String kid(String token) throws Exception {
        return SignedJWT.parse(token).getHeader().getKeyID();
    }

    static HttpResponse<String> clientCredentials(TestApp app, String id, String secret) {
        String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(id, StandardCharsets.UTF_8)
                + "&client_secret=" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        return app.send(app.request("/oauth2/token").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
    }

    @Test
    void anInstallationOnKeyFilesMovesToTheDatabaseByOneCommandAndEverythingStillOpens() throws Exception {
        Path old = Files.createTempDirectory("earlier-release");
        Path keys = old.resolve("keys");
        String serviceKey = random32();
        String auditKey = random32();
        KeyPair fileJwt = KeyFiles.generateRsa(new SecureRandom());
        write(keys.resolve("master_encryption_key.txt"), random32() + "\n");
        write(keys.resolve("service_key.txt"), serviceKey + "\n");
        write(keys.resolve("audit_signing_key.txt"), auditKey + "\n");
        KeyFiles.writeNew(keys.resolve("jwt_private_key.pem"), KeyFiles.privateKeyPem(fileJwt));
        Path master = keys.resolve("master_encryption_key.txt");
        TestDatabase.Schema schema = TestDatabase.fresh();

        // The installation at work on its files: a service account, MFA with recovery codes, tokens of the file key
        // and of a rotated key (sealed under the service key), a signed audit checkpoint.
        String clientId;
        String clientSecret;
        List<String> recoveryCodes = new ArrayList<>();
        String fileKeyToken;
        String rotatedKeyToken;
        String fileKid;
        try (TestApp a = TestApp.startOn(schema, Map.of("LIFTOS_DATA_DIR", old.toString(), "MASTER_ENCRYPTION_KEY_PATH", master.toString()))) {
            String admin = a.loginAdmin();
            fileKeyToken = admin;
            fileKid = kid(admin);
            JsonNode account = a.json(a.postJson("/v1/orgs/" + a.adminOrgId() + "/service-accounts",
                    a.body(Map.of("name", "importer", "permissions", List.of("read:credentials"))), admin));
            clientId = account.get("client_id").asText();
            clientSecret = account.get("client_secret").asText();
            a.createUser(admin, a.adminOrgId(), USER, PASSWORD, "viewer");
            String user = a.login(USER, PASSWORD);
            String secret = a.json(a.postJson("/v1/mfa/totp/enroll", "", user)).get("secret").asText();
            HttpResponse<String> confirmed = a.postJson("/v1/mfa/totp/confirm", a.body(Map.of("code", totp(secret, Instant.now()))), user);
            assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(200);
            a.json(confirmed).get("recovery_codes").forEach(c -> recoveryCodes.add(c.asText()));
            a.app().auth().keys().rotate();
            rotatedKeyToken = a.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
            assertThat(kid(rotatedKeyToken)).isNotEqualTo(fileKid);
            assertThat(a.app().audit().maintenance().checkpoint()).isPositive();
        }
        // What the earlier release left behind: its keys only in the files (the keyring is this release's), the file
        // key's private half never in the database.
        execute(schema, "DELETE FROM keyring_keys", null);
        execute(schema, "UPDATE jwt_signing_keys SET private_sealed = NULL WHERE kid = ?", fileKid);

        // An instance given only the master key refuses, in one line, rather than make new keys for old data.
        Map<String, String> fresh = new HashMap<>(Map.of("DATABASE_URL", schema.databaseUrl(), "MASTER_ENCRYPTION_KEY_PATH",
                master.toString(), "LIFTOS_DATA_DIR", Files.createTempDirectory("new-pod").toString(), "LIFTOS_HTTP_PORT", "0"));
        Run refused = cli(fresh, "serve");
        assertThat(refused.code()).isEqualTo(LiftosCommand.FAILURE);
        assertThat(refused.err().lines()).singleElement().asString().startsWith("liftos: ").contains("liftos keys import-files");
        assertThat(count(schema, "SELECT count(*) FROM keyring_keys")).isZero();

        // The one command, run where the files are; then again: nothing left to do.
        Map<String, String> withFiles = Map.of("DATABASE_URL", schema.databaseUrl(), "LIFTOS_DATA_DIR", old.toString(),
                "MASTER_ENCRYPTION_KEY_PATH", master.toString());
        Run imported = cli(withFiles, "keys", "import-files");
        assertThat(imported.code()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("service key imported from " + keys.resolve("service_key.txt"))
                .contains("audit signing key imported from " + keys.resolve("audit_signing_key.txt"))
                .contains("JWT signing key " + fileKid + " imported from " + keys.resolve("jwt_private_key.pem"))
                .doesNotContain(serviceKey).doesNotContain(auditKey);
        Run again = cli(withFiles, "keys", "import-files");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).doesNotContain("imported from").contains("no longer read and can be deleted");
        assertThat(count(schema, "SELECT count(*) FROM keyring_keys WHERE origin = 'imported'")).isEqualTo(2);
        assertThat(count(schema, "SELECT count(*) FROM jwt_signing_keys WHERE private_sealed IS NULL")).isZero();

        // A new instance with nothing but the master key: everything made under the files still opens.
        try (TestApp b = TestApp.startOn(schema, Map.of("MASTER_ENCRYPTION_KEY_PATH", master.toString()))) {
            assertThat(new String(b.app().keys().service().bytes(InsecureKeyAccess.get()), StandardCharsets.US_ASCII)).isEqualTo(serviceKey);
            assertThat(b.app().keys().auditSigning().bytes(InsecureKeyAccess.get())).isEqualTo(Base64.getDecoder().decode(auditKey));
            assertThat(b.get("/v1/me", fileKeyToken).statusCode()).as("token of the file key").isEqualTo(200);
            assertThat(b.get("/v1/me", rotatedKeyToken).statusCode()).as("token of the rotated key").isEqualTo(200);
            assertThat(kid(b.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD))).as("signs with the rotated key").isEqualTo(kid(rotatedKeyToken));

            HttpResponse<String> token = clientCredentials(b, clientId, clientSecret);
            assertThat(token.statusCode()).as(token.body()).isEqualTo(200);

            HttpResponse<String> password = b.postJson("/v1/auth/login", b.body(Map.of("email", USER, "password", PASSWORD)));
            String mfaToken = b.json(password).get("mfa_token").asText();
            HttpResponse<String> recovered = b.postJson("/v1/auth/mfa/verify",
                    b.body(Map.of("mfa_token", mfaToken, "method", "recovery", "code", recoveryCodes.get(0))));
            assertThat(recovered.statusCode()).as(recovered.body()).isEqualTo(200);

            List<ChainStatus> chains = b.app().audit().verifier().verifyAll();
            assertThat(chains).allSatisfy(s -> assertThat(s).isInstanceOf(ChainStatus.Intact.class));
            assertThat(chains.stream().mapToLong(s -> ((ChainStatus.Intact) s).checkpointsVerified()).sum()).isPositive();
        }
        Run verified = cli(fresh, "audit", "verify");
        assertThat(verified.code()).as(verified.out() + verified.err()).isZero();
        assertThat(verified.out()).contains("signed checkpoints verified");
        assertThat(verified.err()).isEmpty();
    }
}
