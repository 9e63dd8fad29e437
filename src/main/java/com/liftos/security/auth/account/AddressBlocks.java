package com.liftos.security.auth.account;

import java.util.UUID;

/** Whether containment blocked a client address for an organization (its own entries or the global ones). */
@FunctionalInterface
public interface AddressBlocks {
    boolean blocks(UUID orgId, String clientIp);

    static AddressBlocks none() {
        return (org, ip) -> false;
    }
}
