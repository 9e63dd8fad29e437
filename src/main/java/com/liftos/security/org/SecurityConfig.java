package com.liftos.security.org;

import com.liftos.security.config.Cidr;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An organization's security configuration: the seed's "Security Configuration" block with its defaults.
 * Absent fields take their default; {@link #problems()} lists every invalid value, one line each.
 */
public record SecurityConfig(
        Integer maxConcurrentSessions,
        Integer sessionTimeoutMinutes,
        Boolean requireMfa,
        List<String> allowedIpRanges,
        Map<String, RateLimit> apiRateLimits,
        PasswordPolicy passwordPolicy,
        Integer auditRetentionDays,
        ComplianceSettings complianceSettings,
        IncidentThresholds incidentThresholds,
        List<String> securityContacts,
        List<String> phishingResistantMfaRoles,
        List<String> passkeyAaguids) {

    /** Incident detection thresholds (the guide's automated detection figures) and containment durations. */
    public record IncidentThresholds(Integer failedLoginsPerUser, Integer failedLoginWindowMinutes,
                                     Integer failedLoginsPerIp, Integer distinctAccountsPerIp,
                                     Integer lockMinutes, Integer ipBlockMinutes,
                                     Integer rateLimitHitsPerHour, Integer apiErrorsPer10Minutes,
                                     Integer distinctIpsPerUserPerHour, Integer failedLoginIpsPerUserPerHour,
                                     Integer slowFailuresPerIp, Integer slowWindowHours) {
        public IncidentThresholds {
            failedLoginsPerUser = failedLoginsPerUser == null ? 10 : failedLoginsPerUser;
            failedLoginWindowMinutes = failedLoginWindowMinutes == null ? 5 : failedLoginWindowMinutes;
            failedLoginsPerIp = failedLoginsPerIp == null ? 20 : failedLoginsPerIp;
            distinctAccountsPerIp = distinctAccountsPerIp == null ? 5 : distinctAccountsPerIp;
            lockMinutes = lockMinutes == null ? 15 : lockMinutes;
            ipBlockMinutes = ipBlockMinutes == null ? 60 : ipBlockMinutes;
            rateLimitHitsPerHour = rateLimitHitsPerHour == null ? 100 : rateLimitHitsPerHour;
            apiErrorsPer10Minutes = apiErrorsPer10Minutes == null ? 50 : apiErrorsPer10Minutes;
            distinctIpsPerUserPerHour = distinctIpsPerUserPerHour == null ? 5 : distinctIpsPerUserPerHour;
            failedLoginIpsPerUserPerHour = failedLoginIpsPerUserPerHour == null ? 5 : failedLoginIpsPerUserPerHour;
            slowFailuresPerIp = slowFailuresPerIp == null ? 30 : slowFailuresPerIp;
            slowWindowHours = slowWindowHours == null ? 72 : slowWindowHours;
        }

        public static IncidentThresholds defaults() {
            return new IncidentThresholds(null, null, null, null, null, null, null, null, null, null, null, null);
        }

        List<String> problems() {
            List<String> p = new ArrayList<>();
            check(p, "failed_logins_per_user", failedLoginsPerUser, 1, 10_000);
            check(p, "failed_login_window_minutes", failedLoginWindowMinutes, 1, 1440);
            check(p, "failed_logins_per_ip", failedLoginsPerIp, 1, 100_000);
            check(p, "distinct_accounts_per_ip", distinctAccountsPerIp, 2, 10_000);
            check(p, "lock_minutes", lockMinutes, 1, 60 * 24 * 365);
            check(p, "ip_block_minutes", ipBlockMinutes, 1, 60 * 24 * 365);
            check(p, "rate_limit_hits_per_hour", rateLimitHitsPerHour, 1, 1_000_000);
            check(p, "api_errors_per_10_minutes", apiErrorsPer10Minutes, 1, 1_000_000);
            check(p, "distinct_ips_per_user_per_hour", distinctIpsPerUserPerHour, 2, 10_000);
            check(p, "failed_login_ips_per_user_per_hour", failedLoginIpsPerUserPerHour, 2, 10_000);
            check(p, "slow_failures_per_ip", slowFailuresPerIp, 2, 1_000_000);
            check(p, "slow_window_hours", slowWindowHours, 1, 24 * 30);
            return p;
        }

        private static void check(List<String> p, String field, int value, int min, int max) {
            if (value < min || value > max) {
                p.add("incident_thresholds." + field + " must be between " + min + " and " + max);
            }
        }
    }

    /** {@code limit} requests per {@code window} seconds. */
    public record RateLimit(int limit, int window) {}

    public record PasswordPolicy(Integer minLength, Boolean requireUppercase, Boolean requireLowercase,
                                 Boolean requireNumbers, Boolean requireSymbols, Integer maxAgeDays) {
        public PasswordPolicy {
            minLength = minLength == null ? 12 : minLength;
            requireUppercase = requireUppercase == null || requireUppercase;
            requireLowercase = requireLowercase == null || requireLowercase;
            requireNumbers = requireNumbers == null || requireNumbers;
            requireSymbols = requireSymbols == null || requireSymbols;
            maxAgeDays = maxAgeDays == null ? 90 : maxAgeDays;
        }

        public static PasswordPolicy defaults() {
            return new PasswordPolicy(null, null, null, null, null, null);
        }
    }

    public record ComplianceSettings(Boolean soc2Compliance, Boolean gdprCompliance,
                                     Boolean encryptionAtRest, Boolean encryptionInTransit) {
        public ComplianceSettings {
            soc2Compliance = soc2Compliance == null || soc2Compliance;
            gdprCompliance = gdprCompliance == null || gdprCompliance;
            encryptionAtRest = encryptionAtRest == null || encryptionAtRest;
            encryptionInTransit = encryptionInTransit == null || encryptionInTransit;
        }

        public static ComplianceSettings defaults() {
            return new ComplianceSettings(null, null, null, null);
        }
    }

    public static final Map<String, RateLimit> DEFAULT_RATE_LIMITS = Map.of(
            "auth", new RateLimit(5, 300),
            "api", new RateLimit(1000, 3600),
            "sensitive", new RateLimit(10, 60));

    public SecurityConfig {
        maxConcurrentSessions = maxConcurrentSessions == null ? 3 : maxConcurrentSessions;
        sessionTimeoutMinutes = sessionTimeoutMinutes == null ? 480 : sessionTimeoutMinutes;
        requireMfa = requireMfa != null && requireMfa;
        allowedIpRanges = allowedIpRanges == null ? List.of("0.0.0.0/0") : List.copyOf(allowedIpRanges);
        if (apiRateLimits == null) {
            apiRateLimits = DEFAULT_RATE_LIMITS;
        } else {
            var merged = new java.util.TreeMap<>(DEFAULT_RATE_LIMITS);
            merged.putAll(apiRateLimits);
            apiRateLimits = Map.copyOf(merged);
        }
        passwordPolicy = passwordPolicy == null ? PasswordPolicy.defaults() : passwordPolicy;
        auditRetentionDays = auditRetentionDays == null ? 365 : auditRetentionDays;
        complianceSettings = complianceSettings == null ? ComplianceSettings.defaults() : complianceSettings;
        incidentThresholds = incidentThresholds == null ? IncidentThresholds.defaults() : incidentThresholds;
        securityContacts = securityContacts == null ? List.of() : List.copyOf(securityContacts);
        phishingResistantMfaRoles = phishingResistantMfaRoles == null ? List.of() : List.copyOf(phishingResistantMfaRoles);
        passkeyAaguids = passkeyAaguids == null ? List.of()
                : passkeyAaguids.stream().map(a -> a == null ? "" : a.toLowerCase(java.util.Locale.ROOT)).toList();
    }

    /** Whether a member of {@code roles} must sign in with a phishing-resistant factor (a passkey). */
    public boolean requiresPhishingResistantMfa(java.util.Collection<String> roles) {
        return roles.stream().anyMatch(phishingResistantMfaRoles::contains);
    }

    public static SecurityConfig defaults() {
        return new SecurityConfig(null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Every invalid value, one line each naming the field; empty when valid. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (maxConcurrentSessions < 1 || maxConcurrentSessions > 1000) {
            p.add("max_concurrent_sessions must be between 1 and 1000");
        }
        if (sessionTimeoutMinutes < 1 || sessionTimeoutMinutes > 60 * 24 * 30) {
            p.add("session_timeout_minutes must be between 1 and 43200");
        }
        for (String range : allowedIpRanges) {
            if (!Cidr.isValid(range)) {
                p.add("allowed_ip_ranges contains an invalid CIDR range");
            }
        }
        apiRateLimits.forEach((category, limit) -> {
            if (!DEFAULT_RATE_LIMITS.containsKey(category)) {
                p.add("api_rate_limits has unknown category '" + category.replaceAll("[^a-z_]", "") + "' (auth, api, sensitive)");
            } else if (limit.limit() < 1 || limit.window() < 1 || limit.window() > 86_400) {
                p.add("api_rate_limits." + category + " needs limit >= 1 and window between 1 and 86400 seconds");
            }
        });
        if (passwordPolicy.minLength() < 8 || passwordPolicy.minLength() > 256) {
            p.add("password_policy.min_length must be between 8 and 256");
        }
        if (passwordPolicy.maxAgeDays() < 0) {
            p.add("password_policy.max_age_days must not be negative (0 = never expires)");
        }
        if (auditRetentionDays < 1) {
            p.add("audit_retention_days must be at least 1");
        }
        p.addAll(incidentThresholds.problems());
        if (securityContacts.size() > 20) {
            p.add("security_contacts holds at most 20 addresses");
        }
        for (String contact : securityContacts) {
            if (contact == null || contact.length() > 254 || !contact.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
                p.add("security_contacts contains an invalid email address");
                break;
            }
        }
        if (phishingResistantMfaRoles.size() > 50 || phishingResistantMfaRoles.stream().anyMatch(r -> r == null || !r.matches("[a-z0-9_-]{1,64}"))) {
            p.add("phishing_resistant_mfa_roles holds at most 50 role ids (a-z, 0-9, _ and -)");
        }
        if (passkeyAaguids.size() > 200 || passkeyAaguids.stream().anyMatch(a -> !a.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"))) {
            p.add("passkey_aaguids holds at most 200 AAGUIDs, each a UUID");
        }
        return p;
    }
}
