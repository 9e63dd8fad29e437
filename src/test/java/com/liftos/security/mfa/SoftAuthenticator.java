package com.liftos.security.mfa;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.webauthn4j.converter.AttestationObjectConverter;
import com.webauthn4j.converter.AuthenticatorDataConverter;
import com.webauthn4j.converter.util.ObjectConverter;
import com.webauthn4j.data.attestation.AttestationObject;
import com.webauthn4j.data.attestation.authenticator.AAGUID;
import com.webauthn4j.data.attestation.authenticator.AttestedCredentialData;
import com.webauthn4j.data.attestation.authenticator.AuthenticatorData;
import com.webauthn4j.data.attestation.authenticator.COSEKey;
import com.webauthn4j.data.attestation.authenticator.EC2COSEKey;
import com.webauthn4j.data.attestation.authenticator.EdDSACOSEKey;
import com.webauthn4j.data.attestation.statement.COSEAlgorithmIdentifier;
import com.webauthn4j.data.attestation.statement.NoneAttestationStatement;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.UUID;

/**
 * A software WebAuthn authenticator for the tests: a real key pair of the JDK (ES256 on P-256, or Ed25519), real CBOR
 * attestation objects (format {@code none}) and authenticator data encoded with webauthn4j's converters, real
 * signatures over {@code authenticatorData ‖ SHA-256(clientDataJSON)}. It answers the server's options JSON with a
 * {@code PublicKeyCredential.toJSON()} as a browser would, and lets a test lie about what a browser would check
 * (origin, RP id) or what an authenticator would keep (the counter, user verification).
 */
final class SoftAuthenticator {
    static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    static final Base64.Decoder B64D = Base64.getUrlDecoder();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectConverter CONVERTER = new ObjectConverter();

    enum Alg { ES256, EDDSA }

    private final Alg alg;
    private final KeyPair keys;
    private final byte[] credentialId = new byte[32];
    private final UUID aaguid;
    private final boolean synced;
    private byte[] userHandle;
    long counter;
    /** How {@link #create} attests; {@code none} unless a test says otherwise. */
    private Attestation attestation = new Attestation.None();

    /** The attestation statement a registration carries. */
    sealed interface Attestation {
        record None() implements Attestation {}

        /** Packed, signed by the credential key itself, no certificate. */
        record Self() implements Attestation {}

        /** Packed, signed by {@code key}, whose certificate is the first of {@code chain}. */
        record Packed(java.security.PrivateKey key, java.util.List<java.security.cert.X509Certificate> chain) implements Attestation {}
    }

    SoftAuthenticator attesting(Attestation a) {
        this.attestation = a;
        return this;
    }

    SoftAuthenticator(Alg alg) {
        this(alg, UUID.fromString("00000000-0000-0000-0000-000000000000"), false);
    }

