package com.liftos.security.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything a JVM service needs from LiftOS Security, from its discovery document:
 * <pre>{@code
 * LiftOSClient liftos = LiftOSClient.builder("https://security.liftos.example")
 *         .serviceAccount(clientId, clientSecret).build();
 * Principal p = liftos.verify(bearerToken);
 * Credential meta = liftos.vault().getCredentials("meta", "default");
 * }</pre>
 * With a service account (holding {@code subscribe:revocations}) the revocation feed runs, so a revoked token is
 * refused within a second; without one only offline verification is available.
 */
public final class LiftOSClient implements AutoCloseable {
    private final String issuer;
    private final JsonNode metadata;
    private final Optional<ServiceTokens> tokens;
    private final Optional<RevocationFeed> feed;
    private final TokenVerifier verifier;
    private final Optional<RiskScorer> risk;
    private final Optional<VaultClient> vault;
    private final Optional<AuditClient> audit;

    public static Builder builder(String issuer) {
        return new Builder(issuer);
    }

    public static final class Builder {
        private final String issuer;
        private String clientId;
        private String clientSecret;
        private boolean revocationFeed = true;
        private Duration waitForFeed = Duration.ofSeconds(10);
        private Duration maxFeedStaleness = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();

        private Builder(String issuer) {
            this.issuer = issuer;
        }

        public Builder serviceAccount(String clientId, String clientSecret) {
            this.clientId = clientId;
            this.clientSecret = clientSecret;
            return this;
        }

        public Builder revocationFeed(boolean on) {
            this.revocationFeed = on;
            return this;
        }

        public Builder maxFeedStaleness(Duration d) {
            this.maxFeedStaleness = d;
            return this;
        }

        public Builder clock(Clock c) {
            this.clock = c;
            return this;
        }

        public LiftOSClient build() {
            return new LiftOSClient(this);
        }

        @Override
        public String toString() {
            return "LiftOSClient.Builder[issuer=" + issuer + ", clientId=" + clientId + ", secret=***]";
        }
    }

    private LiftOSClient(Builder b) {
        Http http = new Http();
        this.issuer = b.issuer;
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        this.metadata = Http.json(http.send(http.request(base + "/.well-known/openid-configuration").GET().build()));
        if (!issuer.equals(metadata.path("issuer").asText())) {
            throw new IllegalStateException("the discovery document names issuer " + metadata.path("issuer").asText() + ", not " + issuer);
        }
        this.tokens = b.clientId == null ? Optional.empty()
                : Optional.of(new ServiceTokens(http, metadata.path("token_endpoint").asText(), b.clientId, b.clientSecret,
                        Duration.ofSeconds(60), b.clock));
        this.feed = tokens.filter(t -> b.revocationFeed).map(t -> new RevocationFeed(http,
                metadata.path("revocation_stream_endpoint").asText(base + "/v1/revocations/stream"), t, Optional.empty(),
                Duration.ofHours(3), b.clock).start());
        if (feed.isPresent()) {
            try {
                feed.get().awaitReady(b.waitForFeed);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        this.verifier = new TokenVerifier(issuer, metadata.path("jwks_uri").asText(), feed, b.maxFeedStaleness, b.clock);
        this.risk = tokens.map(t -> new RiskScorer(http, metadata.path("introspection_endpoint").asText(), t, b.clock));
        this.vault = tokens.map(t -> new VaultClient(http, base, t));
        this.audit = tokens.map(t -> new AuditClient(http, base, t));
    }

    public Principal verify(String token) throws InvalidTokenException {
        return verifier.verify(token);
    }

    public String issuer() {
        return issuer;
    }

    public JsonNode metadata() {
        return metadata.deepCopy();
    }

    public ServiceTokens tokens() {
        return tokens.orElseThrow(() -> new IllegalStateException("no service account configured"));
    }

    public Optional<RevocationFeed> revocationFeed() {
        return feed;
    }

    public RiskScorer risk() {
        return risk.orElseThrow(() -> new IllegalStateException("requireLowRisk needs a service account"));
    }

    public VaultClient vault() {
        return vault.orElseThrow(() -> new IllegalStateException("the vault client needs a service account"));
    }

    public AuditClient audit() {
        return audit.orElseThrow(() -> new IllegalStateException("the audit client needs a service account"));
    }

    @Override
    public void close() {
        feed.ifPresent(RevocationFeed::close);
    }

    @Override
    public String toString() {
        return "LiftOSClient[issuer=" + issuer + ", tokens=" + tokens.map(Object::toString).orElse("none") + "]";
    }
}
