package com.liftos.security.auth.account;

import com.liftos.security.auth.user.User;
import java.util.List;

/**
 * The second factor a password login may need. The MFA feature implements it; without it, no user has one.
 */
public interface SecondFactor {
    /** The methods the user has enabled (e.g. {@code totp}, {@code email}); empty when none. */
    List<String> methodsFor(User user);

    /** Whether the user's organization requires MFA ({@code require_mfa}). */
    boolean requiredByOrg(User user);

    SecondFactor NONE = new SecondFactor() {
        @Override
        public List<String> methodsFor(User user) {
            return List.of();
        }

        @Override
        public boolean requiredByOrg(User user) {
            return false;
        }
    };
}
