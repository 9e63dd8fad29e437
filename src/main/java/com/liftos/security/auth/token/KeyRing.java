package com.liftos.security.auth.token;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * An immutable snapshot of the JWT keys: exactly one signing key (the newest activated key whose private half this
 * instance holds) and every key still published for verification. A change yields a new ring.
 */
final class KeyRing {
    private final SigningKey signing;
    private final Map<String, SigningKey> byKid;
    private final List<SigningKey> published;
    /** The JWKS document, rendered on first use (a benign race renders it twice). */
    private volatile String jwks;

    KeyRing(List<SigningKey> keys, Instant now) {
        this.signing = keys.stream()
                .filter(k -> k.signer().isPresent() && k.retiredAt().isEmpty() && !k.activatedAt().isAfter(now))
                .max(Comparator.comparing(SigningKey::activatedAt))
                .orElseThrow(() -> new IllegalStateException("no usable JWT signing key"));
        this.published = keys.stream().filter(k -> k.verifiesAt(now) || k == signing)
                .sorted(Comparator.comparing(SigningKey::activatedAt).reversed()).toList();
        this.byKid = published.stream().collect(Collectors.toUnmodifiableMap(SigningKey::kid, Function.identity()));
    }

    SigningKey signing() {
        return signing;
    }

    Optional<SigningKey> find(String kid) {
        return Optional.ofNullable(byKid.get(kid));
    }

    List<SigningKey> published() {
        return published;
    }

    /** The published keys as a JWKS document (RFC 7517), public halves only. */
    String jwks() {
        String rendered = jwks;
        if (rendered == null) {
            rendered = new JWKSet(published.stream().map(k -> (JWK) k.publicJwk()).toList()).toString(true);
            jwks = rendered;
        }
        return rendered;
    }
}
