package com.liftos.security.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestApp;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;

/**
 * The console in a real browser (headless Chromium through Selenium) against the whole service on real PostgreSQL,
 * with real SMTP (GreenMail) and the refresh token in its HttpOnly cookie: sign-in with a TOTP code, an invitation
 * followed from its mail, rotate and roll back, reveal behind step-up, an incident acted on, the audit log searched,
 * exported and verified, settings refused by the server, a session ended under the page, a viewer's 403 page.
 * Stored fields carry script and {@code onerror} payloads: they must render as text and run nothing. Every page is
 * checked by axe-core (no serious or critical violation) and screenshotted; the browser's console must show no CSP
 * violation. The server's clock starts 10 minutes back, so a sign-in is too old for the console's 5-minute step-up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    static final String PASSWORD = "Console-Passw0rd!x";
    static final String PUBLIC_URL = "https://console.example.test";
    /** Would set {@code window.__xss} if it ever ran: as markup, as a handler or as a script. */
    static final String SCRIPT = "<script>window.__xss='script'</script>";
    static final String IMG = "<img src=x onerror=\"window.__xss='img'\">";
    static final String SECRET = "sk_test_console_demo_0001";
    static final String ROTATED = "sk_test_console_demo_0002";

    GreenMail smtp;
    MutableClock clock;
    TestApp app;
    Browser browser;
    UUID org;
    String admin;
    UUID opsId;
    String opsSecret;
    String opsEmail = "ops@example.test";
    String viewerEmail = "viewer@example.test";
    UUID incidentId;
    final List<String> axeProblems = new ArrayList<>();

    @BeforeAll
    void start() {
        browser = new Browser(); // first: without Chromium, fail before anything else starts
        smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        smtp.start();
        clock = new MutableClock(Instant.now().minus(Duration.ofMinutes(10)));
        Map<String, String> env = new HashMap<>();
        env.put("SMTP_HOST", "127.0.0.1");
        env.put("SMTP_PORT", Integer.toString(smtp.getSmtp().getPort()));
        env.put("SMTP_STARTTLS", "false");
        env.put("SMTP_FROM", "security@liftos.test");
        env.put("LIFTOS_PUBLIC_URL", PUBLIC_URL);
        env.put("LIFTOS_REFRESH_COOKIE", "true");
        // the service's own step-up on every reveal and rollback, with an MFA at most a minute old
        env.put("LIFTOS_STEP_UP_RISK", "0");
        env.put("LIFTOS_STEP_UP_MAX_AGE_MINUTES", "1");
        app = TestApp.start(env, clock);
        org = app.adminOrgId();
        admin = app.loginAdmin();
        seed();
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (app != null) {
            app.close();
        }
        if (smtp != null) {
            smtp.stop();
        }
    }

    private void seed() {
        opsId = app.createUser(admin, org, opsEmail, PASSWORD, "super_admin");
        String ops = app.login(opsEmail, PASSWORD);
        HttpResponse<String> enrol = app.postJson("/v1/mfa/totp/enroll", "", ops);
        assertThat(enrol.statusCode()).as(enrol.body()).isEqualTo(200);
        opsSecret = app.json(enrol).get("secret").asText();
        HttpResponse<String> confirm = app.postJson("/v1/mfa/totp/confirm", app.body(Map.of("code", totp())), ops);
        assertThat(confirm.statusCode()).as(confirm.body()).isEqualTo(200);
        app.createUser(admin, org, viewerEmail, PASSWORD, "viewer");
        HttpResponse<String> xssUser = app.postJson("/v1/orgs/" + org + "/users", app.body(Map.of("email", "xss-user@example.test",
                "password", PASSWORD, "display_name", SCRIPT + IMG, "roles", List.of("viewer"))), admin);
        assertThat(xssUser.statusCode()).as(xssUser.body()).isEqualTo(201);
        HttpResponse<String> stored = app.putJson("/v1/orgs/" + org + "/credentials/stripe/payments",
                app.body(Map.of("secret_key", SECRET)), admin);
        assertThat(stored.statusCode()).as(stored.body()).isIn(200, 201);
        // a key name cannot carry markup at all: the API refuses it before anything is stored
        HttpResponse<String> badName = app.putJson("/v1/orgs/" + org + "/credentials/stripe/" + "%3Cscript%3E",
                app.body(Map.of("secret_key", SECRET)), admin);
        assertThat(badName.statusCode()).as(badName.body()).isEqualTo(400);
        HttpResponse<String> incident = app.postJson("/v1/orgs/" + org + "/incidents", app.body(Map.of("type", "data_breach",
                "title", "Leaked export " + IMG, "description", "Found on a paste site " + SCRIPT)), admin);
        assertThat(incident.statusCode()).as(incident.body()).isEqualTo(201);
        incidentId = UUID.fromString(app.json(incident).get("id").asText());
        JsonNode service = app.createServiceAccount(org, "ingest", List.of("write:audit_events"));
        String serviceToken = app.clientCredentialsToken(service);
        List<Map<String, Object>> events = new ArrayList<>();
        events.add(Map.of("event_type", "suspicious_activity", "resource", "report " + SCRIPT, "details", Map.of("note", IMG + SCRIPT)));
        for (int i = 0; i < 12; i++) {
            events.add(Map.of("event_type", "login_failure", "details", Map.of("attempt", i)));
        }
        HttpResponse<String> ingested = app.send(app.request("/v1/orgs/" + org + "/audit/events")
                .header("Authorization", "Bearer " + serviceToken).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(app.body(Map.of("events", events)))).build());
        assertThat(ingested.statusCode()).as(ingested.body()).isIn(200, 201, 202);
        for (int i = 0; i < 3; i++) {
            app.postJson("/v1/auth/login", app.body(Map.of("email", viewerEmail, "password", "wrong-password-" + i)));
        }
    }

    // ---- steps -------------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void signsInWithATotpCode() {
        browser.open(app.baseUrl() + "/console");
        browser.ready("signin");
        check("signin");
        signIn(opsEmail, true);
        browser.ready("overview");
        browser.waitFor(By.cssSelector(".chart canvas"));
        browser.waitForText(By.cssSelector("main"), "have a second factor");
        browser.click(By.id("overview-verify"));
        browser.waitForText(By.id("overview-chain"), "records checked");
        assertThat(browser.driver.findElements(By.cssSelector("main .error"))).as("no card failed").isEmpty();
        assertThat(browser.find(By.cssSelector("main")).getText()).contains("Overview", "open", "overdue", "MFA coverage",
                "Credentials due for rotation", "intact");
        check("overview");
        browser.size(390, 844);
        assertThat(browser.find(By.id("menu")).isDisplayed()).isTrue();
        browser.click(By.id("menu"));
        browser.screenshot("overview-phone");
        browser.click(By.id("menu"));
        browser.size(1280, 900);
    }

    @Test
    @Order(2)
    void invitesAUserWhoFollowsTheMailedLinkAndTheSessionSurvivesTheDetour() throws Exception {
        go("users");
        browser.type(By.id("invite-email"), "invitee@example.test");
        browser.type(By.id("invite-name"), "New " + IMG);
        browser.type(By.id("invite-roles"), "analyst");
        browser.click(By.id("invite"));
        browser.waitForText(By.id("toast"), "Invitation sent");
        String link = mailedLink("invitee@example.test");
        // the mailed link names the public URL; the same path on this test's address
        browser.open(app.baseUrl() + link.substring(PUBLIC_URL.length()));
        browser.ready("link");
        assertThat(browser.driver.getCurrentUrl()).as("the token leaves the address bar").doesNotContain("token=");
        check("invite");
        browser.type(By.id("new-password"), "Invitee-Passw0rd!x");
        browser.click(By.id("accept"));
        browser.waitForText(By.id("accepted"), "invitee@example.test");
        // a new page load: the memory is gone, the HttpOnly refresh cookie signs in again silently, filters from the URL
        browser.open(app.baseUrl() + "/console#/users?q=invitee");
        browser.ready("users");
        assertThat(browser.find(By.cssSelector("main table")).getText()).contains("invitee@example.test", "analyst");
        browser.open(app.baseUrl() + "/console#/users?q=xss");
        browser.ready("users");
        assertThat(browser.find(By.cssSelector("main table")).getText()).contains(SCRIPT + IMG);
        assertNothingRan();
        browser.click(By.cssSelector("main table tbody button.link"));
        browser.ready("users");
        browser.waitFor(By.id("user-detail"));
        assertThat(browser.find(By.id("user-detail")).getText()).contains(SCRIPT + IMG);
        check("users");
    }

    @Test
    @Order(3)
    void rotatesAndRollsBackACredential() {
        go("credentials?key=stripe/payments");
        browser.waitFor(By.id("credential-detail"));
        browser.click(By.cssSelector("#credential-detail details > summary"));
        browser.type(By.cssSelector("#rotate-form .fname"), "secret_key");
        browser.type(By.cssSelector("#rotate-form .fvalue"), ROTATED);
        browser.click(By.id("rotate"));
        browser.waitForText(By.id("toast"), "Rotated to version 2");
        browser.ready("credentials");
        browser.waitForText(By.id("credential-detail"), "2 (current)");
        browser.click(By.cssSelector("button[data-version='1']"));
        browser.type(By.id("rollback-reason"), "bad rotation " + SCRIPT);
        // the sign-in's second factor is now older than the service's step-up age: it answers mfa_required, and the
        // console asks for the factor again, then retries the rollback
        clock.advance(Duration.ofMinutes(2));
        browser.click(By.id("rollback-confirm"));
        browser.type(By.id("stepup-password"), PASSWORD);
        browser.click(By.id("stepup-continue"));
        browser.waitFor(By.id("stepup-code"));
        new Select(browser.find(By.id("stepup-method"))).selectByValue("totp");
        browser.type(By.id("stepup-code"), totp());
        browser.click(By.id("stepup-verify"));
        browser.ready("credentials");
        browser.waitForText(By.id("credential-detail"), "3 (current)");
        assertThat(browser.find(By.id("credential-detail")).getText()).contains("bad rotation " + SCRIPT);
        JsonNode meta = app.json(app.get("/v1/orgs/" + org + "/credentials/stripe/payments", admin));
        assertThat(meta.get("version").asInt()).isEqualTo(3);
        assertNothingRan();
        assertThat(browser.html()).doesNotContain(SECRET).doesNotContain(ROTATED);
        check("credentials");
    }

    @Test
    @Order(4)
    void revealsOnlyAfterStepUpInADialogThatForgetsTheValues() {
        go("credentials?key=stripe/payments");
        browser.waitFor(By.id("credential-detail"));
        browser.click(By.id("reveal"));
        // the sign-in is 10 minutes old on the server's clock: the console asks for the second factor again
        browser.type(By.id("stepup-password"), PASSWORD);
        browser.click(By.id("stepup-continue"));
        browser.waitFor(By.id("stepup-code"));
        new Select(browser.find(By.id("stepup-method"))).selectByValue("totp");
        browser.screenshot("step-up");
        browser.type(By.id("stepup-code"), totp());
        browser.click(By.id("stepup-verify"));
        browser.waitFor(By.id("reveal-dialog"));
        assertThat(browser.find(By.id("revealed")).getText()).contains("secret_key", SECRET);
        check("reveal");
        assertThat(browser.js("return localStorage.length + sessionStorage.length")).isEqualTo(0L);
        assertThat((String) browser.js("return document.cookie")).doesNotContain("liftos_refresh");
        browser.click(By.cssSelector("#reveal-dialog .actions button"));
        assertThat(browser.driver.findElements(By.id("reveal-dialog"))).isEmpty();
        assertThat(browser.html()).as("no secret in the DOM once the dialog closed").doesNotContain(SECRET).doesNotContain(ROTATED);
    }

    @Test
    @Order(5)
    void actsOnAnIncidentAndItsNoteRendersAsText() {
        go("incidents?status=open&id=" + incidentId);
        browser.waitFor(By.id("incident-detail"));
        assertThat(browser.find(By.id("incident-detail")).getText()).contains("Leaked export " + IMG, SCRIPT);
        assertThat(browser.find(By.cssSelector("main table")).getText()).contains("left");
        browser.type(By.id("incident-note"), "Checked the paste " + SCRIPT + IMG);
        browser.click(By.id("incident-submit"));
        browser.waitForText(By.id("timeline"), "Checked the paste " + SCRIPT + IMG);
        new Select(browser.find(By.id("incident-action"))).selectByValue("contain");
        browser.click(By.id("incident-submit"));
        browser.waitForText(By.id("toast"), "Done: contain");
        browser.ready("incidents");
        assertThat(app.json(app.get("/v1/orgs/" + org + "/incidents/" + incidentId, admin)).get("status").asText()).isEqualTo("contained");
        assertNothingRan();
        go("incidents?status=&id=" + incidentId);
        browser.waitFor(By.id("incident-detail"));
        check("incidents");
        browser.size(390, 844);
        browser.screenshot("incidents-phone");
        browser.size(1280, 900);
    }

    @Test
    @Order(6)
    void searchesExportsAndVerifiesTheAuditLog() throws Exception {
        go("audit?type=suspicious_activity");
        assertThat(browser.find(By.cssSelector("main table")).getText()).contains("report " + SCRIPT);
        check("audit");
        browser.click(By.cssSelector("main table tbody button.link"));
        browser.waitFor(By.id("event-detail"));
        assertThat(browser.find(By.cssSelector("dialog pre.json")).getText()).contains((IMG + SCRIPT).replace("\"", "\\\""));
        assertNothingRan();
        check("audit-event");
        browser.click(By.cssSelector("dialog .actions button"));
        browser.click(By.id("export-csv"));
        browser.waitForText(By.id("toast"), "Exported");
        Path csv = waitForDownload(".csv");
        assertThat(Files.readString(csv)).contains("suspicious_activity");
        browser.click(By.id("export-jsonl"));
        Path jsonl = waitForDownload(".jsonl");
        assertThat(Files.readAllLines(jsonl)).isNotEmpty().allMatch(l -> l.startsWith("{"));
        browser.click(By.id("verify"));
        browser.waitForText(By.id("chain"), "intact");
    }

    @Test
    @Order(7)
    void everyListPagesForwardAndBackKeepingItsFilters() {
        for (int i = 0; i < 27; i++) {
            app.createUser(admin, org, String.format("pager-%02d@example.test", i), PASSWORD, "viewer");
        }
        go("users?q=pager-");
        assertThat(browser.find(By.cssSelector("main .pager .muted")).getText()).contains("Page 1", "27 in all");
        assertThat(browser.driver.findElements(By.xpath("(//main//table)[1]/tbody/tr"))).hasSize(25);
        browser.click(By.xpath("(//main//div[@class='pager'])[1]/button[2]"));
        browser.ready("users");
        assertThat(browser.find(By.cssSelector("main .pager .muted")).getText()).contains("Page 2");
        assertThat(browser.find(By.cssSelector("main table")).getText()).contains("pager-25@example.test", "pager-26@example.test")
                .doesNotContain("pager-00@example.test");
        assertThat(browser.find(By.id("user-q")).getAttribute("value")).isEqualTo("pager-");
        browser.click(By.xpath("(//main//div[@class='pager'])[1]/button[1]"));
        browser.ready("users");
        assertThat(browser.find(By.cssSelector("main table")).getText()).contains("pager-00@example.test");
    }

    @Test
    @Order(8)
    void aSuperAdminLooksAtAnotherOrganization() {
        UUID other = app.createOrg(admin, "Other Org");
        app.createUser(admin, other, "someone@other.example.test", PASSWORD, "admin");
        go("users");
        browser.waitForText(By.id("org-switch"), "Other Org");
        new Select(browser.find(By.id("org-switch"))).selectByVisibleText("Other Org");
        browser.ready("users");
        assertThat(browser.driver.getCurrentUrl()).contains("org=" + other);
        assertThat(browser.find(By.cssSelector("main table")).getText()).contains("someone@other.example.test")
                .doesNotContain(opsEmail);
        browser.click(By.linkText("Audit log"));
        browser.ready("audit");
        assertThat(browser.driver.getCurrentUrl()).contains("org=" + other);
        new Select(browser.find(By.id("org-switch"))).selectByVisibleText("Test Org");
        browser.ready("audit");
        assertThat(browser.driver.getCurrentUrl()).doesNotContain("org=");
    }

    @Test
    @Order(9)
    void showsTheComplianceReportAndTheServersValidationMessages() {
        go("compliance");
        assertThat(browser.find(By.cssSelector("main")).getText()).contains("SOC 2 evidence report", "CC6");
        check("compliance");
        // printable: the print style sheet leaves out the console's header and controls
        browser.driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("media", "print"));
        assertThat(browser.find(By.id("top")).isDisplayed()).isFalse();
        assertThat(browser.find(By.id("print")).isDisplayed()).isFalse();
        assertThat(browser.find(By.cssSelector("main h1")).isDisplayed()).isTrue();
        browser.screenshot("compliance-print");
        browser.driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("media", ""));
        assertThat(browser.find(By.id("top")).isDisplayed()).isTrue();
        go("settings");
        browser.type(By.id("cfg-session_timeout_minutes"), "-5");
        browser.click(By.id("save-settings"));
        browser.waitFor(By.cssSelector("#settings-out .error"));
        String shown = browser.find(By.cssSelector("#settings-out .error")).getText();
        HttpResponse<String> server = app.putJson("/v1/orgs/" + org + "/security-config",
                app.body(Map.of("session_timeout_minutes", -5)), admin);
        assertThat(server.statusCode()).isEqualTo(400);
        assertThat(shown).contains(app.json(server).at("/error/message").asText());
        check("settings");
    }

    @Test
    @Order(10)
    void anEndedSessionGoesBackToSignInAndKeepsThePagesFilters() {
        go("audit?type=login_failure&success=false");
        HttpResponse<String> ended = app.delete("/v1/orgs/" + org + "/users/" + opsId + "/sessions", admin);
        assertThat(ended.statusCode()).as(ended.body()).isEqualTo(200);
        browser.click(By.cssSelector("main form.filters button[type='submit']"));
        browser.ready("signin");
        assertThat(browser.find(By.cssSelector(".signin .notice")).getText()).contains("session has ended");
        assertThat(browser.driver.getCurrentUrl()).contains("#/audit?", "type=login_failure", "success=false");
        signIn(opsEmail, true);
        browser.ready("audit");
        assertThat(browser.find(By.id("audit-type")).getAttribute("value")).isEqualTo("login_failure");
        assertThat(browser.find(By.cssSelector("main table")).getText()).contains("login_failure");
    }

    @Test
    @Order(11)
    void aViewerGetsThe403Page() {
        go("overview");
        browser.click(By.id("signout"));
        browser.ready("signin");
        signIn(viewerEmail, false);
        browser.ready("overview");
        go("audit");
        assertThat(browser.find(By.cssSelector("main h1")).getText()).contains("403");
        assertThat(browser.find(By.cssSelector("main")).getText()).contains("view:audit_logs");
        check("forbidden");
        go("users");
        assertThat(browser.find(By.cssSelector("main h1")).getText()).contains("403");
        go("credentials");
        assertThat(browser.find(By.cssSelector("main h1")).getText()).isEqualTo("Credentials");
        assertThat(browser.driver.findElements(By.id("reveal"))).isEmpty();
    }

    @Test
    @Order(12)
    void noPageHadAnAccessibilityProblemOrACspViolation() {
        assertThat(axeProblems).as("axe-core: serious or critical violations").isEmpty();
        // the checker itself finds a violation when there is one: an image without a text alternative
        browser.js("document.querySelector('main').appendChild(document.createElement('img')).src = 'data:,'");
        assertThat(browser.axe()).anyMatch(v -> v.contains("image-alt"));
        List<String> log = browser.consoleLog();
        assertThat(log).as("browser console").noneMatch(l -> l.contains("Content Security Policy") || l.contains("Refused to"));
        assertThat(log).as("browser console").noneMatch(l -> l.contains("Uncaught"));
    }

    /**
     * The figures, reported (target/console-perf.txt, docs/perf/console.md), bytes held to the budget: the
     * first load of the console with a cold cache (a fresh browser profile), then the signed-in overview with its chart.
     */
    @Test
    @Order(13)
    void firstLoadWithAColdCacheStaysUnderTheByteBudget() throws Exception {
        try (Browser cold = new Browser()) {
            cold.open(app.baseUrl() + "/console");
            cold.ready("signin");
            Map<String, Object> first = loadFigures(cold);
            cold.type(By.id("email"), opsEmail);
            cold.type(By.id("password"), PASSWORD);
            cold.click(By.id("signin"));
            cold.waitFor(By.id("mfa-code"));
            new Select(cold.find(By.id("mfa-method"))).selectByValue("totp");
            cold.type(By.id("mfa-code"), totp());
            cold.click(By.id("mfa-verify"));
            cold.ready("overview");
            cold.waitFor(By.cssSelector(".chart canvas"));
            cold.waitForText(By.cssSelector("main"), "have a second factor");
            Map<String, Object> signedIn = loadFigures(cold);
            String report = "sign-in page, cold cache: " + first.get("bytes") + " bytes transferred in " + first.get("requests")
                    + " requests, ready at " + first.get("ready_ms") + " ms after navigation start (DOMContentLoaded "
                    + first.get("dcl_ms") + " ms)\n" + "after sign-in, overview with its chart: " + signedIn.get("bytes")
                    + " bytes transferred in all (" + signedIn.get("requests") + " requests)\n" + "resources: " + signedIn.get("list") + "\n";
            Files.writeString(Path.of("target/console-perf.txt"), report);
            System.out.println(report);
            assertThat(((Number) first.get("bytes")).longValue()).as("first load bytes").isLessThan(300_000);
            assertThat(((Number) signedIn.get("bytes")).longValue()).as("overview bytes, all told").isLessThan(300_000);
        }
    }

    /** Clickjacking: a page of another origin that frames the console gets nothing drawn in the frame. */
    @Test
    @Order(14)
    void anotherSiteCannotFrameTheConsole() {
        try (Browser other = new Browser()) {
            other.open("about:blank");
            other.js("const f = document.createElement('iframe'); f.id = 'victim'; f.src = arguments[0]; document.body.appendChild(f);",
                    app.baseUrl() + "/console");
            // framed, the console would draw its sign-in form; refused, the frame holds the browser's error page
            other.driver.switchTo().frame("victim");
            String where = "";
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline && other.driver.findElements(By.id("email")).isEmpty()
                    && !(where = (String) other.js("return location.href")).startsWith("chrome-error://")) {
                sleep(100);
            }
            assertThat(where).as("the frame holds the browser's refusal").startsWith("chrome-error://");
            assertThat(other.driver.findElements(By.id("email"))).as("no sign-in form inside the frame").isEmpty();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> loadFigures(Browser b) {
        return (Map<String, Object>) b.js("""
                const nav = performance.getEntriesByType('navigation')[0];
                const res = performance.getEntriesByType('resource');
                const ready = performance.getEntriesByName('console-ready')[0];
                return { bytes: nav.transferSize + res.reduce((a, r) => a + r.transferSize, 0), requests: 1 + res.length,
                  ready_ms: Math.round(ready ? ready.startTime : -1), dcl_ms: Math.round(nav.domContentLoadedEventEnd),
                  list: res.map(r => r.name.replace(location.origin, '') + '=' + r.transferSize).join(', ') };
                """);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private void go(String hash) {
        browser.open(app.baseUrl() + "/console#/" + hash);
        browser.ready(hash.split("\\?")[0]);
    }

    private void signIn(String email, boolean withTotp) {
        browser.type(By.id("email"), email);
        browser.type(By.id("password"), PASSWORD);
        browser.click(By.id("signin"));
        if (withTotp) {
            browser.waitFor(By.id("mfa-code"));
            new Select(browser.find(By.id("mfa-method"))).selectByValue("totp");
            browser.screenshot("signin-mfa");
            browser.type(By.id("mfa-code"), totp());
            browser.click(By.id("mfa-verify"));
        }
    }

    /** Screenshot and axe-core of the current page. */
    private void check(String name) {
        browser.screenshot(name);
        for (String v : browser.axe()) {
            axeProblems.add(name + ": " + v);
        }
    }

    private void assertNothingRan() {
        assertThat(browser.js("return window.__xss === undefined ? 'none' : String(window.__xss)")).isEqualTo("none");
        assertThat(browser.driver.findElements(By.cssSelector("main script, main img[src='x'], dialog script"))).isEmpty();
    }

    /** The current TOTP code of the ops user; the server's clock moves one step first (each code works once). */
    private String totp() {
        clock.advance(Duration.ofSeconds(30));
        try {
            byte[] key = base32(opsSecret);
            long step = clock.instant().getEpochSecond() / 30;
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key, "RAW"));
            byte[] hash = mac.doFinal(java.nio.ByteBuffer.allocate(8).putLong(step).array());
            int offset = hash[hash.length - 1] & 0xf;
            int binary = ((hash[offset] & 0x7f) << 24) | ((hash[offset + 1] & 0xff) << 16) | ((hash[offset + 2] & 0xff) << 8)
                    | (hash[offset + 3] & 0xff);
            return String.format("%06d", binary % 1_000_000);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] base32(String s) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int buffer = 0;
        int bits = 0;
        for (char c : s.replace("=", "").toUpperCase(java.util.Locale.ROOT).toCharArray()) {
            buffer = (buffer << 5) | alphabet.indexOf(c);
            bits += 5;
            if (bits >= 8) {
                out.write((buffer >> (bits - 8)) & 0xff);
                bits -= 8;
            }
        }
        return out.toByteArray();
    }

    private String mailedLink(String to) throws Exception {
        Pattern link = Pattern.compile(Pattern.quote(PUBLIC_URL) + "/console/[a-z-]+\\?token=[A-Za-z0-9_-]+");
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            for (MimeMessage m : smtp.getReceivedMessages()) {
                if (m.getAllRecipients()[0].toString().equals(to)) {
                    Matcher found = link.matcher(String.valueOf(m.getContent()));
                    if (found.find()) {
                        return found.group();
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no invitation mailed to " + to);
    }

    private Path waitForDownload(String suffix) throws Exception {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            try (var files = Files.list(browser.downloads)) {
                var done = files.filter(p -> p.toString().endsWith(suffix)).findFirst();
                if (done.isPresent()) {
                    return done.get();
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + suffix + " download in " + browser.downloads);
    }
}
