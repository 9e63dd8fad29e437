package com.liftos.security.auth.bench;

import com.liftos.security.auth.Auth;
import com.liftos.security.testing.TestApp;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * In-process access-token verification, one thread (= per core): RS256 signature, every claim, the revocation
 * list and the session's liveness — the full {@link Auth#verify} a request pays. Needs a PostgreSQL
 * ({@code TEST_DATABASE_URL}, else an embedded one starts). Run: {@code bench/jmh.sh TokenVerifyBench -f1 -wi 3 -i 5}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class TokenVerifyBench {
    TestApp app;
    Auth auth;
    String token;
    String serviceToken;

    @Setup(Level.Trial)
    public void setUp() {
        app = TestApp.start();
        auth = app.app().auth();
        token = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
        if (auth.verify(token).isEmpty()) {
            throw new IllegalStateException("token does not verify");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        app.close();
    }

    @Benchmark
    public Object verifyWithRevocationCheck() {
        return auth.verify(token).orElseThrow();
    }

    /** Signing one access token (RSA-2048): caps token issuance per core. */
    @Benchmark
    public Object issueAccessToken() {
        return auth.accessTokens().issue(java.util.UUID.randomUUID(), java.util.UUID.randomUUID(), java.util.Optional.empty(),
                java.util.List.of("viewer"), java.util.List.of("read:*"), java.util.Optional.empty(), java.util.Optional.of("sa_bench"),
                java.time.Instant.now(), java.util.List.of());
    }

    @Benchmark
    public Object signatureAndClaimsOnly() {
        return auth.accessTokens().verify(token).orElseThrow();
    }
}
