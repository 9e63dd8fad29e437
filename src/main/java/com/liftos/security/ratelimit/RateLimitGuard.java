package com.liftos.security.ratelimit;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.identity.Principal;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Guard;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.org.SecurityConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Function;

/**
 * The rate-limit step of the gate, after authentication so the caller is known. Buckets drawn per request:
 * <ul>
 *   <li>{@code g:<ip>}: the global per-IP ceiling (every route);</li>
 *   <li>authenticated: {@code u:<category>:<subject>} and {@code i:<category>:<org>:<ip>} with the org's limit
 *       for the route's category;</li>
 *   <li>public {@code auth}/{@code sensitive} routes: {@code i:<category>:-:<ip>} with the default limit.
 *       Public {@code api} routes (health, metrics, key discovery) only count toward the ceiling, so probes
 *       and scrapers are not starved by a 1000/hour budget.</li>
 *   <li>{@code credential} routes (login, MFA verify, token, introspection, refresh) only count toward the
 *       ceiling here: their features draw budgets keyed by who is asking (failed attempts per address and per
 *       account, grants per client, refreshes per session), so an office behind one address is not one bucket.</li>
 * </ul>
 * IPv6 clients are counted per /64, the block one subscriber usually holds. Responses carry
 * {@code X-RateLimit-Limit/Remaining/Reset} (Reset in seconds from now) of the tightest bucket; a refusal is
 * 429 with {@code Retry-After} and a RATE_LIMIT_EXCEEDED event (see {@link EventThrottle}).
 */
final class RateLimitGuard implements Guard {
    private final RateLimiter limiter;
    private final Function<UUID, SecurityConfig> configs;
    private final AuditLog audit;
    private final Clock clock;
    private final Limit ipCeiling;
    private final EventThrottle throttle = new EventThrottle();

    RateLimitGuard(RateLimiter limiter, Function<UUID, SecurityConfig> configs, AuditLog audit, Clock clock, int ipRequestsPerHour) {
        this.limiter = limiter;
        this.configs = configs;
        this.audit = audit;
        this.clock = clock;
        this.ipCeiling = new Limit(ipRequestsPerHour, Duration.ofHours(1));
    }

    @Override
    public void check(Route route, RequestContext request) {
        String ip = ipKey(request.clientIp());
        Access.RateCategory category = route.access().category();
        String cat = category.wire();
        List<Quota> quotas = new ArrayList<>(3);
        quotas.add(new Quota("g:" + ip, ipCeiling));
        Principal p = request.principal().orElse(null);
        boolean countedByFeature = category == Access.RateCategory.CREDENTIAL;
        if (p != null && !countedByFeature) {
            Limit limit = limit(configs.apply(p.orgId()), cat);
            quotas.add(new Quota("u:" + cat + ":" + p.subject(), limit));
            quotas.add(new Quota("i:" + cat + ":" + p.orgId() + ":" + ip, limit));
        } else if (p == null && !countedByFeature && category != Access.RateCategory.API) {
            quotas.add(new Quota("i:" + cat + ":-:" + ip, limit(SecurityConfig.DEFAULT_RATE_LIMITS, cat)));
        }
        Decision d = limiter.acquire(quotas);
        request.responseHeader("X-RateLimit-Limit", Long.toString(d.quota().limit().capacity()));
        request.responseHeader("X-RateLimit-Remaining", Long.toString(d.remaining()));
        request.responseHeader("X-RateLimit-Reset", Long.toString(ceilSeconds(d.resetAfter())));
        if (d instanceof Decision.Refused refused) {
            recordRefusal(route, request, p, refused, cat);
            long retry = Math.max(1, ceilSeconds(refused.retryAfter()));
            throw new ApiException(429, "rate_limited", "Too many requests; retry after " + retry + " s",
                    Map.of(), Map.of("Retry-After", Long.toString(retry)));
        }
    }

    private void recordRefusal(Route route, RequestContext request, Principal p, Decision.Refused refused, String category) {
        Instant now = clock.instant();
        long nowNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        OptionalLong suppressed = throttle.admit(refused.quota().key(), refused.quota().limit().window(), nowNanos);
        if (suppressed.isEmpty()) {
            return;
        }
        String key = refused.quota().key();
        SecurityEvent.Builder e = SecurityEvent.builder(SecurityEventType.RATE_LIMIT_EXCEEDED, "rate_limit")
                .resource(route.name())
                .clientIp(request.clientIp())
                .userAgent(request.userAgent().orElse(null))
                .requestId(request.requestId())
                .success(false)
                .detail("scope", key.startsWith("g:") ? "ip_ceiling" : key.startsWith("u:") ? "user" : "ip")
                .detail("category", key.startsWith("g:") ? "all" : category)
                .detail("limit", refused.quota().limit().capacity())
                .detail("window_seconds", refused.quota().limit().window().toSeconds())
                .detail("refused_since_last_event", suppressed.getAsLong())
                .risk(0.5);
        if (p != null) {
            e.org(p.orgId()).actor(p.subject(), p.kind() == Principal.Kind.USER
                    ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SERVICE_ACCOUNT);
        } else {
            e.actor(null, SecurityEvent.ActorType.ANONYMOUS);
        }
        audit.record(e.build(now));
    }

    private static Limit limit(SecurityConfig config, String category) {
        return limit(config.apiRateLimits(), category);
    }

    private static Limit limit(Map<String, SecurityConfig.RateLimit> limits, String category) {
        SecurityConfig.RateLimit l = limits.getOrDefault(category, SecurityConfig.DEFAULT_RATE_LIMITS.get(category));
        return Limit.perSeconds(l.limit(), l.window());
    }

    private static long ceilSeconds(Duration d) {
        long s = d.toSeconds();
        return d.toNanosPart() > 0 ? s + 1 : s;
    }

    static String ipKey(String address) {
        return RateLimits.addressKey(address);
    }
}
