package com.liftos.security.auth.token;

import com.liftos.security.crypto.KeyFiles;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Optional;

/**
 * The access tokens' signature algorithm, chosen per deployment ({@code LIFTOS_JWT_ALGORITHM}): RS256 (RSA 2048,
 * the default), ES256 (ECDSA P-256) or EdDSA (Ed25519). A key has exactly one algorithm, read from its own type, so
 * the keyring needs no column for it and a header naming another algorithm than its key's is refused.
 */
public enum JwtAlgorithm {
    RS256("RSA", "SHA256withRSA", JWSAlgorithm.RS256),
    ES256("EC", "SHA256withECDSA", JWSAlgorithm.ES256),
    EdDSA("Ed25519", "Ed25519", JWSAlgorithm.EdDSA);

    /** JCA key factory / key pair generator name. */
    final String keyAlgorithm;
    /** JCA signature name (ES256 signs in DER and is transcoded to the JWS's fixed 64 bytes). */
    final String signatureAlgorithm;
    final JWSAlgorithm jws;

    JwtAlgorithm(String keyAlgorithm, String signatureAlgorithm, JWSAlgorithm jws) {
        this.keyAlgorithm = keyAlgorithm;
        this.signatureAlgorithm = signatureAlgorithm;
        this.jws = jws;
    }

    /** The JWS {@code alg} name. */
    public String jwsName() {
        return jws.getName();
    }

    /** The algorithm of a configuration value: {@code RS256}, {@code ES256} or {@code EdDSA}, spelled as in a JWS. */
    public static Optional<JwtAlgorithm> named(String name) {
        return Arrays.stream(values()).filter(a -> a.jwsName().equals(name)).findFirst();
    }

    /** The algorithm of a JWS header's {@code alg}, exactly as spelled (none, HS* and the rest: empty). */
    static Optional<JwtAlgorithm> ofHeader(JWSAlgorithm alg) {
        return Arrays.stream(values()).filter(a -> a.jws.equals(alg)).findFirst();
    }

    /** The algorithm a public key signs with; a key of any other type or curve is refused. */
    static JwtAlgorithm of(PublicKey key) {
        if (key instanceof java.security.interfaces.RSAPublicKey) {
            return RS256;
        }
        if (key instanceof ECPublicKey ec && Curve.P_256.equals(Curve.forECParameterSpec(ec.getParams()))) {
            return ES256;
        }
        if (("Ed25519".equals(key.getAlgorithm()) || "EdDSA".equals(key.getAlgorithm())) && key.getEncoded().length == 44) {
            return EdDSA;
        }
        throw new IllegalStateException("a JWT key of an unsupported type: " + key.getAlgorithm());
    }

    /** A fresh key pair of this algorithm. */
    KeyPair generate(SecureRandom random) {
        if (this == RS256) {
            return KeyFiles.generateRsa(random);
        }
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(keyAlgorithm);
            if (this == ES256) {
                g.initialize(new ECGenParameterSpec("secp256r1"), random);
            } // Ed25519: the generator has one size; it draws from its provider's own strong random
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a " + name() + " key", e);
        }
    }
}
