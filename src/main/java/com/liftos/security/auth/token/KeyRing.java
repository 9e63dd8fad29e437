package com.liftos.security.auth.token;

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
 * instance holds, among those still published) and every key still published for verification — including a key
 * not yet activated (a change of algorithm publishes the new key before it signs). A change yields a new ring.
 */
final class KeyRing {
    private final SigningKey signing;
    private final Map<String, SigningKey> byKid;
    private final List<SigningKey> published;
    private final Optional<Instant> nextActivation;
    /** The JWKS document, rendered on first use (a benign race renders it twice). */
    private volatile String jwks;

    KeyRing(List<SigningKey> keys, Instant now) {
        this.signing = keys.stream()
                // A retired key still published signs only until its successor activates (the newest wins).
                .filter(k -> k.canSign() && k.verifiesAt(now) && !k.activatedAt().isAfter(now))
                .max(Comparator.comparing(SigningKey::activatedAt))
                .orElseThrow(() -> new IllegalStateException("no usable JWT signing key"));
        this.published = keys.stream().filter(k -> k.verifiesAt(now) || k == signing)
                .sorted(Comparator.comparing(SigningKey::activatedAt).reversed()).toList();
        this.byKid = published.stream().collect(Collectors.toUnmodifiableMap(SigningKey::kid, Function.identity()));
        this.nextActivation = published.stream().map(SigningKey::activatedAt).filter(at -> at.isAfter(now)).min(Comparator.naturalOrder());
    }

    /** When a published key starts signing, if one is waiting. */
    Optional<Instant> nextActivation() {
        return nextActivation;
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

    /** The algorithms of the published keys, the signing key's first (what discovery advertises). */
    List<String> algorithms() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(signing), published.stream())
                .map(k -> k.algorithm().jwsName()).distinct().toList();
    }

    /** The published keys as a JWKS document (RFC 7517), public halves only. */
    String jwks() {
        String rendered = jwks;
        if (rendered == null) {
            rendered = new JWKSet(published.stream().map(SigningKey::publicJwk).toList()).toString(true);
            jwks = rendered;
        }
        return rendered;
    }
}
