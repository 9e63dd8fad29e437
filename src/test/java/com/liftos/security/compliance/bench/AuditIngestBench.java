package com.liftos.security.compliance.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.testing.TestApp;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Audit ingestion over real HTTP: {@code clients} threads each POST batches of {@code batch} events to
 * {@code /v1/orgs/{orgId}/audit/events} (one organization, one chain: the contended case), each with its own
 * Idempotency-Key, for {@code seconds}; every answer is a 201 after the batch committed (synchronous commit). Prints
 * events/s and batch latency, then verifies the chain. Usage: {@code AuditIngestBench [clients] [batch] [seconds]}.
 */
public final class AuditIngestBench {
    private AuditIngestBench() {
    }

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        ObjectMapper json = new ObjectMapper();
        try (TestApp app = TestApp.start(Map.of("SECURITY_RATE_LIMITING_ENABLED", "false"))) {
            UUID org = app.adminOrgId();
            String admin = app.loginAdmin();
            JsonNode sa = app.json(app.postJson("/v1/orgs/" + org + "/service-accounts",
                    app.body(Map.of("name", "bench-writer", "permissions", List.of("write:audit_events"))), admin));
            String creds = URLEncoder.encode(sa.get("client_id").asText(), StandardCharsets.UTF_8) + ":"
                    + URLEncoder.encode(sa.get("client_secret").asText(), StandardCharsets.UTF_8);
            String token = app.json(app.send(app.request("/oauth2/token").header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(creds.getBytes(StandardCharsets.UTF_8)))
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build())).get("access_token").asText();
            List<Map<String, Object>> events = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                events.add(Map.of("event_type", "api_key_accessed", "action", "sync_fetch", "resource", "meta:default",
                        "user_id", UUID.randomUUID().toString(), "ip_address", "198.51.100.7",
                        "details", Map.of("provider", "meta", "job", "bench", "n", i)));
            }
            byte[] body = json.writeValueAsBytes(Map.of("events", events));
            System.out.printf("batch body: %d bytes, %d events%n", body.length, batch);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI uri = URI.create(app.baseUrl() + "/v1/orgs/" + org + "/audit/events");
            AtomicLong written = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
            long warmUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            long end = warmUntil + Duration.ofSeconds(seconds).toNanos();
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                                    .header("Authorization", "Bearer " + token).header("Idempotency-Key", UUID.randomUUID().toString())
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                            long t1 = System.nanoTime();
                            if (r.statusCode() != 201) {
                                failed.incrementAndGet();
                            } else if (t0 >= warmUntil) {
                                written.addAndGet(batch);
                                latencies.add(t1 - t0);
                            }
                        } catch (Exception e) {
                            failed.incrementAndGet();
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            double perSecond = written.get() / (double) seconds;
            System.out.printf("clients=%d batch=%d: %,.0f events/s durable (%d batches, %d failed), batch latency p50 %.1f ms, p99 %.1f ms%n",
                    clients, batch, perSecond, sorted.length, failed.get(),
                    sorted.length == 0 ? 0 : sorted[sorted.length / 2] / 1e6, sorted.length == 0 ? 0 : sorted[(int) (sorted.length * 0.99)] / 1e6);
            JsonNode verified = app.json(app.postJson("/v1/orgs/" + org + "/audit/verify", "", admin));
            System.out.println("chain: " + verified.get("status").asText() + ", " + verified.get("records_checked").asLong() + " records checked");
        }
    }
}