    SoftAuthenticator(Alg alg, UUID aaguid, boolean synced) {
        this.alg = alg;
        this.aaguid = aaguid;
        this.synced = synced;
        try {
            KeyPairGenerator g;
            if (alg == Alg.ES256) {
                g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                g = KeyPairGenerator.getInstance("Ed25519");
            }
            this.keys = g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        new SecureRandom().nextBytes(credentialId);
    }

    /** What a browser would put in the client data, and what the authenticator would set. */
    record Ceremony(String origin, String rpId, boolean userVerified, boolean userPresent) {
        static Ceremony of(String origin, String rpId) {
            return new Ceremony(origin, rpId, true, true);
        }

        Ceremony withoutUserVerification() {
            return new Ceremony(origin, rpId, false, userPresent);
        }

        Ceremony origin(String other) {
            return new Ceremony(other, rpId, userVerified, userPresent);
        }

        Ceremony rpId(String other) {
            return new Ceremony(origin, other, userVerified, userPresent);
        }
    }

    /** {@code navigator.credentials.create(publicKey)} → {@code toJSON()}. */
    ObjectNode create(JsonNode publicKey, Ceremony c) {
        userHandle = B64D.decode(publicKey.path("user").path("id").asText());
        byte[] clientData = clientData("webauthn.create", publicKey.path("challenge").asText(), c.origin());
        COSEKey cose = alg == Alg.ES256
                ? EC2COSEKey.create((ECPublicKey) keys.getPublic(), COSEAlgorithmIdentifier.ES256)
                : EdDSACOSEKey.create((EdECPublicKey) keys.getPublic(), COSEAlgorithmIdentifier.EdDSA);
        AttestedCredentialData attested = new AttestedCredentialData(new AAGUID(aaguid), credentialId, cose);
        AuthenticatorData<?> authData = new AuthenticatorData<>(sha256(c.rpId().getBytes(StandardCharsets.UTF_8)),
                (byte) (flags(c) | 0x40), counter, attested);
        byte[] toSign = ByteBuffer.allocate(0).array();
        if (!(attestation instanceof Attestation.None)) {
            byte[] authBytes = new AuthenticatorDataConverter(CONVERTER).convert(cast(authData));
            toSign = ByteBuffer.allocate(authBytes.length + 32).put(authBytes).put(sha256(clientData)).array();
        }
        com.webauthn4j.data.attestation.statement.AttestationStatement statement = switch (attestation) {
            case Attestation.None n -> new NoneAttestationStatement();
            case Attestation.Self x -> new com.webauthn4j.data.attestation.statement.PackedAttestationStatement(
                    alg == Alg.ES256 ? COSEAlgorithmIdentifier.ES256 : COSEAlgorithmIdentifier.EdDSA, sign(toSign), null);
            case Attestation.Packed p -> new com.webauthn4j.data.attestation.statement.PackedAttestationStatement(
                    COSEAlgorithmIdentifier.ES256, signWith(p.key(), toSign),
                    new com.webauthn4j.data.attestation.statement.AttestationCertificatePath(p.chain()));
        };
        byte[] attestationObject = new AttestationObjectConverter(CONVERTER).convertToBytes(
                new AttestationObject(cast(authData), statement));
        ObjectNode response = JSON.createObjectNode();
        response.put("clientDataJSON", B64.encodeToString(clientData));
        response.put("attestationObject", B64.encodeToString(attestationObject));
        response.putArray("transports").add("internal");
        return credential(response);
    }

    /** {@code navigator.credentials.get(publicKey)} → {@code toJSON()}, the counter moved on by one. */
    ObjectNode get(JsonNode publicKey, Ceremony c) {
        counter++;
        return assertion(publicKey, c, counter);
    }

    /** An assertion with exactly {@code signCount} (a clone, which has not seen the original's later signatures). */
    ObjectNode assertion(JsonNode publicKey, Ceremony c, long signCount) {
        byte[] clientData = clientData("webauthn.get", publicKey.path("challenge").asText(), c.origin());
        byte[] authData = new AuthenticatorDataConverter(CONVERTER).convert(
                new AuthenticatorData<>(sha256(c.rpId().getBytes(StandardCharsets.UTF_8)), flags(c), signCount));
        byte[] signature = sign(ByteBuffer.allocate(authData.length + 32).put(authData).put(sha256(clientData)).array());
        ObjectNode response = JSON.createObjectNode();
        response.put("clientDataJSON", B64.encodeToString(clientData));
        response.put("authenticatorData", B64.encodeToString(authData));
        response.put("signature", B64.encodeToString(signature));
        if (userHandle != null) {
            response.put("userHandle", B64.encodeToString(userHandle));
        }
        return credential(response);
    }

    /** The same key and credential id under another user handle (to present as someone else's). */
    void claimUserHandle(byte[] handle) {
        this.userHandle = handle.clone();
    }

    byte[] userHandle() {
        return userHandle.clone();
    }

    byte[] sign(byte[] data) {
        try {
            Signature s = Signature.getInstance(alg == Alg.ES256 ? "SHA256withECDSA" : "Ed25519");
            s.initSign(keys.getPrivate());
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] signWith(java.security.PrivateKey key, byte[] data) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(key);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte flags(Ceremony c) {
        int f = (c.userPresent() ? 0x01 : 0) | (c.userVerified() ? 0x04 : 0) | (synced ? 0x08 | 0x10 : 0);
        return (byte) f;
    }

    private ObjectNode credential(ObjectNode response) {
        ObjectNode cred = JSON.createObjectNode();
        cred.put("id", B64.encodeToString(credentialId));
        cred.put("rawId", B64.encodeToString(credentialId));
        cred.put("type", "public-key");
        cred.set("response", response);
        cred.putObject("clientExtensionResults");
        cred.put("authenticatorAttachment", "platform");
        return cred;
    }

    static byte[] clientData(String type, String challenge, String origin) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", type);
        n.put("challenge", challenge);
        n.put("origin", origin);
        n.put("crossOrigin", false);
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends com.webauthn4j.data.extension.authenticator.ExtensionAuthenticatorOutput> AuthenticatorData<T> cast(
            AuthenticatorData<?> d) {
        return (AuthenticatorData<T>) d;
    }
}
