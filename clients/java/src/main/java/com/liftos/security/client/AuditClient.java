package com.liftos.security.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes security events into the organization's audit hash chain ({@code POST /v1/orgs/{orgId}/audit/events},
 * {@code write:audit_events}); each batch has an {@code Idempotency-Key}, reused when a lost answer or a 5xx/429 is
 * retried, so the service writes it once.
 */
public final class AuditClient {
    /** What the service answered: the events' ids in order; {@code replayed} for a retry of an earlier batch. */
    public record Result(int accepted, List<String> eventIds, boolean replayed) {
        public Result {
            eventIds = List.copyOf(eventIds);
        }
    }

    private final Http http;
    private final String baseUrl;
    private final ServiceTokens tokens;

    AuditClient(Http http, String baseUrl, ServiceTokens tokens) {
        this.http = http;
        this.baseUrl = baseUrl;
        this.tokens = tokens;
    }

    /** One event ({@code event_type}, optional {@code user_id}, {@code ip_address}, {@code details}, {@code risk_level}...). */
    public String logSecurityEvent(Map<String, Object> event) {
        return log(List.of(event), UUID.randomUUID().toString()).eventIds().getFirst();
    }

    public Result log(List<Map<String, Object>> events, String idempotencyKey) {
        String url = baseUrl + "/v1/orgs/" + tokens.orgId() + "/audit/events";
        String body;
        try {
            body = Http.JSON.writeValueAsString(Map.of("events", events));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        long delay = 200;
        for (int attempt = 0; ; attempt++) {
            HttpResponse<String> r;
            try {
                r = http.send(http.request(url).header("Authorization", "Bearer " + tokens.token())
                        .header("Content-Type", "application/json").header("Idempotency-Key", idempotencyKey)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            } catch (UncheckedIOException e) {
                if (attempt >= 3) {
                    throw e;
                }
                sleep(delay);
                delay *= 2;
                continue;
            }
            if (attempt < 3 && (r.statusCode() == 401 || r.statusCode() == 429 || r.statusCode() >= 500)) {
                if (r.statusCode() == 401) {
                    tokens.invalidate();
                } else {
                    sleep(delay);
                    delay *= 2;
                }
                continue;
            }
            JsonNode b = Http.json(r);
            List<String> ids = new ArrayList<>();
            b.path("event_ids").forEach(n -> ids.add(n.asText()));
            return new Result(b.path("accepted").asInt(), ids, b.path("replayed").asBoolean());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
