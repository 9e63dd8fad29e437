package com.liftos.security.http;

import com.liftos.security.identity.Permission;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What a route demands of its caller, declared next to its path: the Java counterpart of the seed's
 * {@code require_auth}, {@code require_permissions}, {@code require_low_risk} and step-up MFA.
 *
 * @param isPublic    no token needed
 * @param permissions every one must be held
 * @param category    rate-limit category: auth, api, sensitive, or credential (the feature counts by who is asking)
 * @param maxRisk     highest request risk score allowed, when set
 * @param stepUpMfa   whether an elevated-risk request needs a recent MFA
 * @param selfOrPermissions the permissions may be skipped when the path's {@code userId} is the caller
 */
public record Access(boolean isPublic, List<Permission> permissions, RateCategory category,
                     Optional<Double> maxRisk, boolean stepUpMfa, boolean selfOrPermissions) {

    public enum RateCategory { AUTH, API, SENSITIVE,
        /**
         * A public route that checks a credential (password, MFA code, refresh token, client secret): the gate
         * draws only the per-IP ceiling, the feature draws budgets keyed by who is asking, once it knows.
         */
        CREDENTIAL;

        public String wire() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    public Access {
        permissions = List.copyOf(permissions);
    }

    /** No token needed; rate limited in {@code category}. */
    public static Access open(RateCategory category) {
        return new Access(true, List.of(), category, Optional.empty(), false, false);
    }

    /** Any valid token. */
    public static Access authenticated() {
        return new Access(false, List.of(), RateCategory.API, Optional.empty(), false, false);
    }

    /** A valid token holding every permission named. */
    public static Access require(String... permissions) {
        return new Access(false, Arrays.stream(permissions).map(Permission::parse).toList(), RateCategory.API,
                Optional.empty(), false, false);
    }

    public Access rateCategory(RateCategory c) {
        return new Access(isPublic, permissions, c, maxRisk, stepUpMfa, selfOrPermissions);
    }

    public Access maxRisk(double max) {
        return new Access(isPublic, permissions, category, Optional.of(max), stepUpMfa, selfOrPermissions);
    }

    public Access requireStepUpMfa() {
        return new Access(isPublic, permissions, category, maxRisk, true, selfOrPermissions);
    }

    /** The caller may act on their own {@code {userId}} without the permissions. */
    public Access orSelf() {
        return new Access(isPublic, permissions, category, maxRisk, stepUpMfa, true);
    }
}
