package com.liftos.security.client;

import java.time.Duration;

/**
 * Local verification throughput of {@link LiftOSClient#verify} on one thread (JMH-style: warm-up, then timed
 * iterations; not a test). Needs the running service of {@link Service}. Arguments: warm-up and measured seconds.
 */
public final class VerifyBench {
    private VerifyBench() {}

    public static void main(String[] args) throws Exception {
        int warm = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Service service = Service.get();
        try (LiftOSClient liftos = service.client(service.serviceAccount("subscribe:revocations"))) {
            String[] tokens = new String[8];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = i % 2 == 0 ? service.userToken("viewer") : liftos.tokens().token();
            }
            TokenVerifier full = new TokenVerifier(liftos.issuer(), TokenVerifier.jwksSource(liftos.metadata().path("jwks_uri").asText()),
                    TokenVerifier.AUDIENCE, liftos.revocationFeed(), Duration.ofSeconds(30), java.time.Clock.systemUTC(), false);
            run(full::verify, tokens, Duration.ofSeconds(warm), "full check, warm-up");
            for (int i = 1; i <= 3; i++) {
                run(full::verify, tokens, Duration.ofSeconds(seconds), "full check (signature + claims), iteration " + i);
            }
            run(liftos::verify, tokens, Duration.ofSeconds(warm), "LiftOSClient.verify, warm-up");
            for (int i = 1; i <= 3; i++) {
                run(liftos::verify, tokens, Duration.ofSeconds(seconds), "LiftOSClient.verify (repeat tokens remembered), iteration " + i);
            }
        }
    }

    interface Check {
        Principal verify(String token) throws InvalidTokenException;
    }

    private static void run(Check liftos, String[] tokens, Duration d, String label) throws Exception {
        long end = System.nanoTime() + d.toNanos();
        long n = 0;
        long start = System.nanoTime();
        while (System.nanoTime() < end) {
            for (int i = 0; i < 64; i++) {
                liftos.verify(tokens[(int) (n++ & 7)]);
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s: %.0f tokens/s on one thread%n", label, n / secs);
    }
}
