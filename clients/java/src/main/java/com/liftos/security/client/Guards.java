package com.liftos.security.client;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** What the Javalin guards and the Servlet filter share: the bearer token, its check, the refusals. */
final class Guards {
    static final String ATTRIBUTE = "liftos.principal";

    /** A refusal: {@code status} with the service's error format. */
    record Refusal(int status, String code, String message) {
        String json() {
            return "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message.replace("\"", "'") + "\"}}";
        }
    }

    static final Refusal UNAUTHORIZED = new Refusal(401, "unauthorized", "Missing or invalid access token");

    private Guards() {}

    static Optional<String> bearer(String header) {
        if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String t = header.substring(7).strip();
        return t.isEmpty() ? Optional.empty() : Optional.of(t);
    }

    static Optional<Refusal> permissions(Principal p, List<String> wanted) {
        List<String> missing = wanted.stream().filter(w -> !p.hasPermission(w)).toList();
        return missing.isEmpty() ? Optional.empty() : Optional.of(new Refusal(403, "forbidden", "Missing permission: " + String.join(", ", missing)));
    }

    static Optional<Refusal> roles(Principal p, List<String> anyOf) {
        return anyOf.stream().anyMatch(p::hasRole) ? Optional.empty()
                : Optional.of(new Refusal(403, "forbidden", "This requires one of the roles: " + String.join(", ", anyOf)));
    }

    static Refusal riskTooHigh() {
        return new Refusal(403, "risk_too_high", "The request's risk is too high for this operation");
    }

    static List<String> list(String... items) {
        return List.copyOf(Arrays.asList(items));
    }
}
