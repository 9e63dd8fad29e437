package com.liftos.security.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.LogCapture;
import com.liftos.security.testing.TestApp;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An instance on a shared database without the fleet's public URL issues tokens under its own address, which the
 * other instances refuse: it says so at start, and stays quiet when the URL is given.
 */
class FleetIssuerWarningTest {
    private static final String WARNING = "LIFTOS_PUBLIC_URL is not set";

    @Test
    void anInstanceOnASharedDatabaseWithoutThePublicUrlWarns() {
        try (LogCapture log = new LogCapture(); TestApp app = TestApp.start()) {
            assertThat(log.text()).contains(WARNING).contains("other instances sharing this database will refuse them");
        }
    }

    @Test
    void anInstanceGivenThePublicUrlDoesNotWarn() {
        try (LogCapture log = new LogCapture(); TestApp app = TestApp.start(Map.of("LIFTOS_PUBLIC_URL", "https://security.example.test"))) {
            assertThat(log.text()).doesNotContain(WARNING);
        }
    }
}
