package com.liftos.security.fault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Traffic a fault test runs while it breaks something: credential writers (each write audited, tagged with its own
 * request id) and refresh chains (each rotation answered 200 is acknowledged), spread round-robin over the
 * instances. It remembers every call's status, latency and {@code Retry-After}, and every acknowledged write, so the
 * test can count afterwards, straight in the database, that none of them was lost.
 */
final class FaultLoad implements AutoCloseable {
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    /** One answered (or failed: status -1) call. */
    record Call(String kind, String base, int status, long startNanos, long millis, Optional<String> retryAfter, String body) {
        boolean isServiceUnavailable() {
            return status == 503 && body.contains("\"service_unavailable\"") && retryAfter.isPresent();
        }
    }

    /** A user's refresh chain: the device and the refresh token it holds now. */
    record Chain(String deviceId, String refreshToken) {}

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<String> bases;
    private final String adminToken;
    private final UUID org;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final Queue<Call> calls = new ConcurrentLinkedQueue<>();
    /** Request id of each credential write answered 201, to its key name. */
    private final Map<String, String> ackedCredentials = new ConcurrentHashMap<>();
    private final Set<String> ackedRefreshTokens = ConcurrentHashMap.newKeySet();
    private final AtomicInteger lostSessions = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopped;

    private FaultLoad(List<String> bases, String adminToken, UUID org) {
        this.bases = List.copyOf(bases);
        this.adminToken = adminToken;
        this.org = org;
    }

    /** Starts {@code writers} credential writers and one refresher per chain, pausing {@code pause} between calls. */
    static FaultLoad start(List<String> bases, String adminToken, UUID org, int writers, List<Chain> chains, Duration pause) {
        FaultLoad load = new FaultLoad(bases, adminToken, org);
        for (int w = 0; w < writers; w++) {
            int writer = w;
            load.threads.add(Thread.ofVirtual().name("fault-writer-" + w).start(() -> load.writeCredentials(writer, pause)));
        }
        for (int c = 0; c < chains.size(); c++) {
            Chain chain = chains.get(c);
            int index = c;
            load.threads.add(Thread.ofVirtual().name("fault-refresher-" + c).start(() -> load.refresh(index, chain, pause)));
        }
        return load;
    }

    private void writeCredentials(int writer, Duration pause) {
        for (int n = 0; !stopped; n++) {
            String key = "f" + runId + "-w" + writer + "-" + n;
            String requestId = "fault-" + key;
            String base = bases.get(n % bases.size());
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/orgs/" + org + "/credentials/klaviyo/" + key))
                    .timeout(REQUEST_TIMEOUT).header("Authorization", "Bearer " + adminToken).header("X-Request-ID", requestId)
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"api_key\":\"pk_fault_" + key + "\"}")).build();
            Call call = send("credential", base, request);
            if (call.status() == 201) {
                ackedCredentials.put(requestId, key);
            }
            sleep(pause);
        }
    }

    private void refresh(int index, Chain chain, Duration pause) {
        String token = chain.refreshToken();
        for (int n = 0; !stopped; n++) {
            String base = bases.get((n + index) % bases.size());
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/auth/refresh")).timeout(REQUEST_TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body(Map.of("refresh_token", token, "device_id", chain.deviceId()))))
                    .build();
            Call call = send("refresh", base, request);
            if (call.status() == 200) {
                token = field(call.body(), "refresh_token");
                ackedRefreshTokens.add(token);
            } else if (call.status() == 401) {
                // the family ended: a fault turned a retry into reuse; the test counts these
                lostSessions.incrementAndGet();
                return;
            }
            // any other answer (503, a dead instance): retry with the token still held, as a client would
            sleep(pause);
        }
    }

    private Call send(String kind, String base, HttpRequest request) {
        long start = System.nanoTime();
        Call call;
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            call = new Call(kind, base, r.statusCode(), start, (System.nanoTime() - start) / 1_000_000,
                    r.headers().firstValue("Retry-After"), r.body());
        } catch (IOException e) {
            call = new Call(kind, base, -1, start, (System.nanoTime() - start) / 1_000_000, Optional.empty(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call = new Call(kind, base, -1, start, (System.nanoTime() - start) / 1_000_000, Optional.empty(), "interrupted");
        }
        calls.add(call);
        return call;
    }

    /** Stops every worker and waits for its last call to finish. */
    @Override
    public void close() {
        stopped = true;
        for (Thread t : threads) {
            try {
                t.join(REQUEST_TIMEOUT.plusSeconds(5).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    List<Call> calls(Predicate<Call> filter) {
        return calls.stream().filter(filter).toList();
    }

    int lostSessions() {
        return lostSessions.get();
    }

    int acknowledgedCredentials() {
        return ackedCredentials.size();
    }

    int acknowledgedRotations() {
        return ackedRefreshTokens.size();
    }

    /**
     * Counts, in the database behind {@code connection}, the acknowledged writes that are not there: credentials
     * (by key name), their audit events (by request id) and rotations (by the hash of the token handed out).
     */
    Lost lost(Connection connection) throws SQLException {
        List<String> keys = List.copyOf(ackedCredentials.values());
        List<String> requestIds = List.copyOf(ackedCredentials.keySet());
        List<String> hashes = ackedRefreshTokens.stream().map(t -> java.util.HexFormat.of().formatHex(sha256(t))).toList();
        long credentials = count(connection, "SELECT count(*) FROM vault_credentials WHERE org_id = ? AND key_name = ANY (?)",
                connection.createArrayOf("text", keys.toArray()));
        long audited = count(connection, "SELECT count(DISTINCT request_id) FROM audit_events WHERE org_id = ? AND request_id = ANY (?)",
                connection.createArrayOf("text", requestIds.toArray()));
        long rotations;
        try (PreparedStatement ps = connection.prepareStatement("SELECT count(*) FROM refresh_tokens WHERE encode(token_hash, 'hex') = ANY (?)")) {
            ps.setArray(1, connection.createArrayOf("text", hashes.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                rotations = rs.getLong(1);
            }
        }
        return new Lost(keys.size() - credentials, requestIds.size() - audited, hashes.size() - rotations);
    }

    /** Acknowledged writes missing from the database, by kind. */
    record Lost(long credentials, long auditEvents, long rotations) {
        static final Lost NONE = new Lost(0, 0, 0);
    }

    private long count(Connection c, String sql, Array values) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, org);
            ps.setArray(2, values);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Logs {@code email} in on {@code base} from {@code deviceId}; the chain starts at the refresh token it gets. */
    static Chain login(HttpClient http, String base, String email, String password, String deviceId) throws Exception {
        ObjectMapper json = new ObjectMapper();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/auth/login")).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(
                        Map.of("email", email, "password", password, "device_id", deviceId)))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new Chain(deviceId, json.readTree(r.body()).get("refresh_token").asText());
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String body(Map<String, String> fields) {
        try {
            return json.writeValueAsString(fields);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private String field(String body, String name) {
        try {
            JsonNode node = json.readTree(body).get(name);
            assertThat(node).as("%s in %s", name, "a 200 refresh").isNotNull();
            return node.asText();
        } catch (IOException e) {
            throw new AssertionError("not JSON", e);
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
