package com.liftos.security.incident;

/** Sends a plain-text notice to one address (the org's security contacts); the SMTP mailer in production. */
@FunctionalInterface
public interface Notifier {
    void send(String to, String subject, String body);
}
