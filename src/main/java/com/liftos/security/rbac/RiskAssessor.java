package com.liftos.security.rbac;

import com.liftos.security.audit.AuditEventCounts;
import com.liftos.security.identity.Principal;
import com.liftos.security.config.Cidr;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The per-request risk score in [0,1]: the sum of the weights of the signals that fire, capped at 1, halved
 * when the caller passed MFA within the last {@link #FRESH_MFA} (MFA proves possession, which is what the
 * device and network signals doubt).
 *
 * <table>
 *   <caption>Signals</caption>
 *   <tr><td>{@code new_device}</td><td>0.30</td><td>the session was opened on a device new to the user</td></tr>
 *   <tr><td>{@code ip_changed}</td><td>0.30</td><td>this request comes from another network (/24, IPv6 /64) than the session's login</td></tr>
 *   <tr><td>{@code failed_logins}</td><td>0.10 / 0.20 / 0.30</td><td>1+, 3+, 10+ LOGIN_FAILURE events for the user in the last 15 minutes</td></tr>
 *   <tr><td>{@code velocity}</td><td>0.20</td><td>more than {@link #VELOCITY_PER_MINUTE} requests by the caller in the current minute</td></tr>
 *   <tr><td>{@code untrusted_network}</td><td>0.10</td><td>the address is public (not loopback, private or link-local)</td></tr>
 * </table>
 *
 * Session facts and failed-login counts come from storage and are cached for {@link #CACHE}; velocity is
 * counted in process. {@link RiskGuard} stores the score in the request context and refuses routes declaring
 * {@code maxRisk} with 403 {@code risk_too_high}.
 */
public final class RiskAssessor {
    public static final Duration FRESH_MFA = Duration.ofMinutes(15);
    public static final Duration CACHE = Duration.ofSeconds(30);
    public static final int VELOCITY_PER_MINUTE = 300;
    private static final Set<String> MFA_METHODS = Set.of("mfa", "otp", "hwk", "swk", "sms", "totp");
    private static final List<Cidr> TRUSTED_NETWORKS = Arrays.stream(new String[] {
            "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10",
            "::1/128", "fc00::/7", "fe80::/10"}).map(c -> Cidr.parse(c).orElseThrow()).toList();

    private final SessionFacts sessions;
    private final AuditEventCounts events;
    private final Clock clock;
    private final ConcurrentHashMap<UUID, Cached<Optional<SessionFacts.Facts>>> sessionCache = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UUID, Cached<Integer>> failedLoginCache = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UUID, Window> velocity = new ConcurrentHashMap<>();

    public RiskAssessor(SessionFacts sessions, AuditEventCounts events, Clock clock) {
        this.sessions = sessions;
        this.events = events;
        this.clock = clock;
    }

    /** A score and the signals that produced it. */
    public record Assessment(double score, List<String> signals) {
        public Assessment {
            signals = List.copyOf(signals);
        }
    }

    public Assessment assess(Optional<Principal> caller, String clientIp) {
        List<String> signals = new ArrayList<>(4);
        double score = 0;
        if (!inTrustedNetwork(clientIp)) {
            signals.add("untrusted_network");
            score += 0.10;
        }
        if (caller.isPresent()) {
            Principal p = caller.get();
            Optional<SessionFacts.Facts> facts = p.sessionId().flatMap(this::sessionFacts);
            if (facts.map(SessionFacts.Facts::newDevice).orElse(false)) {
                signals.add("new_device");
                score += 0.30;
            }
            if (facts.map(f -> !sameNetwork(f.loginIp(), clientIp)).orElse(false)) {
                signals.add("ip_changed");
                score += 0.30;
            }
            if (p.kind() == Principal.Kind.USER) {
                int failed = failedLogins(p.subject());
                if (failed > 0) {
                    signals.add("failed_logins");
                    score += failed >= 10 ? 0.30 : failed >= 3 ? 0.20 : 0.10;
                }
            }
            if (countRequest(p.subject()) > VELOCITY_PER_MINUTE) {
                signals.add("velocity");
                score += 0.20;
            }
            if (freshMfa(p)) {
                score /= 2;
            }
        }
        return new Assessment(Math.min(1.0, score), signals);
    }

    /**
     * The signals of {@link #assess} that do not depend on the request (new device, failed logins, fresh MFA), and
     * the session's login network, which a verifier elsewhere compares with its own request's address.
     */
    public SessionRisk sessionRisk(Principal p) {
        List<String> signals = new ArrayList<>(2);
        double score = 0;
        Optional<SessionFacts.Facts> facts = p.sessionId().flatMap(this::sessionFacts);
        if (facts.map(SessionFacts.Facts::newDevice).orElse(false)) {
            signals.add("new_device");
            score += 0.30;
        }
        if (p.kind() == Principal.Kind.USER) {
            int failed = failedLogins(p.subject());
            if (failed > 0) {
                signals.add("failed_logins");
                score += failed >= 10 ? 0.30 : failed >= 3 ? 0.20 : 0.10;
            }
        }
        if (freshMfa(p)) {
            score /= 2;
        }
        return new SessionRisk(Math.min(1.0, score), signals, facts.flatMap(f -> network(f.loginIp())));
    }

    /** See {@link #sessionRisk}. */
    public record SessionRisk(double score, List<String> signals, Optional<String> loginNetwork) {
        public SessionRisk {
            signals = List.copyOf(signals);
        }
    }

    /** The /24 (IPv4) or /64 (IPv6) of an address, as CIDR text. */
    static Optional<String> network(String ip) {
        return Cidr.literal(ip).map(b -> {
            int prefix = b.length == 4 ? 24 : 64;
            byte[] masked = b.clone();
            for (int i = prefix / 8; i < masked.length; i++) {
                masked[i] = 0;
            }
            try {
                return java.net.InetAddress.getByAddress(masked).getHostAddress() + "/" + prefix;
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException("a 4 or 16 byte address is always valid", e);
            }
        });
    }

    private boolean freshMfa(Principal p) {
        return p.amr().stream().anyMatch(MFA_METHODS::contains)
                && Duration.between(p.authTime(), clock.instant()).compareTo(FRESH_MFA) <= 0;
    }

    static boolean inTrustedNetwork(String ip) {
        Optional<byte[]> b = Cidr.literal(ip);
        return b.isPresent() && TRUSTED_NETWORKS.stream().anyMatch(c -> c.contains(b.get()));
    }

    /** Same /24 (IPv4) or /64 (IPv6): a client moving within its provider's block is not a change. */
    static boolean sameNetwork(String a, String b) {
        Optional<byte[]> x = Cidr.literal(a);
        Optional<byte[]> y = Cidr.literal(b);
        if (x.isEmpty() || y.isEmpty() || x.get().length != y.get().length) {
            return false;
        }
        int prefix = x.get().length == 4 ? 24 : 64;
        return new Cidr(x.get(), prefix).contains(y.get());
    }

    private Optional<SessionFacts.Facts> sessionFacts(UUID sessionId) {
        long now = clock.millis();
        Cached<Optional<SessionFacts.Facts>> c = sessionCache.get(sessionId);
        if (c == null || now >= c.expiresAtMillis) {
            c = new Cached<>(sessions.of(sessionId), now + CACHE.toMillis());
            trim(sessionCache);
            sessionCache.put(sessionId, c);
        }
        return c.value;
    }

    private int failedLogins(UUID user) {
        long now = clock.millis();
        Cached<Integer> c = failedLoginCache.get(user);
        if (c == null || now >= c.expiresAtMillis) {
            long count = events.loginFailuresOf(user, clock.instant().minus(Duration.ofMinutes(15)));
            c = new Cached<>((int) Math.min(Integer.MAX_VALUE, count), now + CACHE.toMillis());
            trim(failedLoginCache);
            failedLoginCache.put(user, c);
        }
        return c.value;
    }

    private int countRequest(UUID subject) {
        long minute = clock.millis() / 60_000;
        Window w = velocity.get(subject);
        if (w == null || w.minute != minute) {
            trim(velocity);
            w = velocity.compute(subject, (k, old) -> old == null || old.minute != minute ? new Window(minute) : old);
        }
        return w.count.incrementAndGet();
    }

    private static void trim(ConcurrentHashMap<?, ?> map) {
        if (map.size() > 100_000) {
            map.clear();
        }
    }

    private record Cached<T>(T value, long expiresAtMillis) {}

    private static final class Window {
        final long minute;
        final AtomicInteger count = new AtomicInteger();

        Window(long minute) {
            this.minute = minute;
        }
    }
}
