package com.liftos.security.connection;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small OAuth 2.0 provider on 127.0.0.1 with the quirks connections must survive: {@code /authorize} approves at
 * once (302 back with a code), {@code /token} checks the client, the redirect URI and PKCE (S256) and issues
 * distinctive tokens, refreshes rotate the refresh token (the old one dies), {@code expires_in} can be left out,
 * answers can be slowed, and every refresh is counted.
 */
final class ProviderFixture implements AutoCloseable {
    static final String CLIENT_ID = "fixture-client";
    static final String CLIENT_SECRET = "fixture-client-secret-" + UUID.randomUUID();

    private final HttpServer server;
    private final Map<String, String[]> codes = new ConcurrentHashMap<>(); // code -> {challenge, redirect_uri}
    final Set<String> liveRefresh = ConcurrentHashMap.newKeySet();
    final Set<String> issuedAccess = ConcurrentHashMap.newKeySet();
    final Set<String> revoked = ConcurrentHashMap.newKeySet();
    final AtomicInteger refreshCalls = new AtomicInteger();
    final AtomicInteger clientCredentialsCalls = new AtomicInteger();
    volatile String latestAccess = "";
    volatile Integer expiresIn = 3600;
    volatile boolean rotate = true;
    volatile long delayMillis;
    /** When set, refreshes answer this status (429 with Retry-After: 7) instead. */
    volatile int failRefreshWith;
    /** The next this many refreshes answer {@link #failNextWith} (a 5xx: a transient failure), then it works again. */
    final AtomicInteger failNext = new AtomicInteger();
    volatile int failNextWith = 503;
    /** When set, a refresh rotates the refresh token and then holds its answer until released (a stalled answer). */
    volatile java.util.concurrent.CountDownLatch holdAfterRotate;
    /** The refresh tokens presented by refreshes now held (rotated at the provider, their answer not yet sent), in order. */
    final java.util.List<String> heldPresented = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** A rotated refresh token stays accepted (a grace) instead of dying at once. */
    volatile boolean grace;
    /** Refresh calls per presented refresh token. */
    final Map<String, AtomicInteger> callsPerRefreshToken = new ConcurrentHashMap<>();

    ProviderFixture() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/authorize", this::authorize);
        server.createContext("/token", this::token);
        server.createContext("/revoke", this::revoke);
        server.createContext("/oauth1/request_token", this::oauth1RequestToken);
        server.createContext("/oauth1/authorize", this::oauth1Authorize);
        server.createContext("/oauth1/access_token", this::oauth1AccessToken);
        server.createContext("/oauth1/api", this::oauth1Api);
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A catalogue file with this fixture as provider {@code fixture} (PKCE, rotating) and {@code fixture_plain} (no PKCE). */
    Path catalogue(Path dir) throws IOException {
        String provider = """
                {"name": "%s", "auth_modes": ["%s"], "authorize_url": "%s/authorize", "token_url": "%s/token",
                 "revoke_url": "%s/revoke", "scopes": ["read", "offline"], "refresh": "refresh_token",
                 "rotates_refresh_token": true, "default_expires_in_seconds": 1800, "keep_metadata": ["account_name"]}
                """;
        String json = "{\"format\": \"liftos.connection.providers/1\", \"providers\": {\"fixture\": "
                + provider.formatted("Fixture", "oauth2_code_pkce", base(), base(), base())
                + ", \"fixture_plain\": " + provider.formatted("Fixture plain", "oauth2_code", base(), base(), base())
                + ", \"fixture_limited\": " + provider.formatted("Fixture limited", "oauth2_code", base(), base(), base())
                        .replace("\"rotates_refresh_token\": true", "\"rotates_refresh_token\": false, \"refresh_rate_limit\": {\"max\": 2, \"per_seconds\": 600}")
                + ", \"fixture_cc\": {\"name\": \"Fixture client credentials\", \"auth_modes\": [\"client_credentials\"], "
                + "\"token_url\": \"%s/token\", \"scopes\": [\"read\"], \"refresh\": \"client_credentials\", ".formatted(base())
                + "\"rotates_refresh_token\": false, \"default_expires_in_seconds\": 1800}"
                + ", \"fixture_x\": {\"name\": \"Fixture X\", \"auth_modes\": [\"oauth1a\"], \"request_token_url\": \"%s/oauth1/request_token\", "
                .formatted(base())
                + "\"authorize_url\": \"%s/oauth1/authorize\", \"token_url\": \"%s/oauth1/access_token\", \"refresh\": \"none\", ".formatted(base(), base())
                + "\"rotates_refresh_token\": false, \"keep_metadata\": [\"user_id\", \"screen_name\"]}"
                + "}}";
        Path file = dir.resolve("providers.json");
        Files.writeString(file, json);
        return file;
    }

    /** Every refresh token dies (revoked consent): the next refresh meets invalid_grant. */
    void revokeConsent() {
        liveRefresh.clear();
    }

