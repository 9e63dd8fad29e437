package com.liftos.security.connection;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * OAuth 1.0a request signing (RFC 5849 §3.4): the signature base string (§3.4.1: method, base string URI, parameters
 * percent-encoded per §3.6 and sorted by encoded name then encoded value) and HMAC-SHA1 (§3.4.2, the JDK's
 * {@code HmacSHA1}) keyed by the consumer secret and the token secret; the {@code Authorization} header (§3.5.1).
 * Nothing here keeps or prints a secret.
 *
 * <p>Written here rather than taken from scribejava-core 8.3.3, which was tried: it sorts parameters by their decoded
 * names and fails RFC 5849's own §3.4.1.1 example ({@code c2} before {@code c%40}), see {@code OAuth1SignerTest}.
 */
final class OAuth1Signer {
    private OAuth1Signer() {}

    /** The request to sign: {@code params} are its form-encoded body parameters (query parameters stay in {@code url}). */
    record Request(String method, String url, Map<String, String> params) {}

    /** The signer's credentials; {@link #toString} names none of the secrets. */
    record Credentials(String consumerKey, String consumerSecret, Optional<String> token, String tokenSecret) {
        @Override
        public String toString() {
            return "Credentials[" + consumerKey + "]";
        }
    }

    /**
     * The {@code Authorization} header value of {@code request}, with {@code extra} protocol parameters (such as
     * {@code oauth_callback} or {@code oauth_verifier}); {@code version} adds {@code oauth_version="1.0"} (optional in
     * RFC 5849, sent by X's own libraries). {@link IllegalArgumentException} for a URL that is not absolute http(s).
     */
    static String authorization(Request request, Credentials creds, long timestamp, String nonce, Map<String, String> extra, boolean version) {
        Map<String, String> oauth = new LinkedHashMap<>();
        oauth.put("oauth_consumer_key", creds.consumerKey());
        creds.token().ifPresent(t -> oauth.put("oauth_token", t));
        oauth.put("oauth_signature_method", "HMAC-SHA1");
        oauth.put("oauth_timestamp", Long.toString(timestamp));
        oauth.put("oauth_nonce", nonce);
        if (version) {
            oauth.put("oauth_version", "1.0");
        }
        oauth.putAll(extra);
        String base = baseString(request, oauth);
        oauth.put("oauth_signature", hmacSha1(encode(creds.consumerSecret()) + "&" + encode(creds.tokenSecret()), base));
        StringJoiner header = new StringJoiner(", ", "OAuth ", "");
        oauth.forEach((k, v) -> header.add(encode(k) + "=\"" + encode(v) + "\""));
        return header.toString();
    }

    /** The signature base string (§3.4.1) of {@code request} with the protocol parameters {@code oauthParams}. */
    static String baseString(Request request, Map<String, String> oauthParams) {
        URI uri;
        try {
            uri = new URI(request.url());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("url is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : asciiLower(uri.getScheme());
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("url must be an absolute http(s) URL");
        }
        int port = uri.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String baseUri = scheme + "://" + asciiLower(uri.getHost()) + (defaultPort ? "" : ":" + port) + path;
        List<String[]> params = new ArrayList<>();
        if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
            for (String pair : uri.getRawQuery().split("&", -1)) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                params.add(new String[] {encode(name), encode(value)});
            }
        }
        request.params().forEach((k, v) -> params.add(new String[] {encode(k), encode(v)}));
        oauthParams.forEach((k, v) -> {
            if (!k.equals("realm") && !k.equals("oauth_signature")) {
                params.add(new String[] {encode(k), encode(v)});
            }
        });
        params.sort(Comparator.<String[], String>comparing(p -> p[0]).thenComparing(p -> p[1]));
        StringJoiner normalized = new StringJoiner("&");
        params.forEach(p -> normalized.add(p[0] + "=" + p[1]));
        if (!request.method().matches("[A-Z]{1,16}")) {
            throw new IllegalArgumentException("method must be an upper-case HTTP method");
        }
        return request.method() + "&" + encode(baseUri) + "&" + encode(normalized.toString());
    }

    /** ASCII A-Z to a-z, nothing else (a URI's scheme and host are ASCII; no locale-dependent case mapping). */
    private static String asciiLower(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            out.append(ch >= 'A' && ch <= 'Z' ? (char) (ch + ('a' - 'A')) : ch);
        }
        return out.toString();
    }

    /** RFC 5849 §3.6: UTF-8, every byte but the unreserved characters as %XX (uppercase hex). */
    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }

    private static String hmacSha1(String key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA1 is not available", e);
        }
    }
}
