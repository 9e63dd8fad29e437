package com.liftos.security.auth.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.testing.TestApp;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * How long a logout takes to reach every subscriber of {@code GET /v1/revocations/stream}: {@code subscribers}
 * plain sockets (one virtual thread each) hold streams open; {@code logouts} users sign out one after another;
 * for each (subscriber, logout) the time from the logout request's start to the subscriber reading its
 * {@code session_ended} line. Usage: {@code RevocationFeedBench [subscribers] [logouts]}.
 */
public final class RevocationFeedBench {
    private RevocationFeedBench() {
    }

    public static void main(String[] args) throws Exception {
        int subscribers = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int logouts = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        ObjectMapper json = new ObjectMapper();
        try (TestApp app = TestApp.start(Map.of("SECURITY_RATE_LIMITING_ENABLED", "false"))) {
            UUID org = app.adminOrgId();
            String admin = app.loginAdmin();
            JsonNode sa = app.json(app.postJson("/v1/orgs/" + org + "/service-accounts",
                    app.body(Map.of("name", "bench-verifier", "permissions", List.of("subscribe:revocations"))), admin));
            String creds = URLEncoder.encode(sa.get("client_id").asText(), StandardCharsets.UTF_8) + ":"
                    + URLEncoder.encode(sa.get("client_secret").asText(), StandardCharsets.UTF_8);
            String token = app.json(app.send(app.request("/oauth2/token").header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(creds.getBytes(StandardCharsets.UTF_8)))
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build())).get("access_token").asText();
            List<String> users = new ArrayList<>();
            for (int i = 0; i < logouts; i++) {
                String email = "bench-" + i + "-" + UUID.randomUUID() + "@example.test";
                app.createUser(admin, org, email, "Bench-Password-123!", "viewer");
                users.add(app.login(email, "Bench-Password-123!"));
            }
            Map<String, Long> sentAt = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
            CountDownLatch ready = new CountDownLatch(subscribers);
            CountDownLatch done = new CountDownLatch(subscribers);
            List<Socket> sockets = new ArrayList<>();
            for (int i = 0; i < subscribers; i++) {
                Socket socket = new Socket("127.0.0.1", app.app().port());
                sockets.add(socket);
                Thread.ofVirtual().start(() -> {
                    int seen = 0;
                    try {
                        OutputStream out = socket.getOutputStream();
                        out.write(("GET /v1/revocations/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                                + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                        boolean counted = false;
                        for (String line = in.readLine(); line != null; line = in.readLine()) {
                            if (!counted && line.startsWith("event: snapshot")) {
                                counted = true;
                                ready.countDown();
                            } else if (line.startsWith("data: {\"id\":")) {
                                long now = System.nanoTime();
                                String id = line.substring(13, line.length() - 2);
                                Long t0 = sentAt.get(id);
                                if (t0 != null) {
                                    latencies.add(now - t0);
                                    if (++seen == logouts) {
                                        break;
                                    }
                                }
                            }
                        }
                    } catch (Exception e) {
                        // counted as missing below
                    } finally {
                        done.countDown();
                    }
                });
            }
            if (!ready.await(120, TimeUnit.SECONDS)) {
                System.out.println("only " + (subscribers - ready.getCount()) + " subscribers got their snapshot");
            }
            System.out.printf("%d subscribers connected%n", subscribers - ready.getCount());
            for (String user : users) {
                String sid = json.readTree(Base64.getUrlDecoder().decode(user.split("\\.")[1])).get("sid").asText();
                sentAt.put(sid, System.nanoTime());
                app.postJson("/v1/auth/logout", "", user);
                Thread.sleep(200);
            }
            done.await(30, TimeUnit.SECONDS);
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            long expected = (long) subscribers * logouts;
            System.out.printf("subscribers=%d logouts=%d: %d/%d deliveries, latency p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    subscribers, logouts, sorted.length, expected,
                    sorted.length == 0 ? 0 : sorted[sorted.length / 2] / 1e6,
                    sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, sorted.length * 0.99)] / 1e6,
                    sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6);
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