    private void authorize(HttpExchange ex) throws IOException {
        Map<String, String> q = parse(ex.getRequestURI().getRawQuery());
        String code = "code-" + UUID.randomUUID();
        codes.put(code, new String[] {q.getOrDefault("code_challenge", ""), q.get("redirect_uri")});
        ex.getResponseHeaders().add("Location", q.get("redirect_uri") + "?code=" + enc(code) + "&state=" + enc(q.get("state")));
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    private void token(HttpExchange ex) throws IOException {
        Map<String, String> form = parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        if (!CLIENT_ID.equals(form.get("client_id")) || !CLIENT_SECRET.equals(form.get("client_secret"))) {
            send(ex, 401, "{\"error\":\"invalid_client\"}");
            return;
        }
        switch (form.getOrDefault("grant_type", "")) {
            case "authorization_code" -> {
                String code = form.getOrDefault("code", "");
                String[] grant = codes.get(code);
                boolean pkce = grant != null && (grant[0].isEmpty() || grant[0].equals(s256(form.getOrDefault("code_verifier", ""))));
                if (grant == null || !pkce || !grant[1].equals(form.get("redirect_uri")) || codes.remove(code) == null) {
                    send(ex, 400, "{\"error\":\"invalid_grant\"}");
                    return;
                }
                issue(ex, true);
            }
            case "refresh_token" -> {
                refreshCalls.incrementAndGet();
                callsPerRefreshToken.computeIfAbsent(form.getOrDefault("refresh_token", ""), k -> new AtomicInteger()).incrementAndGet();
                sleep();
                if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    send(ex, failNextWith, "{\"error\":\"temporarily_unavailable\"}");
                    return;
                }
                if (failRefreshWith != 0) {
                    ex.getResponseHeaders().add("Retry-After", "7");
                    send(ex, failRefreshWith, "{\"error\":\"rate_limited\"}");
                    return;
                }
                String presented = form.getOrDefault("refresh_token", "");
                if (!liveRefresh.contains(presented)) {
                    send(ex, 400, "{\"error\":\"invalid_grant\"}");
                    return;
                }
                if (rotate && !grace) {
                    liveRefresh.remove(presented);
                }
                java.util.concurrent.CountDownLatch hold = holdAfterRotate;
                if (hold != null) {
                    // rotate first (the provider committed), then stall before the answer reaches the caller
                    String access = "fixture-access-" + UUID.randomUUID();
                    String refresh = "fixture-refresh-" + UUID.randomUUID();
                    issuedAccess.add(access);
                    liveRefresh.add(refresh);
                    heldPresented.add(presented);
                    try {
                        hold.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    send(ex, 200, "{\"access_token\":\"" + access + "\",\"refresh_token\":\"" + refresh + "\",\"expires_in\":3600}");
                    return;
                }
                issue(ex, rotate);
            }
            case "client_credentials" -> {
                clientCredentialsCalls.incrementAndGet();
                if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    send(ex, failNextWith, "{\"error\":\"temporarily_unavailable\"}");
                    return;
                }
                issue(ex, false);
            }
            default -> send(ex, 400, "{\"error\":\"unsupported_grant_type\"}");
        }
    }

    private void issue(HttpExchange ex, boolean withRefresh) throws IOException {
        String access = "fixture-access-" + UUID.randomUUID();
        issuedAccess.add(access);
        latestAccess = access;
        StringBuilder body = new StringBuilder("{\"access_token\":\"" + access + "\",\"token_type\":\"bearer\",\"account_name\":\"Acme\"");
        if (withRefresh) {
            String refresh = "fixture-refresh-" + UUID.randomUUID();
            liveRefresh.add(refresh);
            body.append(",\"refresh_token\":\"").append(refresh).append('"');
        }
        Integer e = expiresIn;
        if (e != null) {
            body.append(",\"expires_in\":").append(e);
        }
        send(ex, 200, body.append('}').toString());
    }

