package com.liftos.security.ratelimit;

import com.liftos.security.http.HealthCheck;
import java.util.List;

/**
 * Token buckets shared by every request (and, on Redis, every instance). Build one with {@link RateLimits}.
 *
 * <p>Guarantee: {@link #acquire} is all-or-nothing: it takes one token from every quota when each has one,
 * and none otherwise, so a refused request never eats budget. On Redis the whole decision is one atomic
 * script; in process a refusal hands back the tokens already taken (a concurrent request may see a bucket
 * empty for that instant: this can only under-admit, never over-admit).
 */
public interface RateLimiter extends AutoCloseable {
    Decision acquire(List<Quota> quotas);

    /** The decision {@link #acquire} would make now, taking nothing: "may this attempt go ahead?" */
    Decision peek(List<Quota> quotas);

    /**
     * Takes one token from every quota that has one, refusing nothing: counts what already happened (a failed
     * attempt) against budgets that {@link #peek} consults before the next one.
     */
    void spend(List<Quota> quotas);

    /** {@code /health} component {@code rate_limit}; never critical. */
    HealthCheck health();

    @Override
    void close();
}
