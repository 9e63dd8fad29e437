package com.liftos.security.rbac;

import com.liftos.security.config.Cidr;
import com.liftos.security.org.Organizations;
import com.liftos.security.org.SecurityConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Organizations' security configurations as the edge reads them on every request: cached for {@link #TTL}
 * (a change made through this instance is seen at once; other instances see it within the TTL), with the
 * allowed IP ranges parsed once.
 */
public final class SecurityConfigCache implements Function<UUID, SecurityConfig> {
    public static final Duration TTL = Duration.ofSeconds(10);

    private final Organizations orgs;
    private final Clock clock;
    private final ConcurrentHashMap<UUID, Entry> entries = new ConcurrentHashMap<>();

    public SecurityConfigCache(Organizations orgs, Clock clock) {
        this.orgs = orgs;
        this.clock = clock;
    }

    @Override
    public SecurityConfig apply(UUID orgId) {
        return entry(orgId).config;
    }

    /** Parsed {@code allowed_ip_ranges}; {@code allowAll} when a range admits every address. */
    AllowedRanges allowedRanges(UUID orgId) {
        return entry(orgId).ranges;
    }

    public void invalidate(UUID orgId) {
        entries.remove(orgId);
    }

    private Entry entry(UUID orgId) {
        long now = clock.millis();
        Entry e = entries.get(orgId);
        if (e == null || now >= e.expiresAtMillis) {
            SecurityConfig config = orgs.securityConfig(orgId);
            e = new Entry(config, AllowedRanges.of(config.allowedIpRanges()), now + TTL.toMillis());
            if (entries.size() > 100_000) {
                entries.clear();
            }
            entries.put(orgId, e);
        }
        return e;
    }

    private record Entry(SecurityConfig config, AllowedRanges ranges, long expiresAtMillis) {}

    /**
     * {@code 0.0.0.0/0} is the seed's "no restriction" default and admits every address of either family;
     * {@code ::/0} likewise. Other ranges match their own family only.
     */
    record AllowedRanges(boolean allowAll, List<Cidr> ranges) {
        static AllowedRanges of(List<String> texts) {
            boolean all = texts.stream().map(String::strip).anyMatch(t -> t.equals("0.0.0.0/0") || t.equals("::/0"));
            return new AllowedRanges(all, texts.stream().flatMap(t -> Cidr.parse(t).stream()).toList());
        }

        boolean permits(String ip) {
            if (allowAll) {
                return true;
            }
            return Cidr.literal(ip).map(b -> ranges.stream().anyMatch(c -> c.contains(b))).orElse(false);
        }
    }
}
