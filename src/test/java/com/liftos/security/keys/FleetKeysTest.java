package com.liftos.security.keys;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.audit.ChainStatus;
import com.liftos.security.cli.LiftosCommand;
import com.liftos.security.crypto.KeyFiles;
import com.liftos.security.testing.LogCapture;
import com.liftos.security.testing.TestApp;
import com.liftos.security.testing.TestDatabase;
import com.nimbusds.jwt.SignedJWT;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three instances started at the same moment on an empty database, each with a data directory of its own and
 * nothing but the master key: one key set is created, every instance holds it, and what one instance makes with
 * a key (service-account secrets, signed audit checkpoints, access tokens) verifies on the others, also after a
 * {@code liftos keys rotate-jwt} run from outside while they serve.
 */
class FleetKeysTest {
    static final int INSTANCES = 3;
    static TestDatabase.Schema schema;
    static Path masterKey;
    static List<TestApp> fleet = new ArrayList<>();

    @BeforeAll
    static void startTogether() throws Exception {
        schema = TestDatabase.fresh();
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        masterKey = Files.createTempDirectory("fleet-secret").resolve("master_encryption_key.txt");
        KeyFiles.writeNew(masterKey, (Base64.getEncoder().encodeToString(raw) + "\n").getBytes(StandardCharsets.US_ASCII));
        ExecutorService pool = Executors.newFixedThreadPool(INSTANCES);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<TestApp>> starting = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
            starting.add(pool.submit(() -> {
                go.await();
                return TestApp.startOn(schema, Map.of("MASTER_ENCRYPTION_KEY_PATH", masterKey.toString()));
            }));
        }
        go.countDown();
        for (Future<TestApp> f : starting) {
            fleet.add(f.get());
        }
        pool.shutdown();
    }

    @AfterAll
    static void stop() {
        fleet.forEach(TestApp::close);
    }

    static long count(String sql) {
        return fleet.get(0).app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    static String kid(String token) throws Exception {
        return SignedJWT.parse(token).getHeader().getKeyID();
    }

    @Test
    void oneKeySetIsCreatedOnceAndEveryInstanceHoldsIt() throws Exception {
        for (TestApp app : fleet) {
            assertThat(app.app().keys().service()).isEqualTo(fleet.get(0).app().keys().service());
            assertThat(app.app().keys().auditSigning()).isEqualTo(fleet.get(0).app().keys().auditSigning());
            // the data directory holds no key at all
            try (Stream<Path> files = Files.walk(app.dataDir())) {
                assertThat(files.filter(Files::isRegularFile).toList()).isEmpty();
            }
        }
        assertThat(count("SELECT count(*) FROM keyring_keys")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM jwt_signing_keys")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM vault_keks")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM organizations")).as("bootstrapped once").isEqualTo(1);
        for (TestApp app : fleet) {
            assertThat(app.get("/.well-known/jwks.json").body()).isEqualTo(fleet.get(0).get("/.well-known/jwks.json").body());
        }
    }

    @Test
    void aServiceAccountSecretCreatedThroughOneInstanceWorksOnEveryOther() {
        TestApp a = fleet.get(0);
        HttpResponse<String> created = a.postJson("/v1/orgs/" + a.adminOrgId() + "/service-accounts",
                a.body(Map.of("name", "fleet", "permissions", List.of("read:credentials"))), a.loginAdmin());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode account = a.json(created);
        String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(account.get("client_id").asText(), StandardCharsets.UTF_8)
                + "&client_secret=" + URLEncoder.encode(account.get("client_secret").asText(), StandardCharsets.UTF_8);
        for (TestApp other : fleet) {
            HttpResponse<String> token = other.send(other.request("/oauth2/token").header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build());
            assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
            String access = other.json(token).get("access_token").asText();
            for (TestApp verifier : fleet) {
                assertThat(verifier.get("/v1/me", access).statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void anAuditCheckpointSignedByOneInstanceVerifiesOnEveryOther() {
        TestApp a = fleet.get(0);
        a.loginAdmin();
        assertThat(a.app().audit().maintenance().checkpoint()).isPositive();
        for (TestApp other : fleet) {
            List<ChainStatus> chains = other.app().audit().verifier().verifyAll();
            assertThat(chains).isNotEmpty().allSatisfy(s -> assertThat(s).isInstanceOf(ChainStatus.Intact.class));
            assertThat(chains.stream().mapToLong(s -> ((ChainStatus.Intact) s).checkpointsVerified()).sum()).isPositive();
        }
    }

    static Run serve(Map<String, String> env) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LiftosCommand.execute(new String[] {"serve"}, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    record Run(int code, String out, String err) {}

    @Test
    void anInstanceGivenAnotherMasterKeyOrNoneRefusesWithOneLineAndWritesNothing() throws Exception {
        Path pod = Files.createTempDirectory("pod");
        Path other = pod.resolve("other_master_key.txt");
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        String otherKey = Base64.getEncoder().encodeToString(raw);
        KeyFiles.writeNew(other, (otherKey + "\n").getBytes(StandardCharsets.US_ASCII));
        long before = count("SELECT (SELECT count(*) FROM vault_keks) * 1000 + (SELECT count(*) FROM keyring_keys)");
        Map<String, String> env = new java.util.HashMap<>(Map.of("DATABASE_URL", schema.databaseUrl(), "LIFTOS_DATA_DIR",
                pod.resolve("data").toString(), "LIFTOS_HTTP_PORT", "0", "MASTER_ENCRYPTION_KEY_PATH", other.toString()));
        Run wrong;
        String logs;
        try (LogCapture capture = new LogCapture()) {
            wrong = serve(env);
            logs = capture.text();
        }
        assertThat(wrong.code()).isEqualTo(LiftosCommand.FAILURE);
        assertThat(wrong.err().lines()).singleElement().asString()
                .isEqualTo("liftos: master encryption key " + other + " does not match this database (key check value mismatch);"
                        + " refusing to start with it");
        assertThat(logs).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain(otherKey)
                .doesNotContain(Files.readString(masterKey).strip());

        // no key file at all: one line too, and no new key is made up for a database that has one
        Path missing = pod.resolve("absent/master_encryption_key.txt");
        env.put("MASTER_ENCRYPTION_KEY_PATH", missing.toString());
        Run none = serve(env);
        assertThat(none.code()).isEqualTo(LiftosCommand.FAILURE);
        assertThat(none.err().lines()).singleElement().asString().startsWith("liftos: " + missing + " does not exist")
                .contains("MASTER_ENCRYPTION_KEY_PATH");
        assertThat(missing).doesNotExist();
        assertThat(count("SELECT (SELECT count(*) FROM vault_keks) * 1000 + (SELECT count(*) FROM keyring_keys)")).isEqualTo(before);
    }

    @Test
    void keysRotateJwtRunFromOutsideReachesEveryRunningInstance() throws Exception {
        TestApp b = fleet.get(1);
        b.createUser(b.loginAdmin(), b.adminOrgId(), "before-rotation@example.test", "Bef0re-Rotation!", "viewer");
        // a user of its own: the admin logins below would end this session once past the organization's limit
        String before = b.login("before-rotation@example.test", "Bef0re-Rotation!");
        String oldKid = kid(before);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = Map.of("DATABASE_URL", schema.databaseUrl(), "MASTER_ENCRYPTION_KEY_PATH", masterKey.toString(),
                "LIFTOS_DATA_DIR", Files.createTempDirectory("operator").toString());
        int code = LiftosCommand.execute(new String[] {"keys", "rotate-jwt"}, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        Matcher m = Pattern.compile("New JWT signing key (\\S+) is active").matcher(out.toString(StandardCharsets.UTF_8));
        assertThat(m.find()).isTrue();
        String newKid = m.group(1);
        assertThat(newKid).isNotEqualTo(oldKid);

        // every instance signs with the new key within seconds (it reloads the shared keyring), and every token of
        // either key verifies everywhere meanwhile
        for (TestApp app : fleet) {
            long deadline = System.currentTimeMillis() + 15_000;
            String token = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
            while (!kid(token).equals(newKid) && System.currentTimeMillis() < deadline) {
                Thread.sleep(250);
                token = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
            }
            assertThat(kid(token)).isEqualTo(newKid);
            for (TestApp verifier : fleet) {
                assertThat(verifier.get("/v1/me", token).statusCode()).isEqualTo(200);
                assertThat(verifier.get("/v1/me", before).statusCode()).isEqualTo(200);
            }
        }
    }
}
