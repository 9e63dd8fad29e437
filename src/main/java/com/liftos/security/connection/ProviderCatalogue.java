package com.liftos.security.connection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The platforms a connection can be made to, as data: {@code /connection/providers-v1.json} on the classpath, or
 * a file of the same format named by {@code LIFTOS_CONNECTION_PROVIDERS_FILE}. Read once at start and checked
 * whole: an unknown member, a URL that is not https (plain http only to a loopback host, for local fixtures), a
 * placeholder naming no declared parameter, a missing token URL or default expiry stops the start with one line
 * naming the provider and the member ({@link ConfigException}).
 */
final class ProviderCatalogue {
    static final String FORMAT = "liftos.connection.providers/1";
    static final String BUNDLED = "/connection/providers-v1.json";
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9_]{1,40}");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z_]+)}");
    private static final Pattern SUBSTITUTE = Pattern.compile("[A-Za-z0-9.-]{1,200}");
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    private static final Pattern HEADER = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final Set<String> SECRET_MEMBERS = Set.of("access_token", "refresh_token", "id_token", "code");
    private static final Set<String> MEMBERS = Set.of("name", "auth_modes", "connection_params", "authorize_url", "token_url",
            "revoke_url", "request_token_url", "client_auth", "scopes", "scope_separator", "authorize_params", "refresh",
            "rotates_refresh_token", "default_expires_in_seconds", "extra_headers", "keep_metadata", "refresh_rate_limit", "notes");

    private final Map<String, ProviderSpec> providers;

    private ProviderCatalogue(Map<String, ProviderSpec> providers) {
        this.providers = Map.copyOf(providers);
    }

    Optional<ProviderSpec> find(String id) {
        return Optional.ofNullable(providers.get(id));
    }

    Set<String> ids() {
        return providers.keySet();
    }

    /** The bundled catalogue, or {@code file} when given. */
    static ProviderCatalogue load(Optional<Path> file, ObjectMapper json) {
        String source = file.map(Path::toString).orElse("classpath:" + BUNDLED);
        byte[] bytes;
        try {
            if (file.isPresent()) {
                bytes = Files.readAllBytes(file.get());
            } else {
                try (InputStream in = ProviderCatalogue.class.getResourceAsStream(BUNDLED)) {
                    if (in == null) {
                        throw problem(source, "missing");
                    }
                    bytes = in.readAllBytes();
                }
            }
        } catch (IOException e) {
            throw problem(source, "unreadable (" + e.getClass().getSimpleName() + ")");
        }
        return parse(bytes, source, json);
    }

    static ProviderCatalogue parse(byte[] bytes, String source, ObjectMapper json) {
        JsonNode root;
        try {
            root = json.readTree(bytes);
        } catch (IOException e) {
            throw problem(source, "not JSON");
        }
        if (root == null || !root.isObject()) {
            throw problem(source, "must be a JSON object");
        }
        if (!FORMAT.equals(root.path("format").asText())) {
            throw problem(source, "format must be \"" + FORMAT + "\"");
        }
        JsonNode list = root.path("providers");
        if (!list.isObject() || list.isEmpty()) {
            throw problem(source, "providers must be a non-empty object");
        }
        Map<String, ProviderSpec> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = list.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                out.put(e.getKey(), provider(e.getKey(), e.getValue()));
            } catch (IllegalArgumentException bad) {
                throw problem(source, "provider " + e.getKey() + ": " + bad.getMessage());
            }
        }
        return new ProviderCatalogue(out);
    }

    private static ConfigException problem(String source, String what) {
        return new ConfigException(List.of("connection providers (" + source + "): " + what));
    }

    private static ProviderSpec provider(String id, JsonNode p) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("id must match " + ID.pattern());
        }
        if (!p.isObject()) {
            throw new IllegalArgumentException("must be an object");
        }
        for (Iterator<String> names = p.fieldNames(); names.hasNext(); ) {
            String member = names.next();
            if (!MEMBERS.contains(member)) {
                throw new IllegalArgumentException("unknown member " + member);
            }
        }
        String name = text(p, "name").orElseThrow(() -> new IllegalArgumentException("name is required"));
        List<AuthMode> modes = new ArrayList<>();
        for (String m : strings(p, "auth_modes")) {
            modes.add(AuthMode.parse(m).orElseThrow(() -> new IllegalArgumentException("auth_modes: unknown mode " + m)));
        }
        if (modes.isEmpty()) {
            throw new IllegalArgumentException("auth_modes must name at least one mode");
        }
        Map<String, ParamSpec> params = new LinkedHashMap<>();
        JsonNode declared = p.path("connection_params");
        for (Iterator<Map.Entry<String, JsonNode>> it = declared.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            params.put(e.getKey(), param(e.getKey(), e.getValue()));
        }
        Optional<String> authorize = url(p, "authorize_url", params.keySet());
        Optional<String> token = url(p, "token_url", params.keySet());
        Optional<String> revoke = url(p, "revoke_url", params.keySet());
        Optional<String> requestToken = url(p, "request_token_url", params.keySet());
        AuthMode primary = modes.get(0);
        if (primary.code() && (authorize.isEmpty() || token.isEmpty())) {
            throw new IllegalArgumentException("authorize_url and token_url are required for " + primary.wire());
        }
        if (primary == AuthMode.CLIENT_CREDENTIALS && token.isEmpty()) {
            throw new IllegalArgumentException("token_url is required for client_credentials");
        }
        if (primary == AuthMode.OAUTH1A && (requestToken.isEmpty() || authorize.isEmpty() || token.isEmpty())) {
            throw new IllegalArgumentException("request_token_url, authorize_url and token_url are required for oauth1a");
        }
        ClientAuth clientAuth = text(p, "client_auth").map(v -> ClientAuth.parse(v)
                .orElseThrow(() -> new IllegalArgumentException("client_auth must be body or basic"))).orElse(ClientAuth.BODY);
        RefreshMode refresh = RefreshMode.parse(text(p, "refresh").orElseThrow(() -> new IllegalArgumentException("refresh is required")))
                .orElseThrow(() -> new IllegalArgumentException("refresh must be refresh_token, client_credentials, reconsent or none"));
        if (!p.path("rotates_refresh_token").isBoolean()) {
            throw new IllegalArgumentException("rotates_refresh_token must be true or false");
        }
        Optional<Duration> expiry = Optional.empty();
        if (p.has("default_expires_in_seconds")) {
            JsonNode s = p.get("default_expires_in_seconds");
            if (!s.canConvertToInt() || !s.isIntegralNumber() || s.asInt() < 60 || s.asInt() > 31_536_000) {
                throw new IllegalArgumentException("default_expires_in_seconds must be a whole number of seconds, 60..31536000");
            }
            expiry = Optional.of(Duration.ofSeconds(s.asInt()));
        }
        if (expiry.isEmpty() && (primary.code() || primary == AuthMode.CLIENT_CREDENTIALS)) {
            // A provider that leaves expires_in out would otherwise never be refreshed (Nango #6775).
            throw new IllegalArgumentException("default_expires_in_seconds is required for " + primary.wire());
        }
        Map<String, String> authorizeParams = new LinkedHashMap<>();
        p.path("authorize_params").fields().forEachRemaining(e -> {
            if (!NAME.matcher(e.getKey()).matches() || !e.getValue().isTextual()) {
                throw new IllegalArgumentException("authorize_params: " + e.getKey() + " must be a lowercase name with a string value");
            }
            authorizeParams.put(e.getKey(), e.getValue().asText());
        });
        List<String> keep = strings(p, "keep_metadata");
        for (String k : keep) {
            if (!NAME.matcher(k).matches() || SECRET_MEMBERS.contains(k)) {
                throw new IllegalArgumentException("keep_metadata: " + k + " is not a keepable member (tokens are never metadata)");
            }
        }
        List<String> headers = strings(p, "extra_headers");
        for (String h : headers) {
            if (!HEADER.matcher(h).matches()) {
                throw new IllegalArgumentException("extra_headers: " + h + " is not a header name");
            }
        }
        Optional<RateLimit> limit = Optional.empty();
        if (p.has("refresh_rate_limit")) {
            JsonNode l = p.get("refresh_rate_limit");
            JsonNode max = l.path("max");
            JsonNode per = l.path("per_seconds");
            if (!l.isObject() || l.size() != 2 || !max.isIntegralNumber() || !max.canConvertToInt() || max.asInt() < 1
                    || !per.isIntegralNumber() || !per.canConvertToInt() || per.asInt() < 1 || per.asInt() > 86_400) {
                throw new IllegalArgumentException("refresh_rate_limit must be {\"max\": n >= 1, \"per_seconds\": 1..86400}");
            }
            limit = Optional.of(new RateLimit(max.asInt(), Duration.ofSeconds(per.asInt())));
        }
        return new ProviderSpec(id, name, List.copyOf(modes), Map.copyOf(params), authorize, token, revoke, requestToken, clientAuth,
                strings(p, "scopes"), text(p, "scope_separator").orElse(" "), Map.copyOf(authorizeParams), refresh,
                p.get("rotates_refresh_token").asBoolean(), expiry, headers, keep, limit);
    }

    private static ParamSpec param(String name, JsonNode spec) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("connection_params: " + name + " is not a lowercase name");
        }
        boolean hasPattern = spec.has("pattern");
        boolean hasValues = spec.has("values");
        if (hasPattern == hasValues || spec.size() != 1) {
            throw new IllegalArgumentException("connection_params." + name + " needs exactly one of pattern or values");
        }
        if (hasPattern) {
            String regex = spec.get("pattern").asText();
            try {
                return new ParamSpec(name, Optional.of(Pattern.compile(regex)), Map.of());
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("connection_params." + name + ".pattern is not a regular expression");
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        spec.get("values").fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
        if (values.isEmpty() || !values.values().stream().allMatch(v -> SUBSTITUTE.matcher(v).matches())) {
            throw new IllegalArgumentException("connection_params." + name + ".values must map each value to a host part");
        }
        return new ParamSpec(name, Optional.empty(), Map.copyOf(values));
    }

    private static Optional<String> url(JsonNode p, String member, Set<String> params) {
        Optional<String> template = text(p, member);
        template.ifPresent(t -> {
            Matcher m = PLACEHOLDER.matcher(t);
            while (m.find()) {
                if (!params.contains(m.group(1))) {
                    throw new IllegalArgumentException(member + " names {" + m.group(1) + "}, which connection_params does not declare");
                }
            }
            checkUrl(member, PLACEHOLDER.matcher(t).replaceAll("x"));
        });
        return template;
    }

    /** https, or http to a loopback host (a local fixture); never credentials in the URL. */
    static void checkUrl(String member, String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(member + " is not a URL");
        }
        String host = uri.getHost();
        boolean loopback = "127.0.0.1".equals(host) || "localhost".equals(host);
        if (host == null || uri.getUserInfo() != null || uri.getFragment() != null
                || !("https".equals(uri.getScheme()) || ("http".equals(uri.getScheme()) && loopback))) {
            throw new IllegalArgumentException(member + " must be an https URL with a host (plain http only to a loopback host)");
        }
    }

    private static Optional<String> text(JsonNode p, String member) {
        JsonNode v = p.get(member);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException(member + " must be a non-empty string");
        }
        return Optional.of(v.asText());
    }

    private static List<String> strings(JsonNode p, String member) {
        JsonNode v = p.get(member);
        if (v == null) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException(member + " must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isTextual() || item.asText().isBlank()) {
                throw new IllegalArgumentException(member + " must be a list of strings");
            }
            out.add(item.asText());
        }
        return List.copyOf(out);
    }

    /** How a connection to a provider is authorized; the first of a provider's modes is the one {@code connect} runs. */
    enum AuthMode {
        OAUTH2_CODE_PKCE("oauth2_code_pkce"), OAUTH2_CODE("oauth2_code"), CLIENT_CREDENTIALS("client_credentials"),
        OAUTH1A("oauth1a"), API_KEY("api_key"), JWT_KEY_PAIR("jwt_key_pair");

        private final String wire;

        AuthMode(String wire) {
            this.wire = wire;
        }

        String wire() {
            return wire;
        }

        boolean code() {
            return this == OAUTH2_CODE_PKCE || this == OAUTH2_CODE;
        }

        static Optional<AuthMode> parse(String s) {
            for (AuthMode m : values()) {
                if (m.wire().equals(s)) {
                    return Optional.of(m);
                }
            }
            return Optional.empty();
        }
    }

    /** How fresh access tokens are obtained. */
    enum RefreshMode {
        REFRESH_TOKEN("refresh_token"), CLIENT_CREDENTIALS("client_credentials"), RECONSENT("reconsent"), NONE("none");

        private final String wire;

        RefreshMode(String wire) {
            this.wire = wire;
        }

        static Optional<RefreshMode> parse(String s) {
            for (RefreshMode m : values()) {
                if (m.wire.equals(s)) {
                    return Optional.of(m);
                }
            }
            return Optional.empty();
        }
    }

    /** Where the platform OAuth client's id and secret go in a token request (RFC 6749 §2.3.1). */
    enum ClientAuth {
        BODY, BASIC;

        static Optional<ClientAuth> parse(String s) {
            return "body".equals(s) ? Optional.of(BODY) : "basic".equals(s) ? Optional.of(BASIC) : Optional.empty();
        }
    }

    /** A per-connection parameter of a provider's URLs: checked by {@code pattern}, or one of {@code values} (mapped to its host part). */
    record ParamSpec(String name, Optional<Pattern> pattern, Map<String, String> values) {
        /** What the value puts into a URL, when it is acceptable. */
        Optional<String> substitute(String value) {
            if (pattern.isPresent()) {
                return pattern.get().matcher(value).matches() && SUBSTITUTE.matcher(value).matches() ? Optional.of(value) : Optional.empty();
            }
            return Optional.ofNullable(values.get(value));
        }

        String expected() {
            return pattern.map(p -> "a value matching " + p.pattern()).orElseGet(() -> "one of " + String.join(", ", values.keySet()));
        }
    }

    /** At most {@code max} refreshes per refresh token within {@code per} (the provider's own limit, e.g. Zoho's 10 per 10 minutes). */
    record RateLimit(int max, Duration per) {}

    /** One platform of the catalogue. */
    record ProviderSpec(String id, String name, List<AuthMode> authModes, Map<String, ParamSpec> params,
                        Optional<String> authorizeUrl, Optional<String> tokenUrl, Optional<String> revokeUrl, Optional<String> requestTokenUrl,
                        ClientAuth clientAuth,
                        List<String> scopes, String scopeSeparator, Map<String, String> authorizeParams, RefreshMode refresh,
                        boolean rotatesRefreshToken, Optional<Duration> defaultExpiry, List<String> extraHeaders, List<String> keepMetadata,
                        Optional<RateLimit> refreshLimit) {

        AuthMode primaryMode() {
            return authModes.get(0);
        }

        /** {@code template} with each {@code {param}} replaced by what the connection's value stands for. */
        String fill(String template, Map<String, String> values) {
            Matcher m = PLACEHOLDER.matcher(template);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String v = params.get(m.group(1)).substitute(values.getOrDefault(m.group(1), ""))
                        .orElseThrow(() -> new IllegalStateException("connection parameter unchecked"));
                m.appendReplacement(sb, Matcher.quoteReplacement(v));
            }
            m.appendTail(sb);
            return sb.toString();
        }
    }
}
