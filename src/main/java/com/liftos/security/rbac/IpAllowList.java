package com.liftos.security.rbac;

import java.util.UUID;

/**
 * The organization's {@code allowed_ip_ranges}: enforced on every token use by {@link IpAllowListGuard}, and
 * offered to login through {@link #permits}.
 */
public final class IpAllowList {
    private final SecurityConfigCache configs;

    public IpAllowList(SecurityConfigCache configs) {
        this.configs = configs;
    }

    /** Whether {@code ip} (the resolved client address) may act for the organization. */
    public boolean permits(UUID orgId, String ip) {
        return configs.allowedRanges(orgId).permits(ip);
    }
}
