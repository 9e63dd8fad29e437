package com.liftos.security.auth.bench;

import com.liftos.security.auth.token.AccessClaims;
import com.liftos.security.auth.token.AccessTokens;
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
 * list and the session's liveness — the full {@link Auth#verify} a request pays. {@code verifyFirstSight} cycles
 * through twice as many distinct tokens as {@link AccessTokens} remembers, so every call verifies the signature
 * and parses the claims; {@code verifyWithRevocationCheck} presents one token again and again, as a client does. Needs a PostgreSQL
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
    String[] distinct;
    int next;

    @Setup(Level.Trial)
    public void setUp() {
        app = TestApp.start();
        auth = app.app().auth();
        token = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
        if (auth.verify(token).isEmpty()) {
            throw new IllegalStateException("token does not verify");
        }
        AccessClaims c = auth.accessTokens().verify(token).orElseThrow();
        distinct = new String[2 * AccessTokens.MAX_REMEMBERED_TOKENS];
        for (int i = 0; i < distinct.length; i++) {
            distinct[i] = auth.accessTokens().issue(c.subject(), c.orgId(), c.email(), c.roles(), c.permissions(),
                    c.sessionId(), c.clientId(), c.authTime(), c.amr()).token();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        app.close();
    }

    @Benchmark
    public Object verifyFirstSight() {
        String t = distinct[next];
        next = (next + 1) % distinct.length;
        return auth.verify(t).orElseThrow();
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
    public Object signatureAndClaimsOnlyFirstSight() {
        String t = distinct[next];
        next = (next + 1) % distinct.length;
        return auth.accessTokens().verify(t).orElseThrow();
    }
}
