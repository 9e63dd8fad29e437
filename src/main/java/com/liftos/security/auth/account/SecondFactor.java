package com.liftos.security.auth.account;

import com.liftos.security.auth.user.User;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The second factor a password login may need, and what an administrator may see of a user's factors. The MFA
 * feature implements it (it depends on this feature, not the other way round); without it, no user has one.
 */
public interface SecondFactor {
    /** The methods the user has enabled (e.g. {@code totp}, {@code email}); empty when none. */
    List<String> methodsFor(User user);

    /** Whether the user's organization requires MFA ({@code require_mfa}). */
    boolean requiredByOrg(User user);

    /** The user's methods, enabled or still pending confirmation: no secret, no destination. */
    List<Factor> factorsOf(UUID userId);

    /** Those of {@code userIds} that have an enabled method (one query however many are asked about). */
    Set<UUID> withEnabledFactor(Collection<UUID> userIds);

    /**
     * One method of a user.
     *
     * @param method    {@code totp}, {@code email} or {@code sms}
     * @param status    {@code active} or {@code pending}
     * @param enabledAt when it was confirmed, if it was
     */
    record Factor(String method, String status, Optional<Instant> enabledAt) {}

    SecondFactor NONE = new SecondFactor() {
        @Override
        public List<String> methodsFor(User user) {
            return List.of();
        }

        @Override
        public boolean requiredByOrg(User user) {
            return false;
        }

        @Override
        public List<Factor> factorsOf(UUID userId) {
            return List.of();
        }

        @Override
        public Set<UUID> withEnabledFactor(Collection<UUID> userIds) {
            return Set.of();
        }
    };
}
