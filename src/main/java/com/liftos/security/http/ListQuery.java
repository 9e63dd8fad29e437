package com.liftos.security.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The query string of a cursor-paged listing, checked before anything is read: only the parameters the listing
 * knows (an unknown one is a 400 naming it, so a misspelt filter never silently lists everything), each at most
 * once, {@code limit} within 1..{@value #MAX_LIMIT}, and {@code cursor} an opaque position handed out by an earlier
 * page ({@link #cursor(List)}): base64url of the last item's sort key, which says nothing the items do not.
 * Every refusal is a 400 ({@code invalid_parameter}, or {@code invalid_cursor}) naming the parameter.
 */
public final class ListQuery {
    public static final int MAX_LIMIT = 200;
    public static final int DEFAULT_LIMIT = 50;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private final Map<String, List<String>> params;

    private ListQuery(Map<String, List<String>> params) {
        this.params = params;
    }

    /** The request's query, refused unless every parameter is {@code limit}, {@code cursor} or one of {@code filters}. */
    public static ListQuery of(Context ctx, String... filters) {
        Set<String> known = new TreeSet<>(List.of(filters));
        known.add("limit");
        known.add("cursor");
        Map<String, List<String>> params = ctx.queryParamMap();
        for (Map.Entry<String, List<String>> p : params.entrySet()) {
            if (!known.contains(p.getKey())) {
                throw ApiException.badRequest("invalid_parameter", "Unknown query parameter '" + InputText.printable(p.getKey())
                        + "' (this listing takes " + String.join(", ", known) + ")");
            }
            if (p.getValue().size() > 1) {
                throw ApiException.badRequest("invalid_parameter", "Query parameter '" + p.getKey() + "' is repeated");
            }
        }
        return new ListQuery(params);
    }

    /** {@code limit}: 1..200, {@value #DEFAULT_LIMIT} when absent. */
    public int limit() {
        Optional<String> v = value("limit");
        if (v.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        if (v.get().matches("\\d{1,3}")) {
            int n = Integer.parseInt(v.get());
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        }
        throw ApiException.badRequest("invalid_parameter", "limit must be a whole number between 1 and " + MAX_LIMIT);
    }

    /** The position {@code cursor} names, when given: exactly {@code parts} strings, else 400. */
    public Optional<Cursor> cursor(int parts) {
        return value("cursor").map(c -> {
            if (c.length() > 1024) {
                throw invalidCursor();
            }
            try {
                JsonNode node = JSON.readTree(Base64.getUrlDecoder().decode(c));
                if (node != null && node.isArray() && node.size() == parts) {
                    List<String> values = new ArrayList<>();
                    for (JsonNode n : node) {
                        if (!n.isTextual()) {
                            throw invalidCursor();
                        }
                        values.add(n.textValue());
                    }
                    return new Cursor(values);
                }
            } catch (IllegalArgumentException | IOException e) {
                throw invalidCursor();
            }
            throw invalidCursor();
        });
    }

    /** The opaque cursor of a position: the sort key of the last item of a page. */
    public static String cursor(List<String> key) {
        try {
            return ENCODER.encodeToString(JSON.writeValueAsString(key).getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a list of strings is always JSON", e);
        }
    }

    /** A text parameter of 1..{@code maxLength} characters. */
    public Optional<String> text(String name, int maxLength) {
        return value(name).map(v -> {
            if (v.isEmpty() || v.length() > maxLength) {
                throw ApiException.badRequest("invalid_parameter", name + " must be 1 to " + maxLength + " characters");
            }
            return v;
        });
    }

    /** {@code true} or {@code false}. */
    public Optional<Boolean> bool(String name) {
        return value(name).map(v -> switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ApiException.badRequest("invalid_parameter", name + " must be true or false");
        });
    }

    /** An ISO-8601 instant such as {@code 2026-01-31T00:00:00Z}. */
    public Optional<Instant> instant(String name) {
        return value(name).map(v -> {
            try {
                return Instant.parse(v);
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest("invalid_parameter", name + " must be an ISO-8601 instant such as 2026-01-31T00:00:00Z");
            }
        });
    }

    /** One of {@code values}. */
    public Optional<String> oneOf(String name, List<String> values) {
        return value(name).map(v -> {
            if (!values.contains(v)) {
                throw ApiException.badRequest("invalid_parameter", name + " must be one of " + String.join(", ", values));
            }
            return v;
        });
    }

    private Optional<String> value(String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    private static ApiException invalidCursor() {
        return ApiException.badRequest("invalid_cursor", "cursor must be the next_cursor of a previous page of this listing");
    }

    /** A decoded cursor: its parts, read as the listing's key types (a part that is not one is a 400). */
    public record Cursor(List<String> parts) {
        public Cursor {
            parts = List.copyOf(parts);
        }

        public String text(int i) {
            return parts.get(i);
        }

        public UUID uuid(int i) {
            return RequestContext.uuid(parts.get(i)).orElseThrow(ListQuery::invalidCursor);
        }

        public Instant instant(int i) {
            try {
                return Instant.parse(parts.get(i));
            } catch (DateTimeParseException e) {
                throw invalidCursor();
            }
        }
    }
}
