package com.liftos.security.auth.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.MutableClock;
import com.liftos.security.testing.TestApp;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A token that verified once is remembered (by digest) so its next presentations skip the RSA check; these attack
 * the memory: nothing it remembers may outlive the token's expiry or its key, nor admit a near copy.
 */
class RememberedTokensTest {
    MutableClock clock;
    TestApp app;

    @BeforeEach
    void start() {
        clock = new MutableClock(Instant.now());
        app = TestApp.start(Map.of(), clock);
    }

    @AfterEach
    void stop() {
        app.close();
    }

    int status(String token) {
        return app.get("/v1/me", token).statusCode();
    }

    @Test
    void aRememberedTokenStillExpires() {
        String token = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
        assertThat(status(token)).isEqualTo(200);
        assertThat(status(token)).isEqualTo(200);
        clock.advance(Duration.ofMinutes(60).plusSeconds(1));
        assertThat(status(token)).isEqualTo(401);
    }

    @Test
    void aNearCopyOfARememberedTokenIsRefused() {
        String token = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
        assertThat(status(token)).isEqualTo(200);
        int middle = token.length() - 40;
        String changedSignature = token.substring(0, middle) + (token.charAt(middle) == 'A' ? 'B' : 'A') + token.substring(middle + 1);
        assertThat(status(changedSignature)).isEqualTo(401);
        assertThat(status(token + "A")).isEqualTo(401);
        // An RS256 signature is 342 base64url characters: the last one carries 4 unused bits. Setting them spells
        // the same signature differently; only the canonical spelling is accepted.
        char last = token.charAt(token.length() - 1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char respelled = alphabet.charAt(alphabet.indexOf(last) ^ 1);
        assertThat(status(token.substring(0, token.length() - 1) + respelled)).isEqualTo(401);
        assertThat(status(token)).isEqualTo(200);
    }

    @Test
    void aRememberedTokenStopsWhenItsKeyLeavesTheRing() {
        String token = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
        assertThat(status(token)).isEqualTo(200);
        String oldKid = app.app().auth().keys().ring().signing().kid();
        app.app().auth().keys().rotate();
        // An emergency retirement of the old key (say it leaked): every instance drops it at its next reload.
        app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE jwt_signing_keys SET retired_at = ? WHERE kid = ?")) {
                ps.setTimestamp(1, Timestamp.from(clock.instant().minusSeconds(1)));
                ps.setString(2, oldKid);
                return ps.executeUpdate();
            }
        });
        clock.advance(Duration.ofSeconds(6));
        assertThat(status(token)).isEqualTo(401);
        assertThat(status(app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD))).isEqualTo(200);
    }
}
