package com.liftos.security.ratelimit;

/**
 * One bucket to draw from: its key (who is counted: a user, an IP, per category) and its limit. Two quotas
 * with the same key but different limits are different buckets, so a changed org limit starts a fresh bucket.
 */
public record Quota(String key, Limit limit) {
    public Quota {
        if (key == null || key.isEmpty() || key.length() > 200) {
            throw new IllegalArgumentException("quota key must have 1 to 200 characters");
        }
    }
}