    // OAuth 1.0a (RFC 5849): temporary credentials, the user's authorization, token credentials, a protected resource.
    private final Map<String, String> temporarySecrets = new ConcurrentHashMap<>(); // temporary -> secret
    private final Map<String, String> temporaryCallbacks = new ConcurrentHashMap<>();
    private final Map<String, String> verifiers = new ConcurrentHashMap<>(); // temporary -> verifier
    final Map<String, String> tokenSecrets = new ConcurrentHashMap<>(); // token -> token secret
    final java.util.List<String> oauth1Authorizations = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** The protocol parameters of an {@code Authorization: OAuth ...} header. */
    static Map<String, String> oauthHeader(String header) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (header == null || !header.startsWith("OAuth ")) {
            return out;
        }
        for (String part : header.substring(6).split(",\\s*")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.endsWith("\"") && part.charAt(eq + 1) == '"') {
                out.put(URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(part.substring(eq + 2, part.length() - 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** Whether the request's signature verifies with {@code tokenSecret}; the protocol parameters, or null. */
    private Map<String, String> verified(HttpExchange ex, String tokenSecret, Map<String, String> body) {
        String header = ex.getRequestHeaders().getFirst("Authorization");
        oauth1Authorizations.add(header == null ? "" : header);
        Map<String, String> oauth = oauthHeader(header);
        if (!CLIENT_ID.equals(oauth.get("oauth_consumer_key")) || oauth.get("oauth_signature") == null) {
            return null;
        }
        String url = base() + ex.getRequestURI().getRawPath() + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
        String expected = OAuth1Signer.authorization(new OAuth1Signer.Request(ex.getRequestMethod(), url, body),
                new OAuth1Signer.Credentials(CLIENT_ID, CLIENT_SECRET, java.util.Optional.ofNullable(oauth.get("oauth_token")), tokenSecret),
                Long.parseLong(oauth.getOrDefault("oauth_timestamp", "0")), oauth.getOrDefault("oauth_nonce", ""),
                extras(oauth), oauth.containsKey("oauth_version"));
        return MessageDigest.isEqual(oauthHeader(expected).get("oauth_signature").getBytes(StandardCharsets.UTF_8),
                oauth.get("oauth_signature").getBytes(StandardCharsets.UTF_8)) ? oauth : null;
    }

    private static Map<String, String> extras(Map<String, String> oauth) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String k : new String[] {"oauth_callback", "oauth_verifier"}) {
            if (oauth.containsKey(k)) {
                out.put(k, oauth.get(k));
            }
        }
        return out;
    }

    private void oauth1RequestToken(HttpExchange ex) throws IOException {
        Map<String, String> oauth = verified(ex, "", Map.of());
        if (oauth == null || oauth.get("oauth_callback") == null) {
            send(ex, 401, "{}");
            return;
        }
        String temporary = "temp-" + UUID.randomUUID();
        String secret = "temp-secret-" + UUID.randomUUID();
        temporarySecrets.put(temporary, secret);
        temporaryCallbacks.put(temporary, oauth.get("oauth_callback"));
        sendForm(ex, "oauth_token=" + enc(temporary) + "&oauth_token_secret=" + enc(secret) + "&oauth_callback_confirmed=true");
    }

    private void oauth1Authorize(HttpExchange ex) throws IOException {
        String temporary = parse(ex.getRequestURI().getRawQuery()).getOrDefault("oauth_token", "");
        String callback = temporaryCallbacks.get(temporary);
        if (callback == null) {
            send(ex, 400, "{}");
            return;
        }
        String verifier = "verifier-" + UUID.randomUUID();
        verifiers.put(temporary, verifier);
        ex.getResponseHeaders().add("Location", callback + "?oauth_token=" + enc(temporary) + "&oauth_verifier=" + enc(verifier));
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    private void oauth1AccessToken(HttpExchange ex) throws IOException {
        String temporary = oauthHeader(ex.getRequestHeaders().getFirst("Authorization")).getOrDefault("oauth_token", "");
        String secret = temporarySecrets.get(temporary);
        Map<String, String> oauth = secret == null ? null : verified(ex, secret, Map.of());
        if (oauth == null || !verifiers.getOrDefault(temporary, "-").equals(oauth.get("oauth_verifier")) || temporarySecrets.remove(temporary) == null) {
            send(ex, 401, "{}");
            return;
        }
        String token = "x-token-" + UUID.randomUUID();
        String tokenSecret = "x-token-secret-" + UUID.randomUUID();
        tokenSecrets.put(token, tokenSecret);
        sendForm(ex, "oauth_token=" + enc(token) + "&oauth_token_secret=" + enc(tokenSecret) + "&user_id=42&screen_name=acme");
    }

    /** A protected resource: 200 when the request's signature verifies with the token's secret, else 401. */
    private void oauth1Api(HttpExchange ex) throws IOException {
        String token = oauthHeader(ex.getRequestHeaders().getFirst("Authorization")).getOrDefault("oauth_token", "");
        String secret = tokenSecrets.get(token);
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        Map<String, String> body = "application/x-www-form-urlencoded".equals(type)
                ? parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)) : Map.of();
        send(ex, secret != null && verified(ex, secret, body) != null ? 200 : 401, "{}");
    }

    private static void sendForm(HttpExchange ex, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/x-www-form-urlencoded");
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    private void revoke(HttpExchange ex) throws IOException {
        Map<String, String> form = parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        revoked.add(form.getOrDefault("token", ""));
        liveRefresh.remove(form.getOrDefault("token", ""));
        send(ex, 200, "{}");
    }

    private void sleep() {
        long d = delayMillis;
        if (d > 0) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    static Map<String, String> parse(String query) {
        Map<String, String> out = new HashMap<>();
        if (query == null || query.isEmpty()) {
            return out;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            out.put(k, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    static String s256(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
