package com.liftos.security.auth.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/**
 * One key of the JWT keyring, of one {@link JwtAlgorithm} (read from the key's type). The key id is the RFC 7638
 * thumbprint of the public key, so every instance derives the same id from the same key. Signing and verifying go
 * through the preferred JCA provider (Amazon Corretto Crypto Provider when loaded); ES256 signatures are the JWS's
 * fixed 64 bytes (R || S), transcoded from and to DER. {@link #toString()} never shows key material.
 */
final class SigningKey {
    private static final int ES256_SIGNATURE_BYTES = 64;
    private static final int ED25519_SIGNATURE_BYTES = 64;

    private final String kid;
    private final JwtAlgorithm algorithm;
    private final PublicKey publicKey;
    private final Optional<PrivateKey> privateKey;
    private final Instant activatedAt;
    private final Optional<Instant> retiredAt;

    SigningKey(PublicKey publicKey, Optional<PrivateKey> privateKey, Instant activatedAt, Optional<Instant> retiredAt) {
        this.algorithm = JwtAlgorithm.of(publicKey);
        this.kid = kidOf(publicKey);
        this.publicKey = preferredProviderKey(algorithm, publicKey);
        this.privateKey = privateKey.map(k -> preferredProviderKey(algorithm, k));
        this.activatedAt = activatedAt;
        this.retiredAt = retiredAt;
    }

    /**
     * The same key as an object of the preferred provider's own key class. A provider handed another provider's
     * key object converts it on every init (for Amazon Corretto Crypto Provider that costs more than the signature
     * itself), and keys may be loaded before that provider is installed.
     */
    @SuppressWarnings("unchecked")
    private static <K extends java.security.Key> K preferredProviderKey(JwtAlgorithm algorithm, K key) {
        try {
            return (K) KeyFactory.getInstance(algorithm.keyAlgorithm).translateKey(key);
        } catch (GeneralSecurityException | ClassCastException | IllegalArgumentException e) {
            return key;
        }
    }

    static String kidOf(PublicKey key) {
        try {
            return jwk(key, JwtAlgorithm.of(key), null).computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot compute a JWT key thumbprint", e);
        }
    }

    /**
     * The public JWK of {@code key}, with {@code kid} (may be null), use and {@code alg} set: the thumbprint (RFC 7638)
     * is over the key's required members only, so it does not depend on them.
     */
    private static JWK jwk(PublicKey key, JwtAlgorithm algorithm, String kid) {
        return switch (algorithm) {
            case RS256 -> new RSAKey.Builder((RSAPublicKey) key).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(algorithm.jws).build();
            case ES256 -> new ECKey.Builder(Curve.P_256, (ECPublicKey) key).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(algorithm.jws).build();
            case EdDSA -> new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(ed25519Raw(key))).keyID(kid).keyUse(KeyUse.SIGNATURE)
                    .algorithm(algorithm.jws).build();
        };
    }

    /** The 32-byte public key of an Ed25519 key's X.509 encoding (a fixed 12-byte prefix, then the key). */
    private static byte[] ed25519Raw(PublicKey key) {
        byte[] der = key.getEncoded();
        return Arrays.copyOfRange(der, der.length - 32, der.length);
    }

    String kid() { return kid; }
    JwtAlgorithm algorithm() { return algorithm; }
    boolean canSign() { return privateKey.isPresent(); }
    Instant activatedAt() { return activatedAt; }
    Optional<Instant> retiredAt() { return retiredAt; }

    /** This key's JWS signature of the ASCII signing input (the caller checked {@link #canSign()}). */
    byte[] sign(byte[] signingInput) {
        try {
            Signature s = Signature.getInstance(algorithm.signatureAlgorithm);
            s.initSign(privateKey.orElseThrow(() -> new IllegalStateException("this instance holds no private half of " + kid)));
            s.update(signingInput);
            byte[] signature = s.sign();
            return algorithm == JwtAlgorithm.ES256 ? ECDSA.transcodeSignatureToConcat(signature, ES256_SIGNATURE_BYTES) : signature;
        } catch (GeneralSecurityException | JOSEException e) {
            throw new IllegalStateException("JWT signing failed", e);
        }
    }

    /** Whether {@code signature} is this key's JWS signature (of its own algorithm) of the given ASCII bytes. */
    boolean verifies(byte[] signingInput, byte[] signature) {
        try {
            byte[] jca = signature;
            if (algorithm == JwtAlgorithm.ES256) {
                // Fixed length, and r and s in [1, n-1] (no all-zero "psychic" signature), before any DER.
                if (signature.length != ES256_SIGNATURE_BYTES) {
                    return false;
                }
                ECDSA.ensureLegalSignature(signature, algorithm.jws);
                jca = ECDSA.transcodeSignatureToDER(signature);
            } else if (algorithm == JwtAlgorithm.EdDSA && signature.length != ED25519_SIGNATURE_BYTES) {
                return false;
            }
            Signature s = Signature.getInstance(algorithm.signatureAlgorithm);
            s.initVerify(publicKey);
            s.update(signingInput);
            return s.verify(jca);
        } catch (GeneralSecurityException | JOSEException | IllegalArgumentException e) {
            return false;
        }
    }

    boolean verifiesAt(Instant now) {
        return retiredAt.map(now::isBefore).orElse(true);
    }

    /** The public JWK as published in the JWKS, with its own {@code alg}. */
    JWK publicJwk() {
        return jwk(publicKey, algorithm, kid);
    }

    @Override
    public String toString() {
        return "SigningKey[kid=" + kid + ", alg=" + algorithm.jwsName() + ", activatedAt=" + activatedAt + "]";
    }
}
