package com.liftos.security.auth;

import java.util.List;
import java.util.Map;

/**
 * A token response as it goes on the wire: the JSON body, the headers to set (cache control) and the cookies
 * ({@code Set-Cookie} values: the refresh cookie, the device cookie), each sent as a header of its own.
 */
public record TokenResponse(Map<String, Object> body, Map<String, String> headers, List<String> cookies) {
    public TokenResponse {
        body = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(body));
        headers = Map.copyOf(headers);
        cookies = List.copyOf(cookies);
    }

    @Override
    public String toString() {
        return "TokenResponse[" + body.keySet() + "]";
    }
}
