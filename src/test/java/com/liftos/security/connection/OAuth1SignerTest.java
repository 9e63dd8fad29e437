package com.liftos.security.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The OAuth 1.0a signer against the published example values of RFC 5849 and of OAuth Core 1.0 (Appendix A). */
class OAuth1SignerTest {
    private static final OAuth1Signer.Credentials PHOTOS = new OAuth1Signer.Credentials("dpf43f3p2l4k3l03", "kd94hf93k423kf44",
            Optional.of("nnch734d00sl2jdk"), "pfkkdhi9sl3r4s00");

    /** RFC 5849 §1.2: the signed request for the photo, without oauth_version. */
    @Test
    void rfc5849Section1_2() {
        String header = OAuth1Signer.authorization(new OAuth1Signer.Request("GET", "http://photos.example.net/photos?file=vacation.jpg&size=original",
                Map.of()), PHOTOS, 137131202L, "chapoH", Map.of(), false);
        assertThat(signature(header)).isEqualTo("MdpQcU8iPSUjWoN/UDMsK2sui9I=");
        assertThat(header).startsWith("OAuth ").contains("oauth_consumer_key=\"dpf43f3p2l4k3l03\"").contains("oauth_token=\"nnch734d00sl2jdk\"")
                .doesNotContain("kd94hf93k423kf44").doesNotContain("pfkkdhi9sl3r4s00");
    }

    /** OAuth Core 1.0 Appendix A.5: the same request with oauth_version="1.0". */
    @Test
    void oauthCore1AppendixA() {
        String header = OAuth1Signer.authorization(new OAuth1Signer.Request("GET", "http://photos.example.net/photos?file=vacation.jpg&size=original",
                Map.of()), PHOTOS, 1191242096L, "kllo9940pd9333jh", Map.of(), true);
        assertThat(signature(header)).isEqualTo("tR3+Ty81lMeYAr/Fid0kMTYa/WM=");
        assertThat(header).contains("oauth_version=\"1.0\"");
    }

    /** RFC 5849 §3.4.1.1: the signature base string of the POST with repeated and encoded parameters. */
    @Test
    void rfc5849Section3_4_1_1BaseString() {
        Map<String, String> oauth = new LinkedHashMap<>();
        oauth.put("oauth_consumer_key", "9djdj82h48djs9d2");
        oauth.put("oauth_token", "kkk9d7dh3k39sjv7");
        oauth.put("oauth_signature_method", "HMAC-SHA1");
        oauth.put("oauth_timestamp", "137131201");
        oauth.put("oauth_nonce", "7d8f3e4a");
        String base = OAuth1Signer.baseString(new OAuth1Signer.Request("POST", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
                Map.of("c2", "", "a3", "2 q")), oauth);
        assertThat(base).isEqualTo("POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q"
                + "%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26"
                + "oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7");
    }

    /** A changed URL, method, parameter or secret gives another signature. */
    @Test
    void everySignedPartChangesTheSignature() {
        OAuth1Signer.Request get = new OAuth1Signer.Request("GET", "https://ads-api.x.com/12/accounts", Map.of());
        String s = signature(OAuth1Signer.authorization(get, PHOTOS, 1L, "n", Map.of(), true));
        assertThat(signature(OAuth1Signer.authorization(new OAuth1Signer.Request("POST", get.url(), Map.of()), PHOTOS, 1L, "n", Map.of(), true))).isNotEqualTo(s);
        assertThat(signature(OAuth1Signer.authorization(new OAuth1Signer.Request("GET", get.url() + "/1", Map.of()), PHOTOS, 1L, "n", Map.of(), true))).isNotEqualTo(s);
        assertThat(signature(OAuth1Signer.authorization(new OAuth1Signer.Request("GET", get.url(), Map.of("a", "b")), PHOTOS, 1L, "n", Map.of(), true))).isNotEqualTo(s);
        assertThat(signature(OAuth1Signer.authorization(get, new OAuth1Signer.Credentials("dpf43f3p2l4k3l03", "other", PHOTOS.token(), PHOTOS.tokenSecret()),
                1L, "n", Map.of(), true))).isNotEqualTo(s);
    }

    static String signature(String header) {
        for (String part : header.substring("OAuth ".length()).split(", ")) {
            if (part.startsWith("oauth_signature=")) {
                return URLDecoder.decode(part.substring("oauth_signature=\"".length(), part.length() - 1), StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no oauth_signature in " + header);
    }
}
