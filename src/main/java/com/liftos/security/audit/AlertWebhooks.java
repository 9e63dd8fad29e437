package com.liftos.security.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.store.Db;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers high and critical events, and those their feature marks to be sent whatever their risk (a connection made,
 * lost or removed: {@code SecurityEvent.Builder#notifyWebhooks}), to the configured webhooks from the durable outbox that the audit writer fills
 * in the same statement as the event. Delivery is off the request path, so a failing webhook never blocks or loses
 * an event: it is retried with exponential backoff ({@code base * 2^(attempt-1)}, capped at one hour) up to
 * {@value #MAX_ATTEMPTS} attempts, and every attempt is recorded in {@code audit_webhook_deliveries}.
 *
 * <p>Wire format: {@code POST} with a JSON body {@code {"type":"security_alert","event":{...}}} ({@code security_event} below high risk) and headers
 * {@code X-LiftOS-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>},
 * {@code X-LiftOS-Event-Id} and {@code X-LiftOS-Delivery}. Receivers should check the signature in constant time
 * and refuse timestamps older than a few minutes. Webhook URLs may embed credentials, so they are stored and
 * logged only as an id (the first 16 hex digits of their SHA-256).
 */
public final class AlertWebhooks {
    private static final Logger LOG = LoggerFactory.getLogger(AlertWebhooks.class);
    static final int MAX_ATTEMPTS = 8;
    private static final Duration LEASE = Duration.ofMinutes(2);
    private static final Duration MAX_BACKOFF = Duration.ofHours(1);

    private final Db db;
    private final AuditQuery query;
    private final ObjectMapper json;
    private final Clock clock;
    private final Map<String, URI> urls;
    private final SecretKeySpec secret;
    private final Duration retryBase;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    public AlertWebhooks(Db db, AuditQuery query, ObjectMapper json, Clock clock, List<URI> urls, byte[] secret, Duration retryBase) {
        this.db = db;
        this.query = query;
        this.json = json;
        this.clock = clock;
        Map<String, URI> byId = new LinkedHashMap<>();
        urls.forEach(u -> byId.put(id(u), u));
        this.urls = Map.copyOf(byId);
        this.secret = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.retryBase = retryBase;
    }

    /** The ids the audit writer enqueues alerts for. */
    public List<String> webhookIds() {
        return List.copyOf(urls.keySet());
    }

    static String id(URI url) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(url.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private record Claimed(long id, UUID eventId, String webhookId, int attempt) {}

    /** Delivers every due alert once; returns how many deliveries were attempted. */
    public int deliverDue() {
        Instant now = clock.instant();
        List<Claimed> claimed = db.tx(c -> {
            List<Claimed> rows = new ArrayList<>();
            // Claim with a lease (another instance skips locked and leased rows); a crash mid-delivery retries later.
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE audit_alert_outbox SET attempts = attempts + 1, next_attempt_at = ?
                    WHERE id IN (SELECT id FROM audit_alert_outbox WHERE status = 'pending' AND next_attempt_at <= ?
                                 ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED)
                    RETURNING id, event_id, webhook_id, attempts
                    """)) {
                ps.setTimestamp(1, Timestamp.from(now.plus(LEASE)));
                ps.setTimestamp(2, Timestamp.from(now));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new Claimed(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3), rs.getInt(4)));
                    }
                }
            }
            return rows;
        });
        for (Claimed c : claimed) {
            deliver(c);
        }
        return claimed.size();
    }

    private void deliver(Claimed c) {
        URI url = urls.get(c.webhookId());
        Optional<Map<String, Object>> event = query.byEventId(c.eventId());
        Integer status = null;
        String error = null;
        long t0 = System.nanoTime();
        if (url == null) {
            error = "webhook no longer configured";
        } else if (event.isEmpty()) {
            error = "event no longer stored (purged)";
        } else {
            try {
                Map<String, Object> payload = new LinkedHashMap<>();
                boolean alert = event.get().get("risk_level") instanceof String level
                        && RiskLevel.fromWire(level).map(l -> l.compareTo(RiskLevel.HIGH) >= 0).orElse(false);
                payload.put("type", alert ? "security_alert" : "security_event");
                payload.put("event", event.get());
                byte[] body = json.writeValueAsBytes(payload);
                long ts = clock.instant().getEpochSecond();
                HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .header("User-Agent", "LiftOS-Security-Alerts/1")
                        .header("X-LiftOS-Signature", "t=" + ts + ",v1=" + sign(ts, body))
                        .header("X-LiftOS-Event-Id", c.eventId().toString())
                        .header("X-LiftOS-Delivery", Long.toString(c.id()))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                error = e.getClass().getSimpleName();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                error = "interrupted";
            }
        }
        int millis = (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - t0) / 1_000_000);
        boolean ok = status != null && status >= 200 && status < 300;
        boolean permanent = url == null || event.isEmpty();
        String outcome = ok ? "delivered" : permanent || c.attempt() >= MAX_ATTEMPTS ? "failed" : "pending";
        Instant next = clock.instant().plus(backoff(c.attempt()));
        Integer statusCode = status;
        String err = error;
        db.tx(conn -> {
            try (PreparedStatement ps = conn.prepareStatement("""
                    INSERT INTO audit_webhook_deliveries (outbox_id, attempt, attempted_at, status_code, error, duration_ms)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)) {
                ps.setLong(1, c.id());
                ps.setInt(2, c.attempt());
                ps.setTimestamp(3, Timestamp.from(clock.instant()));
                ps.setObject(4, statusCode);
                ps.setString(5, err);
                ps.setInt(6, millis);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = conn.prepareStatement("UPDATE audit_alert_outbox SET status = ?, next_attempt_at = ? WHERE id = ?")) {
                ps.setString(1, outcome);
                ps.setTimestamp(2, Timestamp.from(next));
                ps.setLong(3, c.id());
                ps.executeUpdate();
            }
            return null;
        });
        if (!ok) {
            LOG.warn("alert webhook {} delivery {} attempt {} failed ({}); {}", c.webhookId(), c.id(), c.attempt(),
                    status != null ? "HTTP " + status : error, outcome.equals("failed") ? "giving up" : "will retry");
        }
    }

    Duration backoff(int attempt) {
        Duration d = retryBase.multipliedBy(1L << Math.min(20, Math.max(0, attempt - 1)));
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    /** Hex HMAC-SHA256 over {@code "<t>." + body}. */
    String sign(long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(secret);
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }
}
