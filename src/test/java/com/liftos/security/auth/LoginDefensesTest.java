package com.liftos.security.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import com.liftos.security.testing.LogCapture;
import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestApp;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The login defenses attacked over real HTTP, with rate limiting on (budgets in process, or in Redis for the
 * two-instance test): the innocent behind one address are not locked out, guessing is bounded atomically, a known
 * device survives an attack on its account, the owner is mailed a working one-time unlock link.
 */
class LoginDefensesTest {
    private static final String PASSWORD = "Defended-Pass-1!";
    private static final Pattern LINK = Pattern.compile("(https?://\\S+/v1/auth/unlock\\?token=([A-Za-z0-9_-]+))");

    static GreenMail smtp;
    static MutableClock clock;
    static TestApp app;
    static UUID org;

    @BeforeAll
    static void start() {
        smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        smtp.start();
        clock = MutableClock.atTotpStepStart();
        Map<String, String> env = env();
        env.put("SMTP_HOST", "127.0.0.1");
        env.put("SMTP_PORT", Integer.toString(smtp.getSmtp().getPort()));
        env.put("SMTP_STARTTLS", "false");
        env.put("SMTP_FROM", "security@liftos.test");
        env.put("LIFTOS_PUBLIC_URL", "https://security.example.test");
        app = TestApp.start(env, clock);
        org = app.adminOrgId();
        // room for the backend test's five sessions per user
        HttpResponse<String> cfg = app.putJson("/v1/orgs/" + org + "/security-config",
                app.body(Map.of("max_concurrent_sessions", 5)), admin());
        assertThat(cfg.statusCode()).as(cfg.body()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        app.close();
        smtp.stop();
    }

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("SECURITY_RATE_LIMITING_ENABLED", "true");
        env.put("LIFTOS_TRUSTED_PROXIES", "127.0.0.1");
        return env;
    }

    @Test
    void twoHundredPeopleBehindOneAddressSignInAndTheirBackendRefreshesAThousandSessions() throws Exception {
        String office = randomIp();
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String email = "office-" + i + "-" + UUID.randomUUID() + "@example.test";
            app.createUser(admin(), org, email, PASSWORD);
            emails.add(email);
        }
        long started = System.nanoTime();
        List<String> refreshTokens = new ArrayList<>();
        for (String email : emails) {
            HttpResponse<String> r = login(app, email, PASSWORD, office, Optional.empty());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            refreshTokens.add(app.json(r).get("refresh_token").asText());
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMinutes(1));

