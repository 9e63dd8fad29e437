package com.liftos.security.auth;

import java.util.Map;

/** A token response as it goes on the wire: the JSON body and the headers to set (cookie, cache control). */
public record TokenResponse(Map<String, Object> body, Map<String, String> headers) {
    public TokenResponse {
        body = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(body));
        headers = Map.copyOf(headers);
    }

    @Override
    public String toString() {
        return "TokenResponse[" + body.keySet() + "]";
    }
}
