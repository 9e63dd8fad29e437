package com.liftos.security.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A service account's access token (OAuth 2.0 client credentials), cached and obtained anew {@code refreshBefore}
 * (at most half its lifetime) before it expires; concurrent callers share one request. The secret is in no
 * {@code toString()}, exception or log line.
 */
public final class ServiceTokens {
    private final Http http;
    private final String tokenUrl;
    private final String clientId;
    private final String basic;
    private final Duration refreshBefore;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Cached cached;
    private final java.util.concurrent.atomic.AtomicInteger grants = new java.util.concurrent.atomic.AtomicInteger();

    private record Cached(String token, String orgId, Instant refreshAt) {}

    public ServiceTokens(String tokenUrl, String clientId, String clientSecret, Duration refreshBefore, Clock clock) {
        this(new Http(), tokenUrl, clientId, clientSecret, refreshBefore, clock);
    }

    ServiceTokens(Http http, String tokenUrl, String clientId, String clientSecret, Duration refreshBefore, Clock clock) {
        this.http = http;
        this.tokenUrl = tokenUrl;
        this.clientId = clientId;
        // RFC 6749 §2.3.1: both parts form-encoded before the Basic encoding
        String pair = URLEncoder.encode(clientId, StandardCharsets.UTF_8) + ":" + URLEncoder.encode(clientSecret, StandardCharsets.UTF_8);
        this.basic = "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
        this.refreshBefore = refreshBefore;
        this.clock = clock;
    }

    /** The current token, obtained or renewed when due. */
    public String token() {
        Cached c = cached;
        if (c != null && clock.instant().isBefore(c.refreshAt())) {
            return c.token();
        }
        lock.lock();
        try {
            c = cached;
            if (c != null && clock.instant().isBefore(c.refreshAt())) {
                return c.token();
            }
            return obtain().token();
        } finally {
            lock.unlock();
        }
    }

    /** The service account's organization (its token's {@code org_id}). */
    public String orgId() {
        token();
        return cached.orgId();
    }

    /** Forgets the cached token (after a 401). */
    public void invalidate() {
        cached = null;
    }

    /** How many grants were made (tests and metrics). */
    public int grants() {
        return grants.get();
    }

    String clientAuthorization() {
        return basic;
    }

    private Cached obtain() {
        Instant started = clock.instant();
        JsonNode body = Http.json(http.send(http.request(tokenUrl).header("Authorization", basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build()));
        String token = body.path("access_token").asText();
        long lifetime = body.path("expires_in").asLong(300);
        Duration margin = refreshBefore.compareTo(Duration.ofSeconds(lifetime / 2)) < 0 ? refreshBefore : Duration.ofSeconds(lifetime / 2);
        String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
        String orgId;
        try {
            orgId = Http.JSON.readTree(payload).path("org_id").asText();
        } catch (java.io.IOException e) {
            throw new ServiceException(200, "malformed_token", "the token endpoint answered a token without claims");
        }
        Cached c = new Cached(token, orgId, started.plusSeconds(lifetime).minus(margin));
        cached = c;
        grants.incrementAndGet();
        return c;
    }

    @Override
    public String toString() {
        return "ServiceTokens[clientId=" + clientId + ", tokenUrl=" + tokenUrl + ", secret=***]";
    }
}
