package com.liftos.security.auth.account;

import java.util.UUID;

/** Whether a client address may sign in for an organization (its {@code allowed_ip_ranges}). */
@FunctionalInterface
public interface NetworkPolicy {
    boolean permits(UUID orgId, String clientIp);
}
