package com.liftos.security.client;

import java.util.Map;
import java.util.Optional;

/** A revealed vault credential; {@link #toString()} names its fields, never their values. */
public record Credential(String provider, String keyName, int version, Map<String, String> values) {
    public Credential {
        values = Map.copyOf(values);
    }

    public Optional<String> value(String field) {
        return Optional.ofNullable(values.get(field));
    }

    @Override
    public String toString() {
        return "Credential[provider=" + provider + ", keyName=" + keyName + ", version=" + version + ", fields="
                + new java.util.TreeSet<>(values.keySet()) + "]";
    }
}
