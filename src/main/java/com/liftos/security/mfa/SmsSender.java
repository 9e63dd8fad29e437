package com.liftos.security.mfa;

import com.liftos.security.config.Config;
import java.net.http.HttpClient;
import java.util.Optional;

/**
 * Sends a text message. Pluggable: the shipped sender posts a Twilio-compatible form; a deployment may pass its
 * own to {@link Mfa}. {@link #send} throws {@link DeliveryException} when the provider refuses.
 */
public interface SmsSender {
    void send(String toE164, String body);

    /** The configured HTTP sender ({@code LIFTOS_SMS_*}); empty when no endpoint is set. */
    static Optional<SmsSender> fromConfig(Optional<Config.Sms> sms) {
        return sms.map(s -> new HttpSmsSender(s, HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build()));
    }
}
