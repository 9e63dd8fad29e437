package com.liftos.security.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Fetches a tenant's credential (the service audits it as API_KEY_ACCESSED); needs {@code reveal:credentials}. */
public final class VaultClient {
    private final Http http;
    private final String baseUrl;
    private final ServiceTokens tokens;

    VaultClient(Http http, String baseUrl, ServiceTokens tokens) {
        this.http = http;
        this.baseUrl = baseUrl;
        this.tokens = tokens;
    }

    /** The credential {@code provider}/{@code keyName} of the service account's own organization. */
    public Credential getCredentials(String provider, String keyName) {
        return getCredentials(tokens.orgId(), provider, keyName);
    }

    public Credential getCredentials(String orgId, String provider, String keyName) {
        String url = baseUrl + "/v1/orgs/" + enc(orgId) + "/credentials/" + enc(provider) + "/" + enc(keyName) + "/secret";
        HttpResponse<String> r = http.send(http.request(url).header("Authorization", "Bearer " + tokens.token()).GET().build());
        if (r.statusCode() == 401) {
            tokens.invalidate();
            r = http.send(http.request(url).header("Authorization", "Bearer " + tokens.token()).GET().build());
        }
        JsonNode b = Http.json(r);
        Map<String, String> values = new LinkedHashMap<>();
        b.path("credentials").properties().forEach(e -> values.put(e.getKey(), e.getValue().asText()));
        return new Credential(b.path("provider").asText(), b.path("key_name").asText(), b.path("version").asInt(), values);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
