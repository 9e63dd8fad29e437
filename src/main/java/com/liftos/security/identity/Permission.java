package com.liftos.security.identity;

/**
 * A permission {@code action:resource}; either side may be {@code *}, and a bare {@code *} is {@code *:*}.
 * A granted permission implies a required one when each side is equal or the granted side is {@code *}, so
 * {@code read:*} implies {@code read:audit_logs} but never {@code reveal:credentials}.
 */
public record Permission(String action, String resource) {
    public static final Permission ALL = new Permission("*", "*");

    public Permission {
        if (!valid(action) || !valid(resource)) {
            throw new IllegalArgumentException("permission must be action:resource with lowercase names or *");
        }
    }

    private static boolean valid(String part) {
        return part != null && (part.equals("*") || part.matches("[a-z][a-z0-9_]{0,40}"));
    }

    /** Parses {@code action:resource} or {@code *}. */
    public static Permission parse(String text) {
        String s = text.strip();
        if (s.equals("*")) {
            return ALL;
        }
        int colon = s.indexOf(':');
        if (colon <= 0 || colon == s.length() - 1 || s.indexOf(':', colon + 1) >= 0) {
            throw new IllegalArgumentException("permission must be action:resource or *");
        }
        return new Permission(s.substring(0, colon), s.substring(colon + 1));
    }

    public boolean implies(Permission required) {
        return (action.equals("*") || action.equals(required.action))
                && (resource.equals("*") || resource.equals(required.resource));
    }

    @Override
    public String toString() {
        return this.equals(ALL) ? "*" : action + ":" + resource;
    }
}
