package com.liftos.security.mfa;

import com.liftos.security.config.Config;
import java.util.Optional;

/**
 * Sends plain-text mail: MFA codes here, incident notices elsewhere. {@link #send} returns once the SMTP server
 * has accepted the message and throws {@link DeliveryException} (naming no address or content) when it does not.
 */
public interface Mailer {
    void send(String to, String subject, String body);

    /** The SMTP mailer of the configuration ({@code SMTP_*}); empty when {@code SMTP_HOST} is unset. */
    static Optional<Mailer> fromConfig(Config.Smtp smtp) {
        return smtp.host().isPresent() ? Optional.of(new SmtpMailer(smtp)) : Optional.empty();
    }
}
