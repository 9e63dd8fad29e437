package com.liftos.security.connection;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.connection.ConnectionStore.Row;
import com.liftos.security.connection.ConnectionStore.Status;
import com.liftos.security.connection.ProviderCatalogue.ProviderSpec;
import com.liftos.security.crypto.DecryptionFailedException;
import com.liftos.security.connection.ProviderClient.AppClient;
import com.liftos.security.connection.ProviderClient.TokenAnswer;
import com.liftos.security.store.Db;
import com.liftos.security.vault.Secrets;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections of an organization to its marketing platforms (issue 21): the org registers its OAuth client at a
 * platform, an admin starts a connect (a single-use, hashed, 10-minute session; {@code state} and PKCE S256), the
 * callback exchanges the code and stores the tokens sealed by the vault under the org's data key; workers then ask
 * for an access token valid for at least N minutes and get one, refreshed first when needed.
 *
 * <p>Guarantees: no token is returned except by {@link #accessToken}, nor ever logged or audited. At most one
 * refresh of a connection runs at a time across every instance: a refresher takes a lease under the row lock, which
 * moves the row's {@code fence}; it stores the new tokens only while the fence is unchanged, so a holder that stalled
 * past its lease cannot overwrite what a later holder stored. The rotated refresh token is committed before the new
 * access token is handed out. A refresh the provider refuses with {@code invalid_grant} marks the connection
 * {@code relink_needed} (audited); a crash between the provider's answer and our commit leaves the old tokens in
 * place, and the next refresh either succeeds (providers that do not rotate, or keep a grace) or meets
 * {@code invalid_grant} and marks the connection for re-consent: never silently broken.
 *
 * <p>Failures ({@link TokenHandOut}): transient errors are asked again with full-jitter backoff within the lease; a
 * 429's Retry-After, the backoff after a failed refresh and the catalogue's refresh budget are kept in the row, so no
 * instance asks the provider early (a token still valid a minute is handed out meanwhile, else 503 with Retry-After);
 * {@code relink_needed} is a high-risk event (the alert webhooks deliver it, signed); many failing connections of one
 * provider are signalled to the incident detector through an audit event. OAuth 1.0a connections (X Ads) sign
 * requests for workers ({@link #sign}); client-credentials providers (PayPal) are connected without consent.
 */
public final class Connections implements AutoCloseable {
    static final Duration SESSION_LIFETIME = Duration.ofMinutes(10);
    public static final String CALLBACK_PATH = "/v1/connections/callback";
    /** The state of an OAuth 1.0a connect session: this prefix and the temporary credential's identifier. */
    public static final String OAUTH1_STATE = "oauth1:";
    static final List<String> SIGNABLE_METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE");
    static final Duration SCAN_EVERY = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(Connections.class);

    private final Db db;
    private final AuditLog audit;
    private final ProviderCatalogue catalogue;
    private final ProviderClient client;
    private final ConnectionStore store;
    private final ObjectMapper json;
    private final String redirectUri;
    private final Clock clock;
    private final SecureRandom random;
    private final ConnectionSecrets sealing;
    private final TokenHandOut tokens;
    private Optional<ScheduledExecutorService> scanner = Optional.empty();

    private Connections(Db db, AuditLog audit, Secrets secrets, ProviderCatalogue catalogue, ObjectMapper json, URI publicUrl,
                        int refreshers, Clock clock, SecureRandom random) {
        this.db = db;
        this.audit = audit;
        this.catalogue = catalogue;
        this.client = new ProviderClient(json);
        this.store = new ConnectionStore(json);
        this.sealing = new ConnectionSecrets(db, secrets, store);
        this.tokens = new TokenHandOut(db, audit, store, catalogue, client, sealing, clock, random, refreshers);
        this.json = json;
        String base = publicUrl.toString();
        this.redirectUri = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + CALLBACK_PATH;
        this.clock = clock;
        this.random = random;
    }

    /**
     * Loads and checks the provider catalogue ({@code providersFile}, else the bundled one): a bad catalogue throws
     * {@link com.liftos.security.config.ConfigException} with one line. {@code publicUrl} is where browsers reach
     * the service: the callback every provider redirects to is under it.
     */
    public static Connections start(Db db, AuditLog audit, Secrets secrets, Optional<Path> providersFile, URI publicUrl,
                                    Duration refreshAhead, int refreshers, ObjectMapper json, Clock clock, SecureRandom random) {
        Connections connections = new Connections(db, audit, secrets, ProviderCatalogue.load(providersFile, json), json, publicUrl,
                refreshers, clock, random);
        if (!refreshAhead.isZero()) {
            ScheduledExecutorService scanner = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
                    .name("liftos-connection-refresh").daemon(true).factory());
            // Every instance scans; the lease makes one of them refresh each connection.
            scanner.scheduleWithFixedDelay(() -> {
                try {
                    connections.refreshDue(refreshAhead);
                } catch (RuntimeException e) {
                    LOG.warn("connection refresh pass failed: {}", e.getClass().getSimpleName());
                }
            }, SCAN_EVERY.toMillis(), SCAN_EVERY.toMillis(), TimeUnit.MILLISECONDS);
            connections.scanner = Optional.of(scanner);
        }
        return connections;
    }

    /** Who is acting, for the audit trail. */
    public record Actor(Optional<UUID> subject, SecurityEvent.ActorType type, String clientIp, Optional<String> userAgent, String requestId) {}

    /** What a feature call did: its value, or why not (routes turn {@link Refusal} into a status). */
    public sealed interface Outcome<T> {
        record Done<T>(T value) implements Outcome<T> {}

        record Refused<T>(Refusal kind, String code, String message, Optional<Duration> retryAfter) implements Outcome<T> {}
    }

    public enum Refusal { NOT_FOUND, INVALID, CONFLICT, UNAVAILABLE, INTEGRITY }

    /** An org's OAuth client at a provider, without its secret. */
    public record AppView(String provider, String clientId, Instant updatedAt) {}

    /**
     * A connect started: the consent URL to send the user to (with its session), or, for a provider without consent
     * (client credentials), the connection already made ({@code connectionId}, no URL).
     */
    public record Started(Optional<UUID> sessionId, String provider, Optional<String> authorizeUrl, Optional<Instant> expiresAt,
                          Optional<UUID> connectionId) {}

    /** A connection as listed: metadata only, never a token. */
    public record View(UUID id, UUID orgId, String provider, String status, Map<String, String> params, Map<String, Object> metadata,
                       List<String> scopes, Optional<Instant> accessExpiresAt, long refreshCount, Optional<Instant> lastRefreshedAt,
                       Instant createdAt, Instant updatedAt) {}

    /** An access token handed out; {@link #toString} names no value. */
    public record Issued(UUID connectionId, String accessToken, Instant expiresAt, boolean refreshed) {
        @Override
        public String toString() {
            return "Issued[" + connectionId + ", expires " + expiresAt + "]";
        }
    }

    /** The providers of the catalogue, by id. */
    public List<String> providers() {
        return catalogue.ids().stream().sorted().toList();
    }

    public Outcome<AppView> registerApp(UUID org, String provider, String clientId, String clientSecret, Actor by) {
        Optional<ProviderSpec> spec = catalogue.find(provider);
        if (spec.isEmpty()) {
            return refused(Refusal.NOT_FOUND, "unknown_provider", "Unknown provider");
        }
        if (clientId == null || clientId.isBlank() || clientId.length() > 512 || !clientId.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f)) {
            return refused(Refusal.INVALID, "validation_failed", "client_id must be 1-512 printable ASCII characters");
        }
        if (clientSecret == null || clientSecret.isEmpty() || clientSecret.length() > 4096) {
            return refused(Refusal.INVALID, "validation_failed", "client_secret must be 1-4096 characters");
        }
        Instant now = clock.instant();
        byte[] sealed = sealing.sealAppSecret(org, provider, clientSecret);
        db.tx(c -> {
            store.upsertApp(c, org, provider, clientId, sealed, now);
            audit.record(c, event(SecurityEventType.CONFIGURATION_CHANGE, "set_connection_app", org, by, "connection_app:" + provider)
                    .detail("provider", provider).build(now));
            return null;
        });
        return new Outcome.Done<>(new AppView(provider, clientId, now));
    }

    public Outcome<Started> connect(UUID org, String provider, Map<String, String> params, Optional<UUID> connectionId, Actor by) {
        Optional<ProviderSpec> found = catalogue.find(provider);
        if (found.isEmpty()) {
            return refused(Refusal.NOT_FOUND, "unknown_provider", "Unknown provider");
        }
        ProviderSpec spec = found.get();
        if (!spec.primaryMode().code() && spec.primaryMode() != ProviderCatalogue.AuthMode.OAUTH1A
                && spec.primaryMode() != ProviderCatalogue.AuthMode.CLIENT_CREDENTIALS) {
            return refused(Refusal.CONFLICT, "unsupported_auth_mode", provider + " is connected by " + spec.primaryMode().wire()
                    + ", not an OAuth consent: store its credentials in the vault");
        }
        List<String> problems = new ArrayList<>();
        for (String name : params.keySet()) {
            if (!spec.params().containsKey(name)) {
                problems.add("params." + name + " is not a parameter of " + provider);
            }
        }
        spec.params().forEach((name, p) -> {
            String v = params.get(name);
            if (v == null || p.substitute(v).isEmpty()) {
                problems.add("params." + name + " must be " + p.expected());
            }
        });
        if (!problems.isEmpty()) {
            return refused(Refusal.INVALID, "validation_failed", String.join("; ", problems));
        }
        if (connectionId.isPresent()) {
            Optional<Row> existing = db.run(c -> store.find(c, org, connectionId.get(), false));
            if (existing.isEmpty() || !existing.get().provider().equals(provider)) {
                return refused(Refusal.NOT_FOUND, "not_found", "No such connection of this provider");
            }
        }
        Optional<AppClient> app = sealing.app(org, provider);
        if (app.isEmpty()) {
            return refused(Refusal.CONFLICT, "app_not_configured",
                    "Register the organization's OAuth client for " + provider + " first (PUT /v1/orgs/{orgId}/connection-apps/" + provider + ")");
        }
        Instant now = clock.instant();
        UUID sessionId = UUID.randomUUID();
        if (spec.primaryMode() == ProviderCatalogue.AuthMode.OAUTH1A) {
            return connectOAuth1(org, spec, params, connectionId, app.get(), sessionId, now, by);
        }
        if (spec.primaryMode() == ProviderCatalogue.AuthMode.CLIENT_CREDENTIALS) {
            return connectClientCredentials(org, spec, params, connectionId, app.get(), now, by);
        }
        String state = randomToken();
        Map<String, String> query = new LinkedHashMap<>();
        query.put("response_type", "code");
        query.put("client_id", app.get().clientId());
        query.put("redirect_uri", redirectUri);
        query.put("state", state);
        if (!spec.scopes().isEmpty()) {
            query.put("scope", String.join(spec.scopeSeparator(), spec.scopes()));
        }
        Optional<byte[]> sealedVerifier = Optional.empty();
        if (spec.primaryMode() == ProviderCatalogue.AuthMode.OAUTH2_CODE_PKCE) {
            String verifier = randomToken();
            query.put("code_challenge", Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(verifier)));
            query.put("code_challenge_method", "S256");
            sealedVerifier = Optional.of(sealing.sealVerifier(org, sessionId, verifier));
        }
        spec.authorizeParams().forEach(query::putIfAbsent);
        String base = spec.fill(spec.authorizeUrl().orElseThrow(), params);
        String url = base + (base.contains("?") ? "&" : "?") + ProviderClient.form(query);
        Instant expires = now.plus(SESSION_LIFETIME);
        Optional<byte[]> verifierBlob = sealedVerifier;
        db.tx(c -> {
            store.insertSession(c, sessionId, sha256(state), org, provider, connectionId, params, verifierBlob, by.subject().orElseThrow(), now, expires);
            return null;
        });
        return new Outcome.Done<>(new Started(Optional.of(sessionId), provider, Optional.of(url), Optional.of(expires), Optional.empty()));
    }

    /**
     * OAuth 1.0a (RFC 5849 §2.1): a temporary credential from the provider (signed with the org's consumer key and
     * secret, {@code oauth_callback} our callback), kept as the session (its identifier hashed as the state, its
     * secret sealed), and the user sent to the provider's authorization page with it.
     */
    private Outcome<Started> connectOAuth1(UUID org, ProviderSpec spec, Map<String, String> params, Optional<UUID> connectionId,
                                           AppClient app, UUID sessionId, Instant now, Actor by) {
        String url = spec.fill(spec.requestTokenUrl().orElseThrow(), params);
        OAuth1Signer.Credentials creds = new OAuth1Signer.Credentials(app.clientId(), app.clientSecret(), Optional.empty(), "");
        String authorization = OAuth1Signer.authorization(new OAuth1Signer.Request("POST", url, Map.of()), creds, now.getEpochSecond(),
                nonce(), Map.of("oauth_callback", redirectUri), true);
        Optional<Map<String, String>> answer = client.oauth1(url, authorization);
        if (answer.isEmpty() || !answer.get().containsKey("oauth_token") || !answer.get().containsKey("oauth_token_secret")
                || !"true".equals(answer.get().get("oauth_callback_confirmed"))) {
            return new Outcome.Refused<>(Refusal.UNAVAILABLE, "provider_unavailable", "The provider did not issue a temporary credential; try again",
                    Optional.of(Duration.ofSeconds(5)));
        }
        String token = answer.get().get("oauth_token");
        byte[] sealedSecret = sealing.sealVerifier(org, sessionId, answer.get().get("oauth_token_secret"));
        String base = spec.fill(spec.authorizeUrl().orElseThrow(), params);
        String authorize = base + (base.contains("?") ? "&" : "?") + "oauth_token=" + ProviderClient.enc(token);
        Instant expires = now.plus(SESSION_LIFETIME);
        db.tx(c -> {
            store.insertSession(c, sessionId, sha256(OAUTH1_STATE + token), org, spec.id(), connectionId, params, Optional.of(sealedSecret),
                    by.subject().orElseThrow(), now, expires);
            return null;
        });
        return new Outcome.Done<>(new Started(Optional.of(sessionId), spec.id(), Optional.of(authorize), Optional.of(expires), Optional.empty()));
    }

    /**
     * A provider without consent (RFC 6749 §4.4, PayPal): the org's own client obtains a token at once and the
     * connection is stored (or re-made, keeping its id); later tokens come the same way, through the refresh lease.
     */
    private Outcome<Started> connectClientCredentials(UUID org, ProviderSpec spec, Map<String, String> params, Optional<UUID> connectionId,
                                                      AppClient app, Instant now, Actor by) {
        TokenAnswer answer = client.clientCredentials(spec, params, app);
        if (!(answer instanceof TokenAnswer.Granted granted)) {
            audit.record(event(SecurityEventType.API_KEY_CREATED, "connect", org, by, "connection_app:" + spec.id())
                    .success(false).detail("provider", spec.id()).detail("reason", answer instanceof TokenAnswer.Failed f && f.transientError()
                            ? "provider_unavailable" : "provider_refused").build(now));
            return new Outcome.Refused<>(Refusal.UNAVAILABLE, "provider_unavailable", "The provider did not issue a token to the organization's client",
                    Optional.of(Duration.ofSeconds(5)));
        }
        Optional<Instant> expires = granted.expiresIn().or(spec::defaultExpiry).map(now::plus);
        String scopes = granted.scope().orElse(String.join(" ", spec.scopes()));
        String metadata = store.write(granted.metadata());
        UUID id = db.tx(c -> {
            Optional<Row> existing = connectionId.isPresent() ? store.find(c, org, connectionId.get(), true) : Optional.empty();
            UUID cid = existing.map(Row::id).orElseGet(UUID::randomUUID);
            long generation = existing.map(r -> r.generation() + 1).orElse(1L);
            byte[] sealed = sealing.sealTokens(org, cid, generation, granted.tokens());
            if (existing.isPresent()) {
                store.relink(c, cid, params, metadata, scopes, sealed, generation, expires, now);
            } else {
                store.insert(c, cid, org, spec.id(), params, metadata, scopes, sealed, generation, expires, by.subject().orElseThrow(), now);
            }
            audit.record(c, event(SecurityEventType.API_KEY_CREATED, "connect", org, by, "connection:" + cid)
                    .detail("provider", spec.id()).detail("reconnect", existing.isPresent()).notifyWebhooks().build(now));
            return cid;
        });
        return new Outcome.Done<>(new Started(Optional.empty(), spec.id(), Optional.empty(), Optional.empty(), Optional.of(id)));
    }

    /** RFC 5849 §2.3: the token credentials for the temporary credential {@code temporary} and the user's verifier. */
    private TokenAnswer exchangeOAuth1(ProviderSpec spec, ConnectionStore.SessionRow session, AppClient app, String temporary, String verifier) {
        String url = spec.fill(spec.tokenUrl().orElseThrow(), session.params());
        String temporarySecret = sealing.openVerifier(session.orgId(), session.id(), session.sealedVerifier().orElseThrow());
        OAuth1Signer.Credentials creds = new OAuth1Signer.Credentials(app.clientId(), app.clientSecret(), Optional.of(temporary), temporarySecret);
        String authorization = OAuth1Signer.authorization(new OAuth1Signer.Request("POST", url, Map.of()), creds, clock.instant().getEpochSecond(),
                nonce(), Map.of("oauth_verifier", verifier), true);
        Optional<Map<String, String>> answer = client.oauth1(url, authorization);
        if (answer.isEmpty() || answer.get().getOrDefault("oauth_token", "").isEmpty() || answer.get().getOrDefault("oauth_token_secret", "").isEmpty()) {
            return new TokenAnswer.Failed("provider refused the verifier");
        }
        Map<String, com.fasterxml.jackson.databind.JsonNode> metadata = new LinkedHashMap<>();
        for (String keep : spec.keepMetadata()) {
            String v = answer.get().get(keep);
            if (v != null) {
                metadata.put(keep, com.fasterxml.jackson.databind.node.TextNode.valueOf(v));
            }
        }
        return new TokenAnswer.Granted(new Tokens(answer.get().get("oauth_token"), Optional.of(answer.get().get("oauth_token_secret"))),
                Optional.empty(), metadata, Optional.empty());
    }

    /** A request signed for a worker (OAuth 1.0a connections): the {@code Authorization} header, never a secret. */
    public record Signed(UUID connectionId, String authorization) {
        @Override
        public String toString() {
            return "Signed[" + connectionId + "]";
        }
    }

    /**
     * Signs a request of an OAuth 1.0a connection (X Ads) for a worker: the consumer secret and the token secret stay
     * here; the worker gets the {@code Authorization} header for exactly this method, URL and body parameters (a
     * fresh nonce and timestamp each time). Audited as API_KEY_ACCESSED ({@code connection_sign}, method and host).
     */
    public Outcome<Signed> sign(UUID org, UUID id, String method, String url, Map<String, String> params, Actor by) {
        List<String> problems = new ArrayList<>();
        if (method == null || !SIGNABLE_METHODS.contains(method)) {
            problems.add("method must be one of " + String.join(", ", SIGNABLE_METHODS));
        }
        String host = "";
        if (url == null || url.length() > 4096) {
            problems.add("url is required, at most 4096 characters");
        } else {
            try {
                ProviderCatalogue.checkUrl("url", url);
                host = URI.create(url).getHost();
            } catch (IllegalArgumentException e) {
                problems.add("url must be an https URL with a host (plain http only to a loopback host)");
            }
        }
        if (params.size() > 200 || params.entrySet().stream().anyMatch(e -> e.getKey() == null || e.getKey().isEmpty() || e.getKey().length() > 256
                || e.getValue() == null || e.getValue().length() > 65_536)) {
            problems.add("params must be at most 200 names (1-256 characters) with string values of at most 65536 characters");
        }
        if (!problems.isEmpty()) {
            return refused(Refusal.INVALID, "validation_failed", String.join("; ", problems));
        }
        Optional<Row> found = db.run(c -> store.find(c, org, id, false));
        if (found.isEmpty()) {
            return refused(Refusal.NOT_FOUND, "not_found", "No such connection");
        }
        Row row = found.get();
        Optional<ProviderSpec> spec = catalogue.find(row.provider());
        if (spec.isEmpty() || spec.get().primaryMode() != ProviderCatalogue.AuthMode.OAUTH1A) {
            return refused(Refusal.CONFLICT, "unsupported_auth_mode", "Only OAuth 1.0a connections sign requests; ask this one for an access token");
        }
        if (row.status() != Status.ACTIVE || row.sealedTokens().isEmpty()) {
            return row.status() == Status.RELINK_NEEDED
                    ? refused(Refusal.CONFLICT, "relink_needed", "The provider no longer honours this connection's grant: connect it again")
                    : refused(Refusal.CONFLICT, "disconnected", "The connection was disconnected");
        }
        Optional<AppClient> app = sealing.app(org, row.provider());
        if (app.isEmpty()) {
            return refused(Refusal.CONFLICT, "app_not_configured", "The organization's OAuth client for " + row.provider() + " is gone");
        }
        Tokens tokens = sealing.openTokens(row);
        Instant now = clock.instant();
        String authorization = OAuth1Signer.authorization(new OAuth1Signer.Request(method, url, Map.copyOf(params)),
                new OAuth1Signer.Credentials(app.get().clientId(), app.get().clientSecret(), Optional.of(tokens.access()), tokens.refresh().orElse("")),
                now.getEpochSecond(), nonce(), Map.of(), true);
        audit.record(event(SecurityEventType.API_KEY_ACCESSED, "connection_sign", org, by, "connection:" + id)
                .detail("provider", row.provider()).detail("method", method).detail("host", host).build(now));
        return new Outcome.Done<>(new Signed(id, authorization));
    }

    private String nonce() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    /**
     * The provider's redirect back: {@code state} names the session (used up here, whatever follows), {@code code}
     * is exchanged with the session's PKCE verifier. Every refusal of an unknown, expired, used or forged state is
     * the same {@code invalid_state}.
     */
    public Outcome<View> callback(Optional<String> state, Optional<String> code, Optional<String> error, String clientIp,
                                  Optional<String> userAgent, String requestId) {
        if (state.isEmpty() || state.get().length() > 256) {
            return refused(Refusal.INVALID, "invalid_state", "The connect session is unknown, expired or already used");
        }
        Instant now = clock.instant();
        Optional<ConnectionStore.SessionRow> claimed = db.tx(c -> store.claimSession(c, sha256(state.get()), now));
        if (claimed.isEmpty()) {
            return refused(Refusal.INVALID, "invalid_state", "The connect session is unknown, expired or already used");
        }
        ConnectionStore.SessionRow session = claimed.get();
        Actor by = new Actor(Optional.of(session.createdBy()), SecurityEvent.ActorType.USER, clientIp, userAgent, requestId);
        if (error.isPresent()) {
            recordFailure(session, by, "consent_denied", now);
            return refused(Refusal.INVALID, "consent_denied", "The provider reported that consent was not given");
        }
        if (code.isEmpty() || code.get().isEmpty() || code.get().length() > 4096) {
            return refused(Refusal.INVALID, "invalid_request", "code is required");
        }
        Optional<ProviderSpec> spec = catalogue.find(session.provider());
        Optional<AppClient> app = sealing.app(session.orgId(), session.provider());
        if (spec.isEmpty() || app.isEmpty()) {
            return refused(Refusal.CONFLICT, "app_not_configured", "The provider or the organization's OAuth client is gone");
        }
        TokenAnswer answer;
        if (spec.get().primaryMode() == ProviderCatalogue.AuthMode.OAUTH1A) {
            answer = state.get().startsWith(OAUTH1_STATE)
                    ? exchangeOAuth1(spec.get(), session, app.get(), state.get().substring(OAUTH1_STATE.length()), code.get())
                    : new TokenAnswer.Failed("not an OAuth 1.0a callback");
        } else {
            Optional<String> verifier = session.sealedVerifier().map(v -> sealing.openVerifier(session.orgId(), session.id(), v));
            answer = client.exchangeCode(spec.get(), session.params(), app.get(), code.get(), redirectUri, verifier);
        }
        if (!(answer instanceof TokenAnswer.Granted granted)) {
            recordFailure(session, by, answer instanceof TokenAnswer.InvalidGrant ? "invalid_grant" : "provider_error", now);
            return refused(Refusal.INVALID, "code_exchange_failed", "The provider did not exchange the authorization code");
        }
        // OAuth 1.0a token credentials do not expire (no default expiry in the catalogue): none stored
        Optional<Instant> expires = granted.expiresIn().or(() -> spec.get().defaultExpiry()).map(now::plus);
        String scopes = granted.scope().orElse(String.join(" ", spec.get().scopes()));
        String metadata = store.write(granted.metadata());
        UUID id = db.tx(c -> {
            Optional<Row> existing = session.connectionId().isPresent()
                    ? store.find(c, session.orgId(), session.connectionId().get(), true) : Optional.empty();
            UUID connectionId = existing.map(Row::id).orElseGet(UUID::randomUUID);
            long generation = existing.map(r -> r.generation() + 1).orElse(1L);
            byte[] sealed = sealing.sealTokens(session.orgId(), connectionId, generation, granted.tokens());
            if (existing.isPresent()) {
                store.relink(c, connectionId, session.params(), metadata, scopes, sealed, generation, expires, now);
            } else {
                store.insert(c, connectionId, session.orgId(), session.provider(), session.params(), metadata, scopes, sealed,
                        generation, expires, session.createdBy(), now);
            }
            audit.record(c, event(SecurityEventType.API_KEY_CREATED, "connect", session.orgId(), by, "connection:" + connectionId)
                    .detail("provider", session.provider()).detail("reconnect", existing.isPresent()).notifyWebhooks().build(now));
            return connectionId;
        });
        return new Outcome.Done<>(find(session.orgId(), id).orElseThrow());
    }

    public Optional<View> find(UUID org, UUID id) {
        return db.run(c -> store.find(c, org, id, false)).map(this::view);
    }

    /** A page of the org's connections in id order, after {@code after}. */
    public List<View> list(UUID org, Optional<UUID> after, int limit) {
        return db.run(c -> store.list(c, org, after, limit)).stream().map(this::view).toList();
    }

    public long count(UUID org) {
        return db.run(c -> store.count(c, org));
    }

    /** Revokes at the provider where it has a revocation endpoint (best effort), then forgets the tokens; idempotent. */
    public Outcome<View> disconnect(UUID org, UUID id, Actor by) {
        Optional<Row> found = db.run(c -> store.find(c, org, id, false));
        if (found.isEmpty()) {
            return refused(Refusal.NOT_FOUND, "not_found", "No such connection");
        }
        Row row = found.get();
        if (row.status() == Status.DISCONNECTED) {
            return new Outcome.Done<>(view(row));
        }
        boolean revoked = false;
        Optional<ProviderSpec> spec = catalogue.find(row.provider());
        Optional<AppClient> app = sealing.app(org, row.provider());
        if (spec.isPresent() && app.isPresent() && spec.get().revokeUrl().isPresent() && row.sealedTokens().isPresent()) {
            try {
                Tokens tokens = sealing.openTokens(row);
                revoked = tokens.refresh().isPresent()
                        ? client.revoke(spec.get(), row.params(), app.get(), tokens.refresh().get(), "refresh_token")
                        : client.revoke(spec.get(), row.params(), app.get(), tokens.access(), "access_token");
            } catch (DecryptionFailedException e) {
                revoked = false; // tokens that do not open cannot be revoked; the disconnect still destroys them
            }
        }
        Instant now = clock.instant();
        boolean atProvider = revoked;
        db.tx(c -> {
            store.disconnect(c, id, now);
            audit.record(c, event(SecurityEventType.API_KEY_REVOKED, "disconnect", org, by, "connection:" + id)
                    .detail("provider", row.provider()).detail("revoked_at_provider", atProvider).notifyWebhooks().build(now));
            return null;
        });
        return new Outcome.Done<>(find(org, id).orElseThrow());
    }

    /**
     * An access token valid for at least {@code minValid} (unless the provider's tokens live less, then as long as
     * they do), refreshed first when needed; every hand-out is audited (durably, before it is returned).
     */
    public Outcome<Issued> accessToken(UUID org, UUID id, Duration minValid, Actor by) {
        try {
            return tokens.accessToken(org, id, minValid, by);
        } catch (DecryptionFailedException e) {
            // The row's sealed tokens do not open where they are (moved, rolled back, tampered with): nothing is handed out.
            Instant now = clock.instant();
            audit.record(event(SecurityEventType.API_KEY_ACCESSED, "connection_access_token", org, by, "connection:" + id)
                    .success(false).detail("reason", "integrity_failure").risk(0.8).build(now));
            return refused(Refusal.INTEGRITY, "decryption_failed", "The connection's stored tokens failed their integrity check and were not handed out");
        }
    }

    /**
     * One pass of the proactive refresh: connections whose token ends within {@code ahead} are refreshed through
     * the same lease and fence as a worker's request; returns how many this pass refreshed.
     */
    public int refreshDue(Duration ahead) {
        return tokens.refreshDue(ahead);
    }

    /** Background refreshers of this instance. */
    int refreshers() {
        return tokens.refreshers();
    }

    /** The sealing of this feature's secrets (benchmarks in this package seed connections with it). */
    ConnectionSecrets sealing() {
        return sealing;
    }

    @Override
    public void close() {
        scanner.ifPresent(ExecutorService::shutdownNow);
        tokens.close();
        client.close();
    }

    private void recordFailure(ConnectionStore.SessionRow session, Actor by, String reason, Instant now) {
        audit.record(event(SecurityEventType.API_KEY_CREATED, "connect", session.orgId(), by, "connection_session:" + session.id())
                .success(false).detail("provider", session.provider()).detail("reason", reason).build(now));
    }

    private View view(Row r) {
        Map<String, Object> metadata;
        try {
            metadata = json.readValue(r.metadataJson(), new TypeReference<Map<String, Object>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored connection metadata is not JSON", e);
        }
        List<String> scopes = r.scopes().isBlank() ? List.of() : List.of(r.scopes().split("[ ,]+"));
        return new View(r.id(), r.orgId(), r.provider(), r.status().wire(), r.params(), metadata, scopes,
                r.status() == Status.DISCONNECTED ? Optional.empty() : r.accessExpiresAt(), r.refreshCount(), r.lastRefreshedAt(),
                r.createdAt(), r.updatedAt());
    }

    static SecurityEvent.Builder event(SecurityEventType type, String action, UUID org, Actor by, String resource) {
        return SecurityEvent.builder(type, action).org(org).actor(by.subject().orElse(null), by.type()).resource(resource).clientIp(by.clientIp())
                .userAgent(by.userAgent().orElse(null)).requestId(by.requestId());
    }

    static <T> Outcome<T> refused(Refusal kind, String code, String message) {
        return new Outcome.Refused<>(kind, code, message, Optional.empty());
    }

    private String randomToken() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
