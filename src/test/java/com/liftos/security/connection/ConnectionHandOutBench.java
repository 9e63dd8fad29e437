package com.liftos.security.connection;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.testing.TestApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Figure, not a unit test (run by name): cached access-token hand-outs per second over HTTP, every one audited
 * durably, from {@code liftos.bench.threads} (default 32) keep-alive clients for {@code liftos.bench.seconds} (default 20)
 * after a 5-second warm-up. With {@code -Dliftos.bench.wrk=true} the load comes from wrk in its own process instead
 * (2 threads, the same number of connections; {@code liftos.bench.warmup} seconds of warm-up, default 5): clients in the service's JVM take CPU from it on a 2-core host.
 * {@code ./mvnw -q -o test -Dtest=ConnectionHandOutBench -Dsurefire.failIfNoSpecifiedTests=false [-Dliftos.bench.wrk=true]}
 */
class ConnectionHandOutBench {
    @Test
    void cachedHandOutsPerSecond() throws Exception {
        int threads = Integer.getInteger("liftos.bench.threads", 32);
        int seconds = Integer.getInteger("liftos.bench.seconds", 20);
        try (ProviderFixture provider = new ProviderFixture();
             TestApp app = TestApp.start(Map.of("LIFTOS_CONNECTION_PROVIDERS_FILE",
                     provider.catalogue(Files.createTempDirectory("liftos-connection-bench")).toString(),
                     "LIFTOS_CONNECTION_REFRESH_AHEAD_MINUTES", "0", "LIFTOS_DB_POOL_SIZE", "16"))) {
            String admin = app.loginAdmin();
            UUID org = app.adminOrgId();
            ConnectionSupport.registerApp(app, admin, org, "fixture");
            JsonNode c = ConnectionSupport.connect(app, admin, org, "fixture");
            String worker = ConnectionSupport.workerToken(app, admin, org);
            HttpRequest request = HttpRequest.newBuilder(URI.create(app.baseUrl() + "/v1/orgs/" + org + "/connections/"
                    + c.get("id").asText() + "/access-token")).header("Authorization", "Bearer " + worker).GET().build();
            if (Boolean.getBoolean("liftos.bench.wrk")) {
                String url = request.uri().toString();
                wrk(worker, url, threads, Integer.getInteger("liftos.bench.warmup", 5));
                wrk(worker, url, threads, seconds);
                return;
            }
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            run(client, request, threads, 5);
            long t0 = System.nanoTime();
            int[] counts = run(client, request, threads, seconds);
            double elapsed = (System.nanoTime() - t0) / 1e9;
            System.out.printf("connection hand-out: %d ok, %d failed in %.1f s with %d clients = %.0f/s%n",
                    counts[0], counts[1], elapsed, threads, counts[0] / elapsed);
        }
    }

    private static void wrk(String bearer, String url, int connections, int seconds) throws Exception {
        Process p = new ProcessBuilder("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency",
                "-H", "Authorization: Bearer " + bearer, url).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        System.out.println("wrk -t2 -c" + connections + " -d" + seconds + "s (" + seconds + " s):\n"
                + out.replace(bearer, "<token>"));
    }

    private static int[] run(HttpClient client, HttpRequest request, int threads, int seconds) throws Exception {
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> all = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            all.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    try {
                        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                        (r.statusCode() == 200 ? ok : failed).incrementAndGet();
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : all) {
            f.get();
        }
        pool.shutdown();
        return new int[] {ok.get(), failed.get()};
    }
}
