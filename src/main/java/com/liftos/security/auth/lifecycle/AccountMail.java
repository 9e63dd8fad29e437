package com.liftos.security.auth.lifecycle;


/**
 * Sends one plain-text mail and returns once the server accepted it; throws (naming no address or content) when
 * it did not. Wired in {@code App} to the service's SMTP mailer; absent when mail is not configured.
 */
@FunctionalInterface
public interface AccountMail {
    void send(String to, String subject, String body);

}
