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
        ComplianceSettings complianceSettings) {

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
    }

    public static SecurityConfig defaults() {
        return new SecurityConfig(null, null, null, null, null, null, null, null);
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
        return p;
    }
}
