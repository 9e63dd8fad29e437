package com.liftos.security.auth.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.JWSAlgorithm;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Optional;

/**
 * One RSA key of the JWT keyring. The key id is the RFC 7638 thumbprint of the public key, so every instance
 * derives the same id from the same key. {@link #toString()} never shows key material.
 */
final class SigningKey {
    private final String kid;
    private final RSAPublicKey publicKey;
    private final Optional<RSASSASigner> signer;
    private final RSASSAVerifier verifier;
    private final RSAPublicKey providerPublicKey;
    private final Instant activatedAt;
    private final Optional<Instant> retiredAt;

    SigningKey(RSAPublicKey publicKey, Optional<RSAPrivateKey> privateKey, Instant activatedAt, Optional<Instant> retiredAt) {
        this.kid = kidOf(publicKey);
        this.publicKey = publicKey;
        this.signer = privateKey.map(k -> new RSASSASigner(preferredProviderKey(k)));
        this.providerPublicKey = preferredProviderKey(publicKey);
        this.verifier = new RSASSAVerifier(providerPublicKey);
        this.activatedAt = activatedAt;
        this.retiredAt = retiredAt;
    }

    /**
     * The same key as an object of the preferred provider's own key class. A provider handed another provider's
     * key object converts it on every init (for Amazon Corretto Crypto Provider that costs more than the signature
     * itself), and keys may be loaded before that provider is installed.
     */
    @SuppressWarnings("unchecked")
    private static <K extends java.security.Key> K preferredProviderKey(K key) {
        try {
            return (K) KeyFactory.getInstance("RSA").translateKey(key);
        } catch (GeneralSecurityException | ClassCastException e) {
            return key;
        }
    }

    static String kidOf(RSAPublicKey key) {
        try {
            return new RSAKey.Builder(key).build().computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot compute RSA key thumbprint", e);
        }
    }

    String kid() { return kid; }
    RSAPublicKey publicKey() { return publicKey; }
    Optional<RSASSASigner> signer() { return signer; }
    RSASSAVerifier verifier() { return verifier; }
    Instant activatedAt() { return activatedAt; }
    Optional<Instant> retiredAt() { return retiredAt; }

    /** Whether {@code signature} is this key's RSASSA-PKCS1-v1_5 SHA-256 signature of the given ASCII bytes. */
    boolean verifiesRs256(byte[] signingInput, byte[] signature) {
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initVerify(providerPublicKey);
            rsa.update(signingInput);
            return rsa.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    boolean verifiesAt(Instant now) {
        return retiredAt.map(now::isBefore).orElse(true);
    }

    /** The public JWK as published in the JWKS. */
    RSAKey publicJwk() {
        return new RSAKey.Builder(publicKey).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).build();
    }

    @Override
    public String toString() {
        return "SigningKey[kid=" + kid + ", activatedAt=" + activatedAt + "]";
    }
}
