package com.liftos.security.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The guide's {@code require_low_risk} downstream: the service's request-independent risk inputs for the token
 * (introspection, cached 30 s per token) plus this request's address: 0.30 outside the session's login network,
 * 0.10 from a public address (halved after an MFA in the last 15 minutes), capped at 1.
 */
public final class RiskScorer {
    private static final Set<String> MFA = Set.of("mfa", "otp", "hwk", "swk", "sms", "totp");
    private static final List<String> TRUSTED = List.of("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
            "169.254.0.0/16", "100.64.0.0/10", "::1/128", "fc00::/7", "fe80::/10");

    private record Inputs(double score, Optional<String> loginNetwork, Instant until) {}

    private final Http http;
    private final String introspectionUrl;
    private final ServiceTokens tokens;
    private final Clock clock;
    private final ConcurrentHashMap<String, Inputs> cache = new ConcurrentHashMap<>();

    RiskScorer(Http http, String introspectionUrl, ServiceTokens tokens, Clock clock) {
        this.http = http;
        this.introspectionUrl = introspectionUrl;
        this.tokens = tokens;
        this.clock = clock;
    }

    public double score(Principal p, String token, String clientIp) {
        Inputs in = inputs(p, token);
        double extra = 0;
        Optional<byte[]> addr = literal(clientIp);
        if (addr.isEmpty() || TRUSTED.stream().noneMatch(n -> contains(n, addr.get()))) {
            extra += 0.10;
        }
        if (in.loginNetwork().isPresent() && addr.isPresent() && !contains(in.loginNetwork().get(), addr.get())) {
            extra += 0.30;
        }
        boolean freshMfa = p.amr().stream().anyMatch(MFA::contains)
                && p.authTime().map(t -> Duration.between(t, clock.instant()).compareTo(Duration.ofMinutes(15)) <= 0).orElse(false);
        if (freshMfa) {
            extra /= 2;
        }
        return Math.min(1.0, in.score() + extra);
    }

    private Inputs inputs(Principal p, String token) {
        Instant now = clock.instant();
        Inputs hit = cache.get(p.jti());
        if (hit != null && hit.until().isAfter(now)) {
            return hit;
        }
        JsonNode b = Http.json(http.send(http.request(introspectionUrl).header("Authorization", tokens.clientAuthorization())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + URLEncoder.encode(token, StandardCharsets.UTF_8))).build()));
        Inputs in = b.path("active").asBoolean()
                ? new Inputs(b.path("risk_score").asDouble(1.0), Optional.ofNullable(b.path("login_network").textValue()), now.plusSeconds(30))
                : new Inputs(1.0, Optional.empty(), now.plusSeconds(30));
        if (cache.size() > 10_000) {
            cache.values().removeIf(i -> i.until().isBefore(now));
        }
        cache.put(p.jti(), in);
        return in;
    }

    /** An IP literal's bytes (never a name lookup). */
    static Optional<byte[]> literal(String ip) {
        if (ip == null || ip.isEmpty() || !ip.matches("[0-9a-fA-F:.]+")) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(ip).getAddress());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    static boolean contains(String cidr, byte[] addr) {
        int slash = cidr.indexOf('/');
        Optional<byte[]> net = literal(slash < 0 ? cidr : cidr.substring(0, slash));
        if (net.isEmpty() || net.get().length != addr.length) {
            return false;
        }
        int prefix = slash < 0 ? addr.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
        for (int i = 0; i < prefix; i++) {
            int mask = 0x80 >>> (i % 8);
            if ((net.get()[i / 8] & mask) != (addr[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }
}
