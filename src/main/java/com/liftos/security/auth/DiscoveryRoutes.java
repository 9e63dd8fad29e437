package com.liftos.security.auth;

import com.liftos.security.auth.token.JwtKeys;
import com.liftos.security.http.Access;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /.well-known/jwks.json} and {@code GET /.well-known/openid-configuration}. */
final class DiscoveryRoutes {
    private final JwtKeys keys;
    private final String issuer;

    DiscoveryRoutes(JwtKeys keys, String issuer) {
        this.keys = keys;
        this.issuer = issuer;
    }

    List<Route> routes() {
        return List.of(
                Route.get("/.well-known/jwks.json", Access.open(Access.RateCategory.API), this::jwks)
                        .doc(RouteDoc.of("The public keys that verify access tokens (RFC 7517)")
                                .reply(200, "The key set", "application/jwk-set+json", "Jwks")),
                Route.get("/.well-known/openid-configuration", Access.open(Access.RateCategory.API), this::configuration)
                        .doc(RouteDoc.of("Authorization server metadata (OpenID Connect Discovery, RFC 8414)").ok("ServerMetadata")));
    }

    private void jwks(Context ctx) {
        ctx.header("Cache-Control", "public, max-age=300");
        ctx.contentType("application/jwk-set+json").result(keys.publishedJwks());
    }

    private void configuration(Context ctx) {
        String base = ctx.scheme() + "://" + ctx.host();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("issuer", issuer);
        out.put("jwks_uri", base + "/.well-known/jwks.json");
        out.put("token_endpoint", base + "/oauth2/token");
        out.put("introspection_endpoint", base + "/oauth2/introspect");
        out.put("revocation_endpoint", base + "/oauth2/revoke");
        out.put("grant_types_supported", List.of("client_credentials", "refresh_token"));
        out.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post"));
        out.put("introspection_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post", "bearer"));
        out.put("revocation_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post", "none"));
        out.put("id_token_signing_alg_values_supported", List.of("RS256"));
        out.put("token_endpoint_auth_signing_alg_values_supported", List.of("RS256"));
        out.put("access_token_signing_alg_values_supported", List.of("RS256"));
        out.put("response_types_supported", List.of("token"));
        out.put("subject_types_supported", List.of("public"));
        ctx.header("Cache-Control", "public, max-age=300");
        ctx.json(out);
    }
}
