package com.liftos.security.mfa;

import com.liftos.security.config.Config;
import com.webauthn4j.WebAuthnManager;
import com.webauthn4j.converter.AttestedCredentialDataConverter;
import com.webauthn4j.converter.exception.DataConversionException;
import com.webauthn4j.converter.util.ObjectConverter;
import com.webauthn4j.credential.CredentialRecordImpl;
import com.webauthn4j.data.AuthenticationData;
import com.webauthn4j.data.AuthenticationParameters;
import com.webauthn4j.data.PublicKeyCredentialParameters;
import com.webauthn4j.data.PublicKeyCredentialType;
import com.webauthn4j.data.RegistrationData;
import com.webauthn4j.data.RegistrationParameters;
import com.webauthn4j.data.attestation.authenticator.AttestedCredentialData;
import com.webauthn4j.data.attestation.authenticator.AuthenticatorData;
import com.webauthn4j.data.attestation.statement.COSEAlgorithmIdentifier;
import com.webauthn4j.data.attestation.statement.NoneAttestationStatement;
import com.webauthn4j.data.client.Origin;
import com.webauthn4j.data.client.challenge.DefaultChallenge;
import com.webauthn4j.server.ServerProperty;
import com.webauthn4j.util.exception.WebAuthnException;
import com.webauthn4j.verifier.attestation.statement.androidkey.AndroidKeyAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.apple.AppleAnonymousAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.packed.PackedAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.tpm.TPMAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.trustworthiness.certpath.DefaultCertPathTrustworthinessVerifier;
import com.webauthn4j.verifier.attestation.trustworthiness.self.DefaultSelfAttestationTrustworthinessVerifier;
import com.webauthn4j.verifier.exception.BadAaguidException;
import com.webauthn4j.verifier.exception.BadAttestationStatementException;
import com.webauthn4j.verifier.exception.BadChallengeException;
import com.webauthn4j.verifier.exception.CertificateException;
import com.webauthn4j.verifier.exception.SelfAttestationProhibitedException;
import com.webauthn4j.verifier.exception.TrustAnchorNotFoundException;
import com.webauthn4j.verifier.exception.BadOriginException;
import com.webauthn4j.verifier.exception.BadRpIdException;
import com.webauthn4j.verifier.exception.BadSignatureException;
import com.webauthn4j.verifier.exception.MaliciousCounterValueException;
import com.webauthn4j.verifier.exception.NotAllowedAlgorithmException;
import com.webauthn4j.verifier.exception.UserNotPresentException;
import com.webauthn4j.verifier.exception.UserNotVerifiedException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The WebAuthn checks, all of them webauthn4j's: a registration's attestation object and client data, an assertion's
 * signature over authenticator data and client data, against the configured relying-party id and origins and the
 * challenge the server issued. No storage and no clock here; the caller finds the challenge and the credential.
 *
 * <p>Attestation: by default webauthn4j's non-strict manager, which accepts format {@code none} (what this service
 * asks for) and does not chase attestation certificates, so the AAGUID an authenticator reports is its own claim. For
 * an organization with an authenticator allow-list, {@link #verifyAttestedRegistration} uses a second manager that
 * knows only certificate-based formats (packed, tpm, android-key, apple), refuses {@code none} and self attestation,
 * and requires the attestation certificate to chain to a root the FIDO metadata lists for the claimed AAGUID
 * ({@link FidoMetadata}); docs/features/mfa.md, "Passkeys".
 */
final class PasskeyVerifier {
    /** ES256, EdDSA and RS256, in the order the registration options offer them (RS256 for Windows Hello). */
    static final List<PublicKeyCredentialParameters> ALGORITHMS = List.of(
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.ES256),
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.EdDSA),
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.RS256));

    /** Which check refused a ceremony; its wire form is the error's {@code reason} and the audit detail. */
    enum Reason {
        CHALLENGE, CHALLENGE_EXPIRED, ORIGIN, RP_ID, SIGNATURE, USER_PRESENCE, USER_VERIFICATION, COUNTER, CREDENTIAL, ALGORITHM,
        AUTHENTICATOR, AUTHENTICATOR_STATUS, ATTESTATION, FORMAT;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A verified new credential, as stored. */
    record NewCredential(byte[] credentialId, byte[] attestedData, long signCount, boolean userVerified,
                         boolean backupEligible, boolean backupState, UUID aaguid) {
        @Override
        public String toString() {
            return "NewCredential[aaguid=" + aaguid + "]";
        }
    }

    /** A stored credential, what an assertion is checked against. */
    record Stored(byte[] attestedData, long signCount, boolean uvInitialized, boolean backupEligible, boolean backupState) {
        @Override
        public String toString() {
            return "Stored[signCount=" + signCount + "]";
        }
    }

    /** A verified assertion: the authenticator's new counter and flags. */
    record Asserted(long signCount, boolean userVerified, boolean backupEligible, boolean backupState) {}

    /** A failed check: {@link Reason} only; the library's message stays out of answers and logs. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Reason reason;

        Refused(Reason reason) {
            super(reason.wire(), null, false, false);
            this.reason = reason;
        }
    }

    private static final int DECODED_MAX = 10_000;

    private final java.util.concurrent.ConcurrentHashMap<java.nio.ByteBuffer, AttestedCredentialData> decoded =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final WebAuthnManager manager;
    private final WebAuthnManager attestedManager;
    private final AttestedCredentialDataConverter attested;
    private final Set<Origin> origins;
    private final String rpId;

    PasskeyVerifier(Config.WebAuthn rp) {
        this(rp, FidoMetadata.none(java.time.Clock.systemUTC()));
    }

    PasskeyVerifier(Config.WebAuthn rp, FidoMetadata metadata) {
        ObjectConverter converter = new ObjectConverter();
        this.manager = WebAuthnManager.createNonStrictWebAuthnManager(converter);
        // Attestation certificate paths: PKIX to the metadata's roots for the AAGUID, at the registration's time;
        // revocation is off (no network), the metadata's status reports stand in for it (Passkeys.register).
        DefaultCertPathTrustworthinessVerifier certPaths = new DefaultCertPathTrustworthinessVerifier(metadata.trustAnchors());
        certPaths.setRevocationCheckEnabled(false);
        this.attestedManager = new WebAuthnManager(
                List.of(new PackedAttestationStatementVerifier(), new TPMAttestationStatementVerifier(),
                        new AndroidKeyAttestationStatementVerifier(), new AppleAnonymousAttestationStatementVerifier()),
                certPaths, new DefaultSelfAttestationTrustworthinessVerifier(false), converter);
        this.attested = new AttestedCredentialDataConverter(converter);
        this.origins = rp.origins().stream().map(Origin::new).collect(Collectors.toUnmodifiableSet());
        this.rpId = rp.rpId();
    }

    /** Parses a registration response ({@code PublicKeyCredential.toJSON()} of {@code navigator.credentials.create}). */
    RegistrationData parseRegistration(String json) throws Refused {
        try {
            RegistrationData data = manager.parseRegistrationResponseJSON(json);
            if (data.getCollectedClientData() == null || data.getCollectedClientData().getChallenge() == null
                    || data.getAttestationObject() == null) {
                throw new Refused(Reason.FORMAT);
            }
            return data;
        } catch (WebAuthnException | tools.jackson.core.JacksonException | IllegalArgumentException | IllegalStateException e) {
            throw new Refused(Reason.FORMAT);
        }
    }

    /** Parses an assertion ({@code PublicKeyCredential.toJSON()} of {@code navigator.credentials.get}). */
    AuthenticationData parseAssertion(String json) throws Refused {
        try {
            AuthenticationData data = manager.parseAuthenticationResponseJSON(json);
            if (data.getCollectedClientData() == null || data.getCollectedClientData().getChallenge() == null
                    || data.getCredentialId() == null || data.getAuthenticatorData() == null) {
                throw new Refused(Reason.FORMAT);
            }
            return data;
        } catch (WebAuthnException | tools.jackson.core.JacksonException | IllegalArgumentException | IllegalStateException e) {
            throw new Refused(Reason.FORMAT);
        }
    }

    /** Verifies a registration for {@code challenge}: origin, RP id hash, challenge, algorithm, flags, attestation. */
    NewCredential verifyRegistration(RegistrationData data, byte[] challenge, boolean userVerificationRequired) throws Refused {
        return verifyRegistration(manager, data, challenge, userVerificationRequired);
    }

    /**
     * As {@link #verifyRegistration}, and the attestation statement must verify and chain to a root the FIDO metadata
     * lists for the AAGUID ({@link Reason#ATTESTATION} otherwise: format {@code none}, self attestation, an unknown
     * model, a chain to another root, a certificate whose AAGUID extension differs).
     */
    NewCredential verifyAttestedRegistration(RegistrationData data, byte[] challenge, boolean userVerificationRequired)
            throws Refused {
        return verifyRegistration(attestedManager, data, challenge, userVerificationRequired);
    }

    /** The AAGUID the authenticator claims, unverified (zero when it names none). */
    static UUID claimedAaguid(RegistrationData data) {
        AttestedCredentialData credential = data.getAttestationObject().getAuthenticatorData().getAttestedCredentialData();
        return credential == null || credential.getAaguid() == null || credential.getAaguid().getValue() == null
                ? new UUID(0, 0) : credential.getAaguid().getValue();
    }

    private NewCredential verifyRegistration(WebAuthnManager m, RegistrationData data, byte[] challenge,
                                             boolean userVerificationRequired) throws Refused {
        try {
            m.verify(data, new RegistrationParameters(property(challenge), ALGORITHMS, userVerificationRequired, true));
        } catch (WebAuthnException | IllegalArgumentException e) {
            throw new Refused(reason(e));
        }
        AuthenticatorData<?> auth = data.getAttestationObject().getAuthenticatorData();
        AttestedCredentialData credential = auth.getAttestedCredentialData();
        if (credential == null) {
            throw new Refused(Reason.FORMAT);
        }
        return new NewCredential(credential.getCredentialId(), attested.convert(credential), auth.getSignCount(),
                auth.isFlagUV(), auth.isFlagBE(), auth.isFlagBS(), credential.getAaguid().getValue());
    }

    /**
     * Verifies an assertion for {@code challenge} against {@code stored}: origin, RP id hash, challenge, user
     * presence (and verification when required), the signature with the stored public key, and the signature
     * counter (lower than the stored one, unless both are zero: refused as {@link Reason#COUNTER}).
     */
    Asserted verifyAssertion(AuthenticationData data, byte[] challenge, Stored stored, boolean userVerificationRequired)
            throws Refused {
        AttestedCredentialData credential = credential(stored.attestedData());
        CredentialRecordImpl record = new CredentialRecordImpl(new NoneAttestationStatement(), stored.uvInitialized(),
                stored.backupEligible(), stored.backupState(), stored.signCount(), credential, null, null, null, null);
        try {
            manager.verify(data, new AuthenticationParameters(property(challenge), record, List.of(credential.getCredentialId()),
                    userVerificationRequired, true));
        } catch (WebAuthnException | IllegalArgumentException e) {
            throw new Refused(reason(e));
        }
        AuthenticatorData<?> auth = data.getAuthenticatorData();
        return new Asserted(auth.getSignCount(), auth.isFlagUV(), auth.isFlagBE(), auth.isFlagBS());
    }

    /**
     * The stored credential decoded, from a bounded cache: decoding the COSE key costs about 200 µs (webauthn4j's CBOR
     * path), fifteen times the signature check (PasskeyBench), and the bytes of a credential never change. Public keys
     * only; the cache is dropped whole when full, which costs one decode per credential afterwards.
     */
    private AttestedCredentialData credential(byte[] attestedData) throws Refused {
        java.nio.ByteBuffer key = java.nio.ByteBuffer.wrap(attestedData.clone());
        AttestedCredentialData cached = decoded.get(key);
        if (cached != null) {
            return cached;
        }
        AttestedCredentialData credential;
        try {
            credential = attested.convert(attestedData);
        } catch (DataConversionException | IllegalArgumentException e) {
            throw new Refused(Reason.CREDENTIAL);
        }
        if (decoded.size() >= DECODED_MAX) {
            decoded.clear();
        }
        decoded.put(key, credential);
        return credential;
    }

    private ServerProperty property(byte[] challenge) {
        return ServerProperty.builder().origins(origins).rpId(rpId).challenge(new DefaultChallenge(challenge)).build();
    }

    private static Reason reason(Exception e) {
        return switch (e) {
            case BadChallengeException x -> Reason.CHALLENGE;
            case BadOriginException x -> Reason.ORIGIN;
            case BadRpIdException x -> Reason.RP_ID;
            case BadSignatureException x -> Reason.SIGNATURE;
            case UserNotVerifiedException x -> Reason.USER_VERIFICATION;
            case UserNotPresentException x -> Reason.USER_PRESENCE;
            case MaliciousCounterValueException x -> Reason.COUNTER;
            case NotAllowedAlgorithmException x -> Reason.ALGORITHM;
            case BadAttestationStatementException x -> Reason.ATTESTATION;
            case CertificateException x -> Reason.ATTESTATION;
            case TrustAnchorNotFoundException x -> Reason.ATTESTATION;
            case SelfAttestationProhibitedException x -> Reason.ATTESTATION;
            case BadAaguidException x -> Reason.ATTESTATION;
            default -> Reason.FORMAT;
        };
    }
}
