package com.liftos.security.subject;

import java.util.Objects;
import java.util.UUID;

/**
 * The person whose data an export or erasure is about: a user of one organization. The email is carried so that a
 * feature filing records under the address (audit details) finds them too.
 */
public record DataSubject(UUID orgId, UUID userId, String email) {
    public DataSubject {
        Objects.requireNonNull(orgId);
        Objects.requireNonNull(userId);
        Objects.requireNonNull(email);
    }

    @Override
    public String toString() {
        return "DataSubject[orgId=" + orgId + ", userId=" + userId + "]";
    }
}
