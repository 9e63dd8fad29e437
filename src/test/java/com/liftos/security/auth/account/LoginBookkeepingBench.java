package com.liftos.security.auth.account;

import com.liftos.security.config.Config;
import com.liftos.security.ratelimit.Budgets;
import com.liftos.security.ratelimit.Limit;
import com.liftos.security.ratelimit.RateLimiter;
import com.liftos.security.ratelimit.RateLimits;
import com.liftos.security.testing.TestApp;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
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
 * What the login defenses add to a successful login, one thread, on the real database: the sign-in budget check
 * (in process, or in Redis as a fleet runs) and the lockout's two statements (take a place before hashing, clear
 * the count after the right password). Needs PostgreSQL ({@code TEST_DATABASE_URL}) and, for the Redis variant,
 * {@code TEST_REDIS_URL}. Run: {@code bench/jmh.sh LoginBookkeepingBench -f1 -wi 3 -i 5}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
public class LoginBookkeepingBench {
    private static final Limit PER_ACCOUNT_AND_ADDRESS = Limit.perSeconds(5, 300);

    TestApp app;
    Lockouts lockouts;
    Budgets inProcess;
    Budgets redis;
    RateLimiter redisLimiter;
    Lockouts.Scope scope;

    @Setup(Level.Trial)
    public void setUp() {
        app = TestApp.start();
        lockouts = new Lockouts(app.app().db(), new SecureRandom());
        inProcess = Budgets.on(RateLimits.inProcess(Clock.systemUTC()), Config.Edge.CallerBudgets.defaults());
        redisLimiter = RateLimits.redis(URI.create(Optional.ofNullable(System.getenv("TEST_REDIS_URL")).orElse("redis://127.0.0.1:6379")),
                Clock.systemUTC());
        redis = Budgets.on(redisLimiter, Config.Edge.CallerBudgets.defaults());
        UUID admin = app.app().auth().logins().credential(TestApp.ADMIN_EMAIL).orElseThrow().user().id();
        scope = Lockouts.Scope.of(Optional.of(admin), TestApp.ADMIN_EMAIL, Optional.empty());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        redisLimiter.close();
        app.close();
    }

    /** The whole bookkeeping of a successful login with budgets in process (one instance, or no REDIS_URL). */
    @Benchmark
    public Object successInProcess() {
        return success(inProcess);
    }

    /** The same with the budgets in Redis (a fleet). */
    @Benchmark
    public Object successWithRedis() {
        return success(redis);
    }

    private Object success(Budgets budgets) {
        Optional<Budgets.Refusal> refused = budgets.signInRefusal("10.1.2.3", scope.accountKey(), PER_ACCOUNT_AND_ADDRESS, false);
        Lockouts.Reservation r = lockouts.reserve(scope, 10, Duration.ofMinutes(5), Instant.now());
        lockouts.succeeded(scope);
        return refused.isPresent() ? refused : r;
    }
}
