package com.liftos.security.auth.bench;

import com.liftos.security.auth.token.AccessClaims;
import com.liftos.security.auth.token.AccessTokens;
import com.liftos.security.auth.Auth;
import com.liftos.security.testing.TestApp;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Operations per CPU-second of one thread (= per core) for token issuance and verification, measured with the
 * thread's CPU clock, so the figure holds even on a machine busy with other work (where JMH's wall-clock
 * throughput only shows this process's share of the cores). Run:
 * {@code java -cp <test classpath> com.liftos.security.auth.bench.TokenCpuCost} (see bench/auth.sh jmh).
 */
public final class TokenCpuCost {
    private TokenCpuCost() {}

    public static void main(String[] args) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (TestApp app = TestApp.start()) {
            Auth auth = app.app().auth();
            String token = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
            AccessClaims c = auth.accessTokens().verify(token).orElseThrow();
            // Twice as many distinct tokens as AccessTokens remembers, presented in turn: each one is seen first.
            String[] distinct = new String[2 * AccessTokens.MAX_REMEMBERED_TOKENS];
            for (int i = 0; i < distinct.length; i++) {
                distinct[i] = auth.accessTokens().issue(c.subject(), c.orgId(), c.email(), c.roles(), c.permissions(),
                        c.sessionId(), c.clientId(), c.authTime(), c.amr()).token();
            }
            int[] next = {0};
            measure(mx, "verify incl. revocation, first sight", 200_000,
                    () -> auth.verify(distinct[next[0]++ % distinct.length]).orElseThrow());
            measure(mx, "verify signature and claims, first sight", 200_000,
                    () -> auth.accessTokens().verify(distinct[next[0]++ % distinct.length]).orElseThrow());
            measure(mx, "verify incl. revocation, remembered token", 200_000, () -> auth.verify(token).orElseThrow());
            measure(mx, "issue (RSA-2048 sign)", 20_000, () -> auth.accessTokens().issue(UUID.randomUUID(), UUID.randomUUID(),
                    Optional.empty(), List.of("viewer"), List.of("read:*"), Optional.empty(), Optional.of("sa_bench"),
                    Instant.now(), List.of()));
        }
    }

    private static void measure(ThreadMXBean mx, String label, int n, Supplier<Object> op) {
        for (int i = 0; i < n / 4; i++) {
            op.get();
        }
        for (int round = 1; round <= 3; round++) {
            long cpu0 = mx.getCurrentThreadCpuTime();
            long wall0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                op.get();
            }
            double cpuSeconds = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9;
            double wallSeconds = (System.nanoTime() - wall0) / 1e9;
            System.out.printf("%-45s round %d: %,10.0f ops per CPU-second (%,.0f ops/s wall)%n", label, round, n / cpuSeconds, n / wallSeconds);
        }
    }
}
