package com.liftos.security.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestApp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.virtualauthenticator.Credential;
import org.openqa.selenium.virtualauthenticator.HasVirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;

/**
 * Passkeys in the console, in headless Chromium with its virtual authenticator (CTAP2, internal, resident keys, user
 * verification): a passkey registered on the My account page, then a sign-in with password and the passkey as second
 * factor, a passwordless sign-in with it (audited LOGIN_SUCCESS {@code method: passkey}), the step-up before a reveal
 * answered with it, and its removal, after which the authenticator's copy is refused with the server's message.
 *
 * <p>WebAuthn needs a secure context and a relying-party id that is a domain: Chromium treats {@code http://localhost}
 * as secure, so the service starts on a port chosen here, with {@code LIFTOS_PUBLIC_URL=http://localhost:<port>} (the
 * relying-party id {@code localhost} and the origin follow from it) and the browser opens that address. The server's
 * clock starts 10 minutes back, so every sign-in is too old for the console's 5-minute step-up before a reveal.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsolePasskeyBrowserTest {
    static final String PASSWORD = "Passkey-Passw0rd!x";
    static final String SCRIPT = "<script>window.__xss='script'</script>";
    static final String SECRET = "sk_test_passkey_console_0001";

    MutableClock clock;
    TestApp app;
    Browser browser;
    VirtualAuthenticator authenticator;
    String base;
    UUID org;
    String admin;
    String email = "keyholder@example.test";
    UUID userId;
    final List<String> axeProblems = new ArrayList<>();

    @BeforeAll
    void start() {
        browser = new Browser();
        int port = freePort();
        base = "http://localhost:" + port;
        clock = new MutableClock(Instant.now().minus(Duration.ofMinutes(10)));
        Map<String, String> env = new HashMap<>();
        env.put("LIFTOS_HTTP_PORT", Integer.toString(port));
        env.put("LIFTOS_PUBLIC_URL", base);
        env.put("LIFTOS_REFRESH_COOKIE", "true");
        app = TestApp.start(env, clock);
        org = app.adminOrgId();
        admin = app.loginAdmin();
        userId = app.createUser(admin, org, email, PASSWORD, "super_admin");
        HttpResponse<String> stored = app.putJson("/v1/orgs/" + org + "/credentials/stripe/payments",
                app.body(Map.of("secret_key", SECRET)), admin);
        assertThat(stored.statusCode()).as(stored.body()).isIn(200, 201);
        authenticator = ((HasVirtualAuthenticator) browser.driver).addVirtualAuthenticator(new VirtualAuthenticatorOptions()
                .setProtocol(VirtualAuthenticatorOptions.Protocol.CTAP2)
                .setTransport(VirtualAuthenticatorOptions.Transport.INTERNAL)
                .setHasResidentKey(true).setHasUserVerification(true).setIsUserVerified(true).setIsUserConsenting(true));
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (app != null) {
            app.close();
        }
    }

    @Test
    @Order(1)
    void registersAPasskeyOnMyAccount() {
        browser.open(base + "/console");
        browser.ready("signin");
        assertThat(browser.js("return window.isSecureContext")).as("http://localhost is a secure context").isEqualTo(true);
        browser.type(By.id("email"), email);
        browser.type(By.id("password"), PASSWORD);
        browser.click(By.id("signin"));
        browser.ready("overview");
        go("account");
        assertThat(browser.find(By.id("passkeys")).getText()).contains("Nothing to show");
        browser.type(By.id("passkey-name"), "Laptop " + SCRIPT);
        browser.click(By.id("passkey-add"));
        // the first second factor: the recovery codes, once
        browser.waitFor(By.id("recovery-codes"));
        assertThat(browser.driver.findElements(By.cssSelector("#recovery-codes li"))).hasSizeGreaterThanOrEqualTo(8);
        browser.click(By.cssSelector("dialog .actions button.secondary"));
        browser.ready("account");
        browser.waitForText(By.id("passkeys"), "Laptop " + SCRIPT);
        assertNothingRan();
        List<Credential> held = authenticator.getCredentials();
        assertThat(held).hasSize(1);
        assertThat(held.get(0).isResidentCredential()).as("a discoverable credential").isTrue();
        assertThat(held.get(0).getRpId()).isEqualTo("localhost");
        JsonNode enabled = app.json(app.get("/v1/orgs/" + org + "/audit?type=mfa_enabled&actor=" + userId, admin));
        assertThat(enabled.get("events")).hasSize(1);
    }

    @Test
    @Order(2)
    void signsInWithThePasswordAndThePasskeyAsSecondFactor() {
        signOut();
        browser.type(By.id("email"), email);
        browser.type(By.id("password"), PASSWORD);
        browser.click(By.id("signin"));
        browser.waitFor(By.id("mfa-passkey"));
        check("signin-passkey-factor");
        browser.click(By.id("mfa-passkey"));
        browser.ready("overview");
        assertThat(browser.js("return document.getElementById('who').textContent")).asString().contains(email);
    }

    @Test
    @Order(3)
    void signsInWithThePasskeyAloneAndTheAuditSaysSo() {
        signOut();
        check("signin-passkey");
        browser.click(By.id("signin-passkey"));
        browser.ready("overview");
        JsonNode page = app.json(app.get("/v1/orgs/" + org + "/audit?type=login_success&actor=" + userId, admin));
        List<String> methods = new ArrayList<>();
        page.get("events").forEach(e -> methods.add(e.path("details").path("method").asText()));
        assertThat(methods).as("LOGIN_SUCCESS methods, newest first").first().isEqualTo("passkey");
        go("audit?type=login_success&actor=" + userId);
        browser.click(By.cssSelector("main table tbody button.link"));
        browser.waitFor(By.id("event-detail"));
        assertThat(browser.find(By.cssSelector("dialog pre.json")).getText()).contains("\"method\": \"passkey\"");
        check("audit-passkey-login");
    }

    @Test
    @Order(4)
    void theStepUpBeforeARevealTakesThePasskey() {
        go("credentials?key=stripe/payments");
        browser.waitFor(By.id("credential-detail"));
        browser.click(By.id("reveal"));
        browser.type(By.id("stepup-password"), PASSWORD);
        browser.click(By.id("stepup-continue"));
        browser.waitFor(By.id("stepup-passkey"));
        check("step-up-passkey");
        browser.click(By.id("stepup-passkey"));
        browser.waitFor(By.id("revealed"));
        assertThat(browser.find(By.id("revealed")).getText()).contains(SECRET);
        browser.click(By.cssSelector("#reveal-dialog .actions button.secondary"));
        assertThat(browser.html()).doesNotContain(SECRET);
    }

    @Test
    @Order(5)
    void removesThePasskeyAndItNoLongerSignsIn() {
        go("account");
        browser.click(By.cssSelector("button[data-rename]"));
        browser.type(By.id("passkey-new-name"), "Work laptop");
        browser.click(By.id("passkey-rename-confirm"));
        browser.waitForText(By.id("toast"), "Passkey renamed");
        browser.ready("account");
        browser.waitForText(By.id("passkeys"), "Work laptop");
        check("account-passkeys");
        browser.click(By.cssSelector("button[data-remove]"));
        browser.click(By.id("passkey-remove-confirm"));
        browser.waitForText(By.id("toast"), "removed");
        browser.ready("account");
        browser.waitForText(By.id("passkeys"), "Nothing to show");
        JsonNode disabled = app.json(app.get("/v1/orgs/" + org + "/audit?type=mfa_disabled&actor=" + userId, admin));
        assertThat(disabled.get("events")).hasSize(1);
        // the authenticator still holds its copy: the service refuses it, and the console shows the server's message
        signOut();
        browser.click(By.id("signin-passkey"));
        browser.waitForText(By.cssSelector("main .error"), "The passkey response was not accepted");
        assertThat(browser.find(By.cssSelector("main .error")).getText()).contains("request ");
        assertThat(browser.driver.findElements(By.id("nav"))).allMatch(n -> !n.isDisplayed());
        // the browser's own refusal (here: the user not verified, which a passwordless sign-in requires) is said in words
        authenticator.setUserVerified(false);
        browser.click(By.id("signin-passkey"));
        browser.waitForText(By.cssSelector("main .error"), "cancelled or timed out");
    }

    @Test
    @Order(6)
    void noPageHadAnAccessibilityProblemOrACspViolation() {
        assertThat(axeProblems).as("axe-core: serious or critical violations").isEmpty();
        List<String> log = browser.consoleLog();
        assertThat(log).as("browser console").noneMatch(l -> l.contains("Content Security Policy") || l.contains("Refused to"));
        assertThat(log).as("browser console").noneMatch(l -> l.contains("Uncaught"));
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private void go(String hash) {
        browser.open(base + "/console#/" + hash);
        browser.ready(hash.split("\\?")[0]);
    }

    /** Signs out, then opens the console afresh (the sign-in would otherwise return to the page of the hash). */
    private void signOut() {
        browser.click(By.id("signout"));
        browser.ready("signin");
        browser.open(base + "/console");
        browser.ready("signin");
    }

    private void check(String name) {
        browser.screenshot(name);
        for (String v : browser.axe()) {
            axeProblems.add(name + ": " + v);
        }
    }

    private void assertNothingRan() {
        assertThat(browser.js("return window.__xss === undefined ? 'none' : String(window.__xss)")).isEqualTo("none");
        assertThat(browser.driver.findElements(By.cssSelector("main script, dialog script"))).isEmpty();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
