package com.liftos.security.mfa;

import com.liftos.security.testing.MutableClock;
import static com.liftos.security.mfa.MfaTestSupport.PASSWORD;
import static com.liftos.security.mfa.MfaTestSupport.claims;
import static com.liftos.security.mfa.MfaTestSupport.mfaToken;
import static com.liftos.security.mfa.MfaTestSupport.newUser;
import static com.liftos.security.mfa.MfaTestSupport.verify;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import com.liftos.security.testing.TestApp;
import com.sun.net.httpserver.HttpServer;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Emailed codes through a real SMTP server (GreenMail, with SMTP auth) and texted codes through a local
 * Twilio-style HTTP receiver: delivery, acceptance, single use, expiry, attempt limit and send limits.
 */
class MfaDeliveryTest {
    static MutableClock CLOCK;
    static final Pattern CODE = Pattern.compile("\\b(\\d{6})\\b");
    static GreenMail smtp;
    static HttpServer smsReceiver;
    static final List<Map<String, String>> texts = new CopyOnWriteArrayList<>();
    static final List<String> smsAuth = new CopyOnWriteArrayList<>();
    static final AtomicInteger smsStatus = new AtomicInteger(201);
    static TestApp app;

    @BeforeAll
    static void start() throws IOException {
        CLOCK = MutableClock.atTotpStepStart();
        smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort())
                .withConfiguration(GreenMailConfiguration.aConfig().withUser("mailer", "mail-pass"));
        smtp.start();
        smsReceiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        smsReceiver.createContext("/2010-04-01/Accounts/AC123/Messages.json", ex -> {
            String form = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            texts.add(Arrays.stream(form.split("&")).map(kv -> kv.split("=", 2)).collect(Collectors.toMap(
                    kv -> kv[0], kv -> URLDecoder.decode(kv[1], StandardCharsets.UTF_8))));
            smsAuth.add(ex.getRequestHeaders().getFirst("Authorization") + " " + ex.getRequestHeaders().getFirst("Content-Type"));
            ex.sendResponseHeaders(smsStatus.get(), -1);
            ex.close();
        });
        smsReceiver.start();
        Map<String, String> env = new HashMap<>();
        env.put("SMTP_HOST", "127.0.0.1");
        env.put("SMTP_PORT", Integer.toString(smtp.getSmtp().getPort()));
        env.put("SMTP_USERNAME", "mailer");
        env.put("SMTP_PASSWORD", "mail-pass");
        env.put("SMTP_STARTTLS", "false");
        env.put("SMTP_FROM", "security@liftos.test");
        env.put("LIFTOS_SMS_ENDPOINT", "http://127.0.0.1:" + smsReceiver.getAddress().getPort() + "/2010-04-01/Accounts/AC123/Messages.json");
        env.put("LIFTOS_SMS_FROM", "+15005550006");
        env.put("LIFTOS_SMS_ACCOUNT", "AC123");
        env.put("LIFTOS_SMS_TOKEN", "sms-token-secret");
        app = TestApp.start(env, CLOCK);
    }

    @AfterAll
    static void stop() {
        app.close();
        smtp.stop();
        smsReceiver.stop(0);
    }

    /** The code in the newest mail to {@code email}. */
    static String mailedCode(String email, int expectedCount) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            List<MimeMessage> mine = Arrays.stream(smtp.getReceivedMessages()).filter(m -> {
                try {
                    return m.getAllRecipients()[0].toString().equals(email);
                } catch (Exception e) {
                    return false;
                }
            }).toList();
            if (mine.size() >= expectedCount) {
                MimeMessage m = mine.get(mine.size() - 1);
                assertThat(m.getSubject()).isEqualTo("Your LiftOS verification code");
                assertThat(m.getFrom()[0].toString()).isEqualTo("security@liftos.test");
                Matcher matcher = CODE.matcher(((String) m.getContent()));
                assertThat(matcher.find()).isTrue();
                return matcher.group(1);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no mail for " + email);
    }

    static String lastTextTo(String phone) {
        Map<String, String> t = texts.stream().filter(m -> phone.equals(m.get("To"))).reduce((a, b) -> b).orElseThrow();
        Matcher matcher = CODE.matcher(t.get("Body"));
        assertThat(matcher.find()).isTrue();
        return matcher.group(1);
    }

    static HttpResponse<String> loginSend(String mfaToken, String method) {
        return app.postJson("/v1/auth/mfa/send", app.body(Map.of("mfa_token", mfaToken, "method", method)));
    }

    @Test
    void emailCodeIsDeliveredOverSmtpAndAccepted() throws Exception {
        String email = newUser(app, "mail");
        String token = app.login(email, PASSWORD);
        HttpResponse<String> enrol = app.postJson("/v1/mfa/email/enroll", "", token);
        assertThat(enrol.statusCode()).as(enrol.body()).isEqualTo(202);
        assertThat(app.json(enrol).get("sent_to").asText()).startsWith(email.substring(0, 1) + "***@").doesNotContain(email);
        String code = mailedCode(email, 1);
        assertThat(enrol.body()).doesNotContain(code);
        HttpResponse<String> confirmed = app.postJson("/v1/mfa/email/confirm", app.body(Map.of("code", code)), token);
        assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(200);
        assertThat(app.json(confirmed).get("recovery_codes")).hasSize(10);

        String mfa = mfaToken(app, email);
        // one send per 30 s: the enrolment's mail was just now
        HttpResponse<String> tooSoon = loginSend(mfa, "email");
        assertThat(tooSoon.statusCode()).isEqualTo(429);
        assertThat(tooSoon.headers().firstValue("Retry-After")).isPresent();
        CLOCK.advance(Duration.ofSeconds(31));
        assertThat(loginSend(mfa, "email").statusCode()).isEqualTo(202);
        String loginCode = mailedCode(email, 2);
        HttpResponse<String> ok = verify(app, mfa, "email", loginCode);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(claims(app, app.json(ok).get("access_token").asText()).get("amr"))
                .extracting(JsonNode::asText).containsExactly("pwd", "otp");
        // single use
        assertThat(verify(app, mfaToken(app, email), "email", loginCode).statusCode()).isEqualTo(401);

        // at most 5 sends per hour: 2 so far, 3 more, then refused even after 30 s
        for (int i = 0; i < 3; i++) {
            CLOCK.advance(Duration.ofSeconds(31));
            assertThat(loginSend(mfaToken(app, email), "email").statusCode()).isEqualTo(202);
        }
        CLOCK.advance(Duration.ofSeconds(31));
        assertThat(loginSend(mfaToken(app, email), "email").statusCode()).isEqualTo(429);

        // a code expires after 5 minutes
        CLOCK.advance(Duration.ofHours(1));
        String expiring = mfaToken(app, email);
        assertThat(loginSend(expiring, "email").statusCode()).isEqualTo(202);
        String late = mailedCode(email, 6);
        CLOCK.advance(Duration.ofMinutes(5).plusSeconds(1));
        assertThat(verify(app, mfaToken(app, email), "email", late).statusCode()).isEqualTo(401);

        // at most 5 attempts per code: after five wrong ones the right one is refused too
        String attempts = mfaToken(app, email);
        assertThat(loginSend(attempts, "email").statusCode()).isEqualTo(202);
        String right = mailedCode(email, 7);
        String wrong = right.equals("000000") ? "000001" : "000000";
        for (int i = 0; i < SentCodes.ATTEMPTS; i++) {
            assertThat(verify(app, mfaToken(app, email), "email", wrong).statusCode()).isEqualTo(401);
        }
        assertThat(verify(app, mfaToken(app, email), "email", right).statusCode()).isEqualTo(401);
    }

    @Test
    void smsWebhookIsCalledWithTheCode() {
        String email = newUser(app, "sms");
        String token = app.login(email, PASSWORD);
        String phone = "+14155550" + (100 + (int) (Math.random() * 800));
        HttpResponse<String> enrol = app.postJson("/v1/mfa/sms/enroll", app.body(Map.of("phone_number", phone)), token);
        assertThat(enrol.statusCode()).as(enrol.body()).isEqualTo(202);
        assertThat(app.json(enrol).get("sent_to").asText()).endsWith(phone.substring(phone.length() - 4)).doesNotContain(phone);
        Map<String, String> text = texts.stream().filter(m -> phone.equals(m.get("To"))).findFirst().orElseThrow();
        assertThat(text.get("From")).isEqualTo("+15005550006");
        assertThat(smsAuth.get(smsAuth.size() - 1)).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString("AC123:sms-token-secret".getBytes(StandardCharsets.UTF_8))
                + " application/x-www-form-urlencoded");
        String code = lastTextTo(phone);
        assertThat(app.postJson("/v1/mfa/sms/confirm", app.body(Map.of("code", code)), token).statusCode()).isEqualTo(200);

        String mfa = mfaToken(app, email);
        CLOCK.advance(Duration.ofSeconds(31));
        assertThat(loginSend(mfa, "sms").statusCode()).isEqualTo(202);
        HttpResponse<String> ok = verify(app, mfa, "sms", lastTextTo(phone));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(claims(app, app.json(ok).get("access_token").asText()).get("amr"))
                .extracting(JsonNode::asText).containsExactly("pwd", "sms");

        // a provider refusal is a clear 502, not a 500
        smsStatus.set(500);
        try {
            CLOCK.advance(Duration.ofSeconds(31));
            HttpResponse<String> refused = loginSend(mfaToken(app, email), "sms");
            assertThat(refused.statusCode()).isEqualTo(502);
            assertThat(app.json(refused).at("/error/code").asText()).isEqualTo("delivery_failed");
        } finally {
            smsStatus.set(201);
        }
        // a method the user has not enrolled cannot be sent to
        assertThat(loginSend(mfaToken(app, email), "email").statusCode()).isEqualTo(404);
    }

    @Test
    void startTlsRequiredRefusesAPlainServer() {
        Map<String, String> env = new HashMap<>();
        env.put("SMTP_HOST", "127.0.0.1");
        env.put("SMTP_PORT", Integer.toString(smtp.getSmtp().getPort()));
        env.put("SMTP_STARTTLS", "true");
        try (TestApp tls = TestApp.start(env)) {
            String email = "tls-" + System.nanoTime() + "@example.test";
            tls.createUser(tls.loginAdmin(), tls.adminOrgId(), email, PASSWORD, "viewer");
            int before = smtp.getReceivedMessages().length;
            HttpResponse<String> r = tls.postJson("/v1/mfa/email/enroll", "", tls.login(email, PASSWORD));
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(smtp.getReceivedMessages()).hasSize(before);
        }
    }
}
