package com.liftos.security.auth.account;

import com.liftos.security.auth.user.User;
import java.net.URI;
import java.time.Instant;

/**
 * Tells an account's owner what the login defenses did to their account. Wired in {@code App} to the mailer;
 * {@link #none()} when mail is off (the lock still holds and still expires; admins see the incident).
 */
@FunctionalInterface
public interface OwnerNotices {
    /**
     * Sign-ins from devices the account has not used before are locked until {@code until}; {@code unlockLink}
     * lifts the lock once. Delivery failures are the implementation's to log; they never fail the login.
     */
    void accountLocked(User owner, Instant until, URI unlockLink);

    static OwnerNotices none() {
        return (owner, until, link) -> { };
    }
}
