package com.liftos.security.mfa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.liftos.security.config.Config;
import com.liftos.security.config.ConfigException;
import com.liftos.security.config.ConfigLoader;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** MFA configuration: SMS endpoint rules, step-up settings, no secret in toString. */
class MfaConfigTest {

    @Test
    void smsIsOffByDefaultAndStepUpHasDefaults() {
        Config.Mfa mfa = ConfigLoader.load(Map.of()).mfa();
        assertThat(mfa.sms()).isEmpty();
        assertThat(mfa.stepUpRiskThreshold()).isEqualTo(0.5);
        assertThat(mfa.stepUpMaxAgeMinutes()).isEqualTo(15);
    }

    @Test
    void smsEndpointMustBeHttpsExceptOnLoopbackAndNeedsCredentials() {
        Map<String, String> base = Map.of("LIFTOS_SMS_FROM", "+15005550006", "LIFTOS_SMS_ACCOUNT", "AC1",
                "LIFTOS_SMS_TOKEN", "canary-sms-token");
        assertThatThrownBy(() -> ConfigLoader.load(with(base, "http://sms.example.com/send")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("LIFTOS_SMS_ENDPOINT");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("LIFTOS_SMS_ENDPOINT", "https://sms.example.com/send")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("LIFTOS_SMS_TOKEN");
        Config.Sms https = ConfigLoader.load(with(base, "https://sms.example.com/send")).mfa().sms().orElseThrow();
        assertThat(https.toString()).doesNotContain("canary-sms-token");
        assertThat(ConfigLoader.load(with(base, "http://127.0.0.1:9999/send")).mfa().sms()).isPresent();
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("LIFTOS_STEP_UP_RISK", "1.5")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("LIFTOS_STEP_UP_RISK");
    }

    private static Map<String, String> with(Map<String, String> base, String endpoint) {
        java.util.HashMap<String, String> m = new java.util.HashMap<>(base);
        m.put("LIFTOS_SMS_ENDPOINT", endpoint);
        return m;
    }
}
