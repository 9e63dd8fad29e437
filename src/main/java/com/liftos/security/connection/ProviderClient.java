package com.liftos.security.connection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.connection.ProviderCatalogue.ClientAuth;
import com.liftos.security.connection.ProviderCatalogue.ProviderSpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * Talks to a provider's token and revocation endpoints (RFC 6749 §4.1.3, §6; RFC 7636; RFC 7009). Answers are
 * outcomes; nothing here logs, and no exception message carries a token.
 */
final class ProviderClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    /** A token answer is a few KiB; more is read no further (a hostile or broken provider cannot exhaust memory). */
    private static final int MAX_ANSWER_BYTES = 64 * 1024;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final ObjectMapper json;

    ProviderClient(ObjectMapper json) {
        this.json = json;
    }

    /** The org's OAuth client at a provider. */
    record AppClient(String clientId, String clientSecret) {
        @Override
        public String toString() {
            return "AppClient[" + clientId + "]";
        }
    }

    sealed interface TokenAnswer {
        /** {@code expiresIn} empty when the provider left {@code expires_in} out. */
        record Granted(Tokens tokens, Optional<Duration> expiresIn, Map<String, JsonNode> metadata, Optional<String> scope) implements TokenAnswer {}

        /** {@code invalid_grant}: the grant is revoked, expired or used. */
        record InvalidGrant() implements TokenAnswer {}

        /**
         * Anything else: unreachable, timed out, 5xx, 429 (with its Retry-After), a malformed answer or another
         * refusal; {@code transientError} when asking again soon may succeed (unreachable, timeout, 5xx).
         */
        record Failed(String reason, Optional<Duration> retryAfter, boolean transientError, boolean rateLimited) implements TokenAnswer {
            Failed(String reason) {
                this(reason, Optional.empty(), false, false);
            }
        }
    }

    TokenAnswer exchangeCode(ProviderSpec p, Map<String, String> params, AppClient app, String code, String redirectUri,
                             Optional<String> verifier) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", redirectUri);
        verifier.ifPresent(v -> form.put("code_verifier", v));
        return tokenRequest(p, params, app, form);
    }

    TokenAnswer refresh(ProviderSpec p, Map<String, String> params, AppClient app, String refreshToken) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", refreshToken);
        return tokenRequest(p, params, app, form);
    }

    /** RFC 6749 §4.4: a token for the org's own client, with the catalogue's scopes. */
    TokenAnswer clientCredentials(ProviderSpec p, Map<String, String> params, AppClient app) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        if (!p.scopes().isEmpty()) {
            form.put("scope", String.join(p.scopeSeparator(), p.scopes()));
        }
        return tokenRequest(p, params, app, form);
    }

    /** RFC 7009 revocation; true when the provider accepted it. */
    boolean revoke(ProviderSpec p, Map<String, String> params, AppClient app, String token, String hint) {
        if (p.revokeUrl().isEmpty()) {
            return false;
        }
        Map<String, String> form = new LinkedHashMap<>();
        form.put("token", token);
        form.put("token_type_hint", hint);
        try {
            HttpResponse<Void> r = http.send(post(p.fill(p.revokeUrl().get(), params), p.clientAuth(), app, form),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() / 100 == 2;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private TokenAnswer tokenRequest(ProviderSpec p, Map<String, String> params, AppClient app, Map<String, String> form) {
        HttpResponse<InputStream> r;
        byte[] answer;
        try {
            r = http.send(post(p.fill(p.tokenUrl().orElseThrow(), params), p.clientAuth(), app, form), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                answer = in.readNBytes(MAX_ANSWER_BYTES);
            }
        } catch (java.net.http.HttpTimeoutException e) {
            return new TokenAnswer.Failed("provider timed out", Optional.empty(), true, false);
        } catch (IOException e) {
            return new TokenAnswer.Failed("provider unreachable", Optional.empty(), true, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new TokenAnswer.Failed("interrupted");
        }
        JsonNode body;
        try {
            body = json.readTree(answer);
        } catch (IOException e) {
            body = null;
        }
        if (r.statusCode() == 429) {
            return new TokenAnswer.Failed("provider answered 429", retryAfter(r), false, true);
        }
        if (r.statusCode() >= 500) {
            return new TokenAnswer.Failed("provider answered " + r.statusCode(), retryAfter(r), true, false);
        }
        if (body == null || !body.isObject()) {
            return new TokenAnswer.Failed("provider answered " + r.statusCode() + " without a JSON object");
        }
        if (r.statusCode() != 200 || body.has("error")) {
            return "invalid_grant".equals(body.path("error").asText())
                    ? new TokenAnswer.InvalidGrant()
                    : new TokenAnswer.Failed("provider refused: " + safeCode(body.path("error").asText()));
        }
        String access = body.path("access_token").asText("");
        if (access.isEmpty()) {
            return new TokenAnswer.Failed("provider answer has no access_token");
        }
        Optional<String> refresh = Optional.of(body.path("refresh_token").asText("")).filter(s -> !s.isEmpty());
        Optional<Duration> expiresIn = Optional.empty();
        JsonNode e = body.get("expires_in");
        if (e != null && (e.isNumber() || e.asText().matches("\\d{1,10}"))) {
            expiresIn = Optional.of(Duration.ofSeconds(e.asLong()));
        }
        Map<String, JsonNode> metadata = new LinkedHashMap<>();
        for (String keep : p.keepMetadata()) {
            if (body.has(keep) && !body.get(keep).isNull()) {
                metadata.put(keep, body.get(keep));
            }
        }
        Optional<String> scope = Optional.ofNullable(body.get("scope")).filter(JsonNode::isTextual).map(JsonNode::asText);
        return new TokenAnswer.Granted(new Tokens(access, refresh), expiresIn, metadata, scope);
    }

    /** The provider's error code, when it is one (never free text, which might quote what was sent). */
    private static String safeCode(String code) {
        return code.matches("[a-z_]{1,40}") ? code : "error";
    }

    private static Optional<Duration> retryAfter(HttpResponse<?> r) {
        return r.headers().firstValue("Retry-After").filter(v -> v.matches("\\d{1,6}")).map(v -> Duration.ofSeconds(Long.parseLong(v)));
    }

    private static HttpRequest post(String url, ClientAuth auth, AppClient app, Map<String, String> form) {
        Map<String, String> all = new LinkedHashMap<>(form);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json");
        if (auth == ClientAuth.BASIC) {
            String pair = enc(app.clientId()) + ":" + enc(app.clientSecret());
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        } else {
            all.put("client_id", app.clientId());
            all.put("client_secret", app.clientSecret());
        }
        return b.POST(HttpRequest.BodyPublishers.ofString(form(all))).build();
    }

    /**
     * An OAuth 1.0a credential request (RFC 5849 §2.1, §2.3): a POST carrying only the signed {@code Authorization}
     * header; the form-encoded answer's fields on a 200, else empty.
     */
    Optional<Map<String, String>> oauth1(String url, String authorization) {
        try {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT)
                    .header("Authorization", authorization).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofInputStream());
            byte[] answer;
            try (InputStream in = r.body()) {
                answer = in.readNBytes(MAX_ANSWER_BYTES);
            }
            if (r.statusCode() != 200) {
                return Optional.empty();
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (String pair : new String(answer, StandardCharsets.UTF_8).trim().split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    out.put(java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            return Optional.of(out);
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Closes the connections to providers (at shutdown). */
    void close() {
        http.close();
    }

    static String form(Map<String, String> fields) {
        StringJoiner out = new StringJoiner("&");
        fields.forEach((k, v) -> out.add(enc(k) + "=" + enc(v)));
        return out.toString();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
