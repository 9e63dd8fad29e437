package com.liftos.security.vault;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Reveal statistics per provider and key over the last {@code days} days (UTC days and hours).
 *
 * @param credentials one entry per provider and key name with any access in the window
 */
public record UsageAnalytics(UUID orgId, int days, Instant since, List<KeyUsage> credentials) {
    public UsageAnalytics {
        credentials = List.copyOf(credentials);
    }

    /**
     * @param distinctClientNetworks distinct client /24 (IPv4) or /64 (IPv6) networks
     * @param accessesByHour         24 counters, index = UTC hour of day
     */
    public record KeyUsage(String provider, String keyName, long total, long successCount, long errorCount,
                           double successRate, double errorRate, long distinctCallers, long distinctClientNetworks,
                           Map<LocalDate, Long> accessesPerDay, List<Long> accessesByHour) {
        public KeyUsage {
            accessesPerDay = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(accessesPerDay));
            accessesByHour = List.copyOf(accessesByHour);
        }
    }
}