        for (String email : emails) {
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> r = login(app, email, PASSWORD, office, Optional.empty());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                refreshTokens.add(app.json(r).get("refresh_token").asText());
            }
        }
        assertThat(refreshTokens).hasSize(1000);
        // the backend that signed them in (refresh tokens are bound to the device that signed in)
        String backend = office;
        started = System.nanoTime();
        for (String token : refreshTokens) {
            HttpResponse<String> r = app.send(app.request("/v1/auth/refresh").header("Content-Type", "application/json")
                    .header("X-Forwarded-For", backend)
                    .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("refresh_token", token)))).build());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMinutes(1));
    }

    @Test
    void concurrentGuessesFromManyAddressesReachThePasswordHashAtMostThresholdTimes() throws Exception {
        String email = "victim-" + UUID.randomUUID() + "@example.test";
        app.createUser(admin(), org, email, PASSWORD);
        long checksBefore = app.app().auth().logins().passwordChecks();
        List<HttpResponse<String>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(64)) {
            List<Future<HttpResponse<String>>> guesses = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                String ip = randomIp();
                guesses.add(pool.submit(() -> login(app, email, "Wrong-Guess-" + ip, ip, Optional.empty())));
            }
            for (Future<HttpResponse<String>> g : guesses) {
                answers.add(g.get());
            }
        }
        long checked = app.app().auth().logins().passwordChecks() - checksBefore;
        // the default threshold: incident_thresholds.failed_logins_per_user = 10
        assertThat(checked).isLessThanOrEqualTo(10).isGreaterThan(0);
        assertThat(answers).allSatisfy(r -> assertThat(r.statusCode()).isIn(401, 403));
        assertThat(answers.stream().filter(r -> r.statusCode() == 401).count()).isEqualTo(checked);
        answers.stream().filter(r -> r.statusCode() == 403)
                .forEach(r -> assertThat(app.json(r).at("/error/code").asText()).isEqualTo("account_locked"));

        HttpResponse<String> owner = login(app, email, PASSWORD, randomIp(), Optional.empty());
        assertThat(owner.statusCode()).isEqualTo(403);
        assertThat(app.json(owner).at("/error/code").asText()).isEqualTo("account_locked");
        assertThat(app.app().auth().logins().passwordChecks() - checksBefore).isEqualTo(checked);
    }

    @Test
    void anAttackFromTwentyAddressesLeavesTheVictimsKnownDeviceSigningIn() {
        String email = "known-" + UUID.randomUUID() + "@example.test";
        app.createUser(admin(), org, email, PASSWORD);
        String home = randomIp();
        HttpResponse<String> first = login(app, email, PASSWORD, home, Optional.empty());
        assertThat(first.statusCode()).isEqualTo(200);
        String deviceToken = app.json(first).get("device_token").asText();
        assertThat(first.headers().allValues("Set-Cookie")).anySatisfy(c -> assertThat(c).startsWith("liftos_device=" + deviceToken));

        for (int i = 0; i < 20; i++) {
            String ip = randomIp();
            for (int j = 0; j < 2; j++) {
                assertThat(login(app, email, "Attacker-Guess-" + i + j, ip, Optional.empty()).statusCode()).isIn(401, 403);
            }
        }
        HttpResponse<String> unknown = login(app, email, PASSWORD, randomIp(), Optional.empty());
        assertThat(unknown.statusCode()).isEqualTo(403);
        // the cookie, as a browser sends it back
        HttpResponse<String> known = app.send(app.request("/v1/auth/login").header("Content-Type", "application/json")
                .header("X-Forwarded-For", home).header("Cookie", "liftos_device=" + deviceToken)
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("email", email, "password", PASSWORD)))).build());
        assertThat(known.statusCode()).as(known.body()).isEqualTo(200);
        // a device token is bound to its account: another account's token proves nothing
        String other = "other-" + UUID.randomUUID() + "@example.test";
        app.createUser(admin(), org, other, PASSWORD);
        String otherToken = app.json(login(app, other, PASSWORD, home, Optional.empty())).get("device_token").asText();
        assertThat(login(app, email, PASSWORD, home, Optional.of(otherToken)).statusCode()).isEqualTo(403);
        // an altered token proves nothing either
        String altered = deviceToken.substring(0, 10) + (deviceToken.charAt(10) == 'A' ? 'B' : 'A') + deviceToken.substring(11);
        assertThat(login(app, email, PASSWORD, home, Optional.of(altered)).statusCode()).isEqualTo(403);
    }

    @Test
    void theOwnerIsMailedAOneTimeUnlockLinkThatExpiresAndEveryUnlockIsAudited() throws Exception {
        String email = "mailed-" + UUID.randomUUID() + "@example.test";
        UUID user = app.createUser(admin(), org, email, PASSWORD);
        lock(email);
        String token = unlockToken(email);

        HttpResponse<String> page = app.get("/v1/auth/unlock?token=" + token);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(page.body()).contains("method=\"post\"").contains(token);
        // following the link changes nothing: the lock holds until the button is pressed
        assertThat(login(app, email, PASSWORD, randomIp(), Optional.empty()).statusCode()).isEqualTo(403);

        HttpResponse<String> unlocked = app.postJson("/v1/auth/unlock", app.body(Map.of("token", token)));
        assertThat(unlocked.statusCode()).as(unlocked.body()).isEqualTo(200);
        assertThat(login(app, email, PASSWORD, randomIp(), Optional.empty()).statusCode()).isEqualTo(200);
        HttpResponse<String> again = app.postJson("/v1/auth/unlock", app.body(Map.of("token", token)));
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(app.json(again).at("/error/code").asText()).isEqualTo("invalid_unlock_link");
        assertThat(unlocks(user)).contains("unlock_link");

        // a second lock: its link is past its 24 hours when used, and the lock itself ran out long before
        lock(email);
        String late = unlockToken(email);
        clock.advance(Duration.ofHours(25));
        assertThat(app.postJson("/v1/auth/unlock", app.body(Map.of("token", late))).statusCode()).isEqualTo(400);
        assertThat(login(app, email, PASSWORD, randomIp(), Optional.empty()).statusCode()).isEqualTo(200);
        assertThat(unlocks(user)).contains("unlock_link", "expiry");

        // and by an admin, through the incident of the lock
        lock(email);
        JsonNode incidents = app.json(app.get("/v1/orgs/" + org + "/incidents?status=contained", admin()));
        Optional<String> incident = stream(incidents.path("incidents")).filter(i -> i.path("affected_users").toString().contains(user.toString()))
                .map(i -> i.path("id").asText()).findFirst();
        assertThat(incident).isPresent();
        HttpResponse<String> action = app.postJson("/v1/orgs/" + org + "/incidents/" + incident.get() + "/actions",
                app.body(Map.of("action", "unlock_user", "user_id", user.toString())), admin());
        assertThat(action.statusCode()).as(action.body()).isEqualTo(200);
        assertThat(login(app, email, PASSWORD, randomIp(), Optional.empty()).statusCode()).isEqualTo(200);
        assertThat(unlocks(user)).contains("unlock_link", "expiry", "admin");
    }

    @Test
    void neitherTheUnlockLinkNorTheDeviceTokenLeaksIntoLogsAuditOrMetrics() throws Exception {
        try (LogCapture logs = new LogCapture()) {
            String email = "canary-" + UUID.randomUUID() + "@example.test";
            app.createUser(admin(), org, email, PASSWORD);
            String device = app.json(login(app, email, PASSWORD, randomIp(), Optional.empty())).get("device_token").asText();
            assertThat(login(app, email, PASSWORD, randomIp(), Optional.of(device)).statusCode()).isEqualTo(200);
            lock(email);
            String token = unlockToken(email);
            // from an address of its own: the unlock routes share the per-address budget of the auth category
            String owner = randomIp();
            assertThat(app.send(app.request("/v1/auth/unlock?token=" + token).header("X-Forwarded-For", owner).GET().build())
                    .statusCode()).isEqualTo(200);
            assertThat(app.send(app.request("/v1/auth/unlock").header("X-Forwarded-For", owner).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("token", token)))).build()).statusCode()).isEqualTo(200);
            // a malformed link answers a JSON 400 that does not echo what was sent
            HttpResponse<String> malformed = app.send(app.request("/v1/auth/unlock?token=" + token + "%3Cscript%3E")
                    .header("X-Forwarded-For", owner).GET().build());
            assertThat(malformed.statusCode()).isEqualTo(400);
            assertThat(malformed.body()).doesNotContain(token).startsWith("{");

            String audit = app.get("/v1/orgs/" + org + "/audit?limit=1000", admin()).body();
            String metrics = app.get("/metrics").body();
            for (String secret : List.of(token, device)) {
                assertThat(logs.text()).doesNotContain(secret);
                assertThat(app.consoleOutput()).doesNotContain(secret);
                assertThat(audit).doesNotContain(secret);
                assertThat(metrics).doesNotContain(secret);
            }
            assertThat(logs.count()).isPositive();
        }
    }

    @Test
    void refusalsAreJsonWithRetryAfterAndEachCallerHasItsOwnBudget() {
        try (TestApp tight = TestApp.start(withBudgets(Map.of("LIFTOS_LOGIN_FAILURES_PER_IP_PER_DAY", "3",
                "LIFTOS_REFRESHES_PER_SESSION_PER_MINUTE", "2", "LIFTOS_GRANTS_PER_CLIENT_PER_MINUTE", "3")))) {
            String token = tight.loginAdmin();
            UUID tightOrg = tight.adminOrgId();
            String ip = randomIp();
            // failed sign-ins per address: three answered, then 429 for unknown devices; never a 5xx
            for (int i = 0; i < 3; i++) {
                assertThat(login(tight, "nobody-" + i + "@example.test", "Wrong-Pass-1!", ip, Optional.empty()).statusCode()).isEqualTo(401);
            }
            HttpResponse<String> throttled = login(tight, "nobody-9@example.test", "Wrong-Pass-1!", ip, Optional.empty());
            assertThat(throttled.statusCode()).isEqualTo(429);
            assertThat(tight.json(throttled).at("/error/code").asText()).isEqualTo("rate_limited");
            assertThat(Long.parseLong(throttled.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 86_400L);

            // refreshes per session family: the third in a minute is refused, another session from the address is not
            String email = "family-" + UUID.randomUUID() + "@example.test";
            tight.createUser(token, tightOrg, email, PASSWORD);
            String backend = randomIp();
            String refresh = tight.json(login(tight, email, PASSWORD, backend, Optional.empty())).get("refresh_token").asText();
            String otherRefresh = tight.json(login(tight, email, PASSWORD, backend, Optional.empty())).get("refresh_token").asText();
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = refresh(tight, refresh, backend);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                refresh = tight.json(r).get("refresh_token").asText();
            }
            HttpResponse<String> looping = refresh(tight, refresh, backend);
            assertThat(looping.statusCode()).isEqualTo(429);
            assertThat(looping.headers().firstValue("Retry-After")).isPresent();
            assertThat(refresh(tight, otherRefresh, backend).statusCode()).isEqualTo(200);

            // client-credentials grants per client id
            JsonNode a = tight.json(tight.postJson("/v1/orgs/" + tightOrg + "/service-accounts",
                    tight.body(Map.of("name", "worker-a", "roles", List.of("viewer"))), token));
            JsonNode b = tight.json(tight.postJson("/v1/orgs/" + tightOrg + "/service-accounts",
                    tight.body(Map.of("name", "worker-b", "roles", List.of("viewer"))), token));
            String worker = randomIp();
            for (int i = 0; i < 3; i++) {
                assertThat(grant(tight, a, worker).statusCode()).isEqualTo(200);
            }
            HttpResponse<String> spent = grant(tight, a, worker);
            assertThat(spent.statusCode()).isEqualTo(429);
            assertThat(tight.json(spent).get("error").asText()).isEqualTo("rate_limited");
            assertThat(spent.headers().firstValue("Retry-After")).isPresent();
            assertThat(grant(tight, b, worker).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void twoInstancesOnOneRedisShareTheFailureBudgetsExactly() {
        String redis = Optional.ofNullable(System.getenv("TEST_REDIS_URL")).orElse("redis://127.0.0.1:6379");
        Map<String, String> env = withBudgets(Map.of("LIFTOS_LOGIN_FAILURES_PER_IP_PER_DAY", "6", "REDIS_URL", redis));
        try (TestApp first = TestApp.start(env); TestApp second = TestApp.startSharing(first, env, java.time.Clock.systemUTC())) {
            String ip = randomIp();
            for (int i = 0; i < 6; i++) {
                TestApp via = i % 2 == 0 ? first : second;
                assertThat(login(via, "shared-" + UUID.randomUUID() + "@example.test", "Wrong-Pass-1!", ip, Optional.empty())
                        .statusCode()).isEqualTo(401);
            }
            assertThat(login(first, "shared-x@example.test", "Wrong-Pass-1!", ip, Optional.empty()).statusCode()).isEqualTo(429);
            assertThat(login(second, "shared-y@example.test", "Wrong-Pass-1!", ip, Optional.empty()).statusCode()).isEqualTo(429);
            // another address is untouched
            assertThat(login(second, "shared-z@example.test", "Wrong-Pass-1!", randomIp(), Optional.empty()).statusCode()).isEqualTo(401);
        }
    }

    /** The admin's token, from a fresh login when the last one no longer works (one test moves the clock a day). */
    private static String admin() {
        return app.loginAdmin();
    }

    private static Map<String, String> withBudgets(Map<String, String> extra) {
        Map<String, String> env = env();
        env.putAll(extra);
        return env;
    }

    /** Ten wrong passwords from ten addresses: the tenth locks the account's unknown devices. */
    private static void lock(String email) {
        for (int i = 0; i < 10; i++) {
            assertThat(login(app, email, "Wrong-Guess-" + i + "!", randomIp(), Optional.empty()).statusCode()).isEqualTo(401);
        }
        assertThat(login(app, email, PASSWORD, randomIp(), Optional.empty()).statusCode()).isEqualTo(403);
    }

    /** The token of the newest unlock link mailed to {@code email}. */
    private static String unlockToken(String email) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        int seen = -1;
        while (System.currentTimeMillis() < deadline) {
            List<MimeMessage> mine = Arrays.stream(smtp.getReceivedMessages()).filter(m -> {
                try {
                    return m.getAllRecipients()[0].toString().equals(email);
                } catch (Exception e) {
                    return false;
                }
            }).toList();
            if (!mine.isEmpty() && mine.size() != seen) {
                MimeMessage m = mine.getLast();
                Matcher link = LINK.matcher((String) m.getContent());
                if (link.find() && !USED.contains(link.group(2))) {
                    assertThat(link.group(1)).startsWith("https://security.example.test/v1/auth/unlock?token=");
                    USED.add(link.group(2));
                    return link.group(2);
                }
                seen = mine.size();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no unlock mail for " + email);
    }

    private static final List<String> USED = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** The {@code by} of every ACCOUNT_UNLOCKED of {@code user}. */
    private static List<String> unlocks(UUID user) {
        JsonNode events = app.json(app.get("/v1/orgs/" + org + "/audit?type=account_unlocked&limit=1000", admin()));
        return stream(events.path("events")).filter(e -> ("user:" + user).equals(e.path("resource").asText()))
                .map(e -> e.at("/details/by").asText()).toList();
    }

    private static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out.stream();
    }

    static HttpResponse<String> login(TestApp app, String email, String password, String ip, Optional<String> deviceToken) {
        Map<String, String> body = new HashMap<>(Map.of("email", email, "password", password));
        deviceToken.ifPresent(t -> body.put("device_token", t));
        return app.send(app.request("/v1/auth/login").header("Content-Type", "application/json").header("X-Forwarded-For", ip)
                .POST(HttpRequest.BodyPublishers.ofString(app.body(body))).build());
    }

    private static HttpResponse<String> refresh(TestApp app, String token, String ip) {
        return app.send(app.request("/v1/auth/refresh").header("Content-Type", "application/json").header("X-Forwarded-For", ip)
                .POST(HttpRequest.BodyPublishers.ofString(app.body(Map.of("refresh_token", token)))).build());
    }

    private static HttpResponse<String> grant(TestApp app, JsonNode account, String ip) {
        String basic = java.util.Base64.getEncoder().encodeToString((account.get("client_id").asText() + ":"
                + account.get("client_secret").asText()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return app.send(app.request("/oauth2/token").header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Basic " + basic).header("X-Forwarded-For", ip)
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build());
    }

    static String randomIp() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "10." + r.nextInt(256) + "." + r.nextInt(256) + "." + (1 + r.nextInt(254));
    }
}
