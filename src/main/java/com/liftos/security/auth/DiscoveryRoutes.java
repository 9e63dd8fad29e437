package com.liftos.security.auth;

import com.liftos.security.auth.token.JwtKeys;
import com.liftos.security.http.Access;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import io.javalin.http.Context;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /.well-known/jwks.json} and the authorization server metadata (RFC 8414), served at both
 * {@code /.well-known/openid-configuration} (where OpenID Connect clients and Spring's {@code issuer-uri} look) and
 * {@code /.well-known/oauth-authorization-server}. The document states only what is served: the issuer of the
 * tokens (configured, never from the request's {@code Host}), absolute endpoint URLs under the configured public
 * URL, the grants and client authentication methods the endpoints accept, and the algorithms of the published keys. No ID token is issued and
 * there is no authorization endpoint, so no {@code id_token_*} metadata and no response type.
 */
final class DiscoveryRoutes {
    private final JwtKeys keys;
    private final String issuer;
    private final String base;

    DiscoveryRoutes(JwtKeys keys, String issuer, URI publicUrl) {
        this.keys = keys;
        this.issuer = issuer;
        this.base = publicUrl.toString();
    }

    List<Route> routes() {
        RouteDoc metadata = RouteDoc.of("Authorization server metadata (RFC 8414; OpenID Connect Discovery location)")
                .details("The issuer equals the tokens' `iss`; every endpoint URL is under the configured public URL.")
                .ok("ServerMetadata");
        return List.of(
                Route.get("/.well-known/jwks.json", Access.open(Access.RateCategory.API), this::jwks)
                        .doc(RouteDoc.of("The public keys that verify access tokens (RFC 7517)")
                                .reply(200, "The key set", "application/jwk-set+json", "Jwks")),
                Route.get("/.well-known/openid-configuration", Access.open(Access.RateCategory.API), this::configuration)
                        .doc(metadata),
                Route.get("/.well-known/oauth-authorization-server", Access.open(Access.RateCategory.API), this::configuration)
                        .doc(metadata));
    }

    private void jwks(Context ctx) {
        ctx.header("Cache-Control", "public, max-age=300");
        ctx.contentType("application/jwk-set+json").result(keys.publishedJwks());
    }

    private void configuration(Context ctx) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("issuer", issuer);
        out.put("jwks_uri", base + "/.well-known/jwks.json");
        out.put("token_endpoint", base + "/oauth2/token");
        out.put("introspection_endpoint", base + "/oauth2/introspect");
        out.put("revocation_endpoint", base + "/oauth2/revoke");
        out.put("grant_types_supported", List.of("client_credentials", "refresh_token"));
        // No authorization endpoint: no response type is supported (RFC 8414 §2 asks for the list all the same).
        out.put("response_types_supported", List.of());
        out.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post"));
        // A bearer token is accepted too (docs/features/auth.md); it is not a registered client authentication method.
        out.put("introspection_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post"));
        out.put("revocation_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post", "none"));
        // Exactly the algorithms of the published keys: during a switch of algorithm, the old and the new one.
        out.put("access_token_signing_alg_values_supported", keys.publishedAlgorithms());
        out.put("revocation_stream_endpoint", base + "/v1/revocations/stream");
        ctx.header("Cache-Control", "public, max-age=300");
        ctx.json(out);
    }
}
