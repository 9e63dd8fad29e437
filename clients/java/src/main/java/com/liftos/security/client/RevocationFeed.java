package com.liftos.security.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The revocation feed ({@code GET /v1/revocations/stream}, server-sent events): ended sessions, revoked token ids and
 * disabled service accounts reach this process within a second. One virtual thread holds the stream, resumes from
 * the last event id ({@code Last-Event-ID}) after a disconnect and applies the service's snapshots; what it learnt is
 * kept for {@code retention} (longer than an access token lives).
 */
public final class RevocationFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RevocationFeed.class);

    private final Http http;
    private final String streamUrl;
    private final ServiceTokens tokens;
    private final Duration retention;
    private final Clock clock;
    private final Map<String, Instant> sessions = new ConcurrentHashMap<>();
    private final Map<String, Instant> jtis = new ConcurrentHashMap<>();
    private final Map<String, Instant> accounts = new ConcurrentHashMap<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final AtomicInteger snapshots = new AtomicInteger();
    private final AtomicInteger events = new AtomicInteger();
    private volatile String position;
    private volatile Instant disconnectedSince;
    private volatile boolean closed;
    private volatile InputStream body;
    private Thread thread;

    public RevocationFeed(String streamUrl, ServiceTokens tokens, Optional<String> resumeFrom, Duration retention, Clock clock) {
        this(new Http(), streamUrl, tokens, resumeFrom, retention, clock);
    }

    RevocationFeed(Http http, String streamUrl, ServiceTokens tokens, Optional<String> resumeFrom, Duration retention, Clock clock) {
        this.http = http;
        this.streamUrl = streamUrl;
        this.tokens = tokens;
        this.position = resumeFrom.orElse(null);
        this.retention = retention;
        this.clock = clock;
        this.disconnectedSince = clock.instant();
    }

    public synchronized RevocationFeed start() {
        if (thread == null) {
            thread = Thread.ofVirtual().name("liftos-revocation-feed").start(this::run);
        }
        return this;
    }

    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isRevoked(String jti, Optional<String> sessionId, String subject) {
        return jtis.containsKey(jti) || sessionId.map(sessions::containsKey).orElse(false) || accounts.containsKey(subject);
    }

    /** How long the stream has been lost (zero while connected). */
    public Duration staleFor() {
        Instant since = disconnectedSince;
        return since == null ? Duration.ZERO : Duration.between(since, clock.instant());
    }

    /** The resume position: the id of the last event applied. */
    public Optional<String> position() {
        return Optional.ofNullable(position);
    }

    public int snapshots() {
        return snapshots.get();
    }

    public int events() {
        return events.get();
    }

    private void run() {
        long backoff = 1000;
        while (!closed) {
            try {
                stream();
                backoff = 1000;
            } catch (Exception e) {
                if (closed) {
                    break;
                }
                LOG.warn("revocation feed disconnected ({}); reconnecting in {} ms", e.getClass().getSimpleName(), backoff);
            }
            markDisconnected();
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(backoff * 2, 10_000);
        }
    }

    private void markDisconnected() {
        if (disconnectedSince == null) {
            disconnectedSince = clock.instant();
        }
    }

    private void stream() throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(java.net.URI.create(streamUrl))
                .header("Authorization", "Bearer " + tokens.token()).header("Accept", "text/event-stream")
                .header("User-Agent", Http.USER_AGENT);
        String at = position;
        if (at != null) {
            b.header("Last-Event-ID", at);
        }
        HttpResponse<InputStream> r = http.client.send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        body = r.body();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            if (r.statusCode() == 401) {
                tokens.invalidate();
                throw new IOException("feed refused the token (401)");
            }
            if (r.statusCode() != 200) {
                throw new IOException("feed answered " + r.statusCode());
            }
            if (at != null) {
                disconnectedSince = null;
            }
            String id = null;
            String name = null;
            StringBuilder data = new StringBuilder();
            for (String line = in.readLine(); line != null && !closed; line = in.readLine()) {
                if (line.isEmpty()) {
                    if (name != null) {
                        apply(name, id, data.toString());
                    }
                    id = null;
                    name = null;
                    data.setLength(0);
                } else if (line.startsWith(":")) {
                    continue;
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).strip();
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                }
            }
            throw new IOException("feed closed");
        }
    }

    private void apply(String name, String id, String data) throws IOException {
        Instant now = clock.instant();
        JsonNode body = Http.JSON.readTree(data);
        switch (name) {
            case "snapshot" -> {
                body.path("revoked_jtis").forEach(n -> jtis.putIfAbsent(n.asText(), now));
                body.path("ended_sessions").forEach(n -> sessions.putIfAbsent(n.asText(), now));
                body.path("disabled_service_accounts").forEach(n -> accounts.putIfAbsent(n.asText(), now));
                snapshots.incrementAndGet();
                Instant cutoff = now.minus(retention);
                for (Map<String, Instant> m : java.util.List.of(jtis, sessions, accounts)) {
                    m.values().removeIf(t -> t.isBefore(cutoff));
                }
            }
            case "session_ended" -> sessions.put(body.path("id").asText(), now);
            case "token_revoked" -> jtis.put(body.path("id").asText(), now);
            case "service_account_disabled" -> accounts.put(body.path("id").asText(), now);
            default -> {
                return;
            }
        }
        if (!name.equals("snapshot")) {
            events.incrementAndGet();
        }
        if (id != null) {
            position = id;
        }
        disconnectedSince = null;
        ready.countDown();
    }

    @Override
    public void close() {
        closed = true;
        markDisconnected();
        InputStream b = body;
        if (b != null) {
            try {
                b.close();
            } catch (IOException ignored) {
                // closing what another thread reads
            }
        }
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }
}
