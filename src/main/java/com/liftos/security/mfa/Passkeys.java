package com.liftos.security.mfa;

import com.liftos.security.auth.user.User;
import com.liftos.security.config.Config;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.store.Db;
import com.webauthn4j.data.AuthenticationData;
import com.webauthn4j.data.RegistrationData;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The users' passkeys ({@code mfa_passkeys}) and the WebAuthn ceremonies that create and use them. Every challenge is
 * 32 random bytes, stored as its SHA-256 with its purpose, its user (none for a passwordless sign-in) and an expiry
 * of {@link #CHALLENGE_LIFETIME}; presenting a response deletes the row before anything is checked, so a challenge
 * answers at most one ceremony, right or wrong. The user handle is the account id's 16 bytes (random, no personal
 * data), which a discoverable credential returns at a passwordless sign-in.
 */
final class Passkeys {
    static final Duration CHALLENGE_LIFETIME = Duration.ofMinutes(5);
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    /** What a challenge was issued for; a response is only checked against a challenge of its own ceremony. */
    enum Purpose {
        REGISTER, SECOND_FACTOR, PASSWORDLESS;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A passkey as its owner sees it: no key material, no credential id. */
    record Passkey(UUID id, UUID userId, UUID orgId, String name, UUID aaguid, boolean backupEligible, Instant createdAt,
                   Optional<Instant> lastUsedAt) {
        /** RFC 8176: {@code swk} for a synced (backup-eligible) passkey, {@code hwk} for one bound to its device. */
        String amr() {
            return backupEligible ? "swk" : "hwk";
        }
    }

    /** The result of a registration. */
    sealed interface Registration {
        /** Stored; {@code recoveryCodes} not empty when this is the user's first second factor. */
        record Registered(Passkey passkey, List<String> recoveryCodes) implements Registration {
            @Override
            public String toString() {
                return "Registered[passkey=" + passkey.id() + "]";
            }
        }

        record Refused(PasskeyVerifier.Reason reason) implements Registration {}
    }

    /** The result of an assertion. */
    sealed interface Assertion {
        record Verified(Passkey passkey) implements Assertion {}

        /** {@code credential}: the stored passkey the response named, when there is one. */
        record Refused(PasskeyVerifier.Reason reason, Optional<Passkey> credential) implements Assertion {}
    }

    private final Db db;
    private final PasskeyVerifier verifier;
    private final FidoMetadata metadata;
    private final Config.WebAuthn rp;
    private final RecoveryCodes recovery;
    private final Clock clock;
    private final SecureRandom random;

    Passkeys(Db db, PasskeyVerifier verifier, FidoMetadata metadata, Config.WebAuthn rp, RecoveryCodes recovery, Clock clock,
             SecureRandom random) {
        this.db = db;
        this.verifier = verifier;
        this.metadata = metadata;
        this.rp = rp;
        this.recovery = recovery;
        this.clock = clock;
        this.random = random;
    }

    static byte[] userHandle(UUID userId) {
        return ByteBuffer.allocate(16).putLong(userId.getMostSignificantBits()).putLong(userId.getLeastSignificantBits()).array();
    }

    /**
     * {@code PublicKeyCredentialCreationOptionsJSON} (WebAuthn Level 3) for a new passkey of {@code user}: the three
     * algorithms, a resident key preferred (so it can sign in without a password), attestation {@code none} (or
     * {@code direct} when {@code org} keeps an authenticator allow-list), the user's passkeys excluded.
     */
    Map<String, Object> creationOptions(User user, SecurityConfig org) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("challenge", issue(Purpose.REGISTER, Optional.of(user.id())));
        o.put("rp", Map.of("id", rp.rpId(), "name", rp.rpName()));
        o.put("user", Map.of("id", B64URL.encodeToString(userHandle(user.id())), "name", user.email(),
                "displayName", user.displayName().orElse(user.email())));
        o.put("pubKeyCredParams", PasskeyVerifier.ALGORITHMS.stream()
                .map(p -> Map.of("type", "public-key", "alg", p.getAlg().getValue())).toList());
        o.put("timeout", CHALLENGE_LIFETIME.toMillis());
        o.put("excludeCredentials", credentialIds(user.id()).stream().map(Passkeys::descriptor).toList());
        o.put("authenticatorSelection", Map.of("residentKey", "preferred", "requireResidentKey", false,
                "userVerification", "preferred"));
        o.put("attestation", org.passkeyAaguids().isEmpty() ? "none" : "direct");
        return o;
    }

    /**
     * {@code PublicKeyCredentialRequestOptionsJSON} for a sign-in: with the user's passkeys listed (second factor), or
     * none (passwordless: the authenticator offers its discoverable credentials), user verification required then.
     */
    Map<String, Object> requestOptions(Purpose purpose, Optional<UUID> userId) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("challenge", issue(purpose, userId));
        o.put("rpId", rp.rpId());
        o.put("timeout", CHALLENGE_LIFETIME.toMillis());
        o.put("userVerification", purpose == Purpose.PASSWORDLESS ? "required" : "preferred");
        o.put("allowCredentials", userId.map(u -> credentialIds(u).stream().map(Passkeys::descriptor).toList()).orElse(List.of()));
        return o;
    }

    /**
     * Registers the credential of {@code responseJson} for {@code user} against a registration challenge of theirs.
     * An organization's AAGUID allow-list ({@code passkey_aaguids}) refuses other models as {@code authenticator}, a
     * listed model the FIDO metadata reports revoked or compromised as {@code authenticator_status}, and a claim the
     * attestation does not prove (format {@code none}, self attestation, a chain to no root the metadata lists for
     * that AAGUID, no metadata configured) as {@code attestation}.
     */
    Registration register(User user, String name, String responseJson, SecurityConfig org) {
        RegistrationData data;
        try {
            data = verifier.parseRegistration(responseJson);
        } catch (PasskeyVerifier.Refused r) {
            return new Registration.Refused(r.reason);
        }
        byte[] challenge = data.getCollectedClientData().getChallenge().getValue();
        Optional<PasskeyVerifier.Reason> spent = consume(challenge, Purpose.REGISTER, Optional.of(user.id()));
        if (spent.isPresent()) {
            return new Registration.Refused(spent.get());
        }
        boolean allowList = !org.passkeyAaguids().isEmpty();
        if (allowList) {
            UUID claimed = PasskeyVerifier.claimedAaguid(data);
            if (!org.passkeyAaguids().contains(claimed.toString())) {
                return new Registration.Refused(PasskeyVerifier.Reason.AUTHENTICATOR);
            }
            if (metadata.model(claimed) instanceof FidoMetadata.Model.Refused) {
                return new Registration.Refused(PasskeyVerifier.Reason.AUTHENTICATOR_STATUS);
            }
        }
        PasskeyVerifier.NewCredential created;
        try {
            created = allowList ? verifier.verifyAttestedRegistration(data, challenge, false)
                    : verifier.verifyRegistration(data, challenge, false);
        } catch (PasskeyVerifier.Refused r) {
            return new Registration.Refused(r.reason);
        }
        Instant now = clock.instant();
        Passkey passkey = new Passkey(UUID.randomUUID(), user.id(), user.orgId(), name, created.aaguid(),
                created.backupEligible(), now, Optional.empty());
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO mfa_passkeys (id, user_id, org_id, credential_id, attested_data, sign_count, uv_initialized,
                        backup_eligible, backup_state, aaguid, name, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (credential_id) DO NOTHING""")) {
                ps.setObject(1, passkey.id());
                ps.setObject(2, user.id());
                ps.setObject(3, user.orgId());
                ps.setBytes(4, created.credentialId());
                ps.setBytes(5, created.attestedData());
                ps.setLong(6, created.signCount());
                ps.setBoolean(7, created.userVerified());
                ps.setBoolean(8, created.backupEligible());
                ps.setBoolean(9, created.backupState());
                ps.setObject(10, created.aaguid());
                ps.setString(11, name);
                ps.setTimestamp(12, Timestamp.from(now));
                if (ps.executeUpdate() != 1) {
                    return new Registration.Refused(PasskeyVerifier.Reason.CREDENTIAL);
                }
            }
            return new Registration.Registered(passkey, recovery.exist(c, user.id()) ? List.of() : recovery.replace(c, user.id()));
        });
    }

    /**
     * Checks an assertion against a challenge of {@code purpose} (issued for {@code expectedUser}, or for nobody at a
     * passwordless sign-in) and the stored credential it names; on success stores the new signature counter. A
     * credential of someone other than {@code expectedUser}, or whose user handle differs from its owner's, is
     * refused as {@code credential}; a counter that went down as {@code counter} (a cloned authenticator).
     */
    Assertion verify(Purpose purpose, Optional<UUID> expectedUser, String responseJson) {
        AuthenticationData data;
        try {
            data = verifier.parseAssertion(responseJson);
        } catch (PasskeyVerifier.Refused r) {
            return new Assertion.Refused(r.reason, Optional.empty());
        }
        byte[] challenge = data.getCollectedClientData().getChallenge().getValue();
        Optional<PasskeyVerifier.Reason> spent = consume(challenge, purpose, expectedUser);
        Optional<Row> found = find(data.getCredentialId());
        if (spent.isPresent()) {
            return new Assertion.Refused(spent.get(), found.map(Row::passkey));
        }
        if (found.isEmpty()) {
            return new Assertion.Refused(PasskeyVerifier.Reason.CREDENTIAL, Optional.empty());
        }
        Row row = found.get();
        byte[] handle = data.getUserHandle();
        boolean owner = expectedUser.map(u -> u.equals(row.passkey.userId())).orElse(true)
                && (handle == null ? purpose != Purpose.PASSWORDLESS : Arrays.equals(handle, userHandle(row.passkey.userId())));
        if (!owner) {
            return new Assertion.Refused(PasskeyVerifier.Reason.CREDENTIAL, Optional.of(row.passkey));
        }
        PasskeyVerifier.Asserted asserted;
        try {
            asserted = verifier.verifyAssertion(data, challenge, row.stored, purpose == Purpose.PASSWORDLESS);
        } catch (PasskeyVerifier.Refused r) {
            return new Assertion.Refused(r.reason, Optional.of(row.passkey));
        }
        Instant now = clock.instant();
        int updated = db.run(c -> {
            // Conditional on the stored counter, so two assertions racing with one counter value cannot both pass.
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE mfa_passkeys SET sign_count = ?, backup_state = ?, last_used_at = ?
                    WHERE id = ? AND (sign_count < ? OR (sign_count = 0 AND ? = 0))""")) {
                ps.setLong(1, asserted.signCount());
                ps.setBoolean(2, asserted.backupState());
                ps.setTimestamp(3, Timestamp.from(now));
                ps.setObject(4, row.passkey.id());
                ps.setLong(5, asserted.signCount());
                ps.setLong(6, asserted.signCount());
                return ps.executeUpdate();
            }
        });
        if (updated != 1) {
            return new Assertion.Refused(PasskeyVerifier.Reason.COUNTER, Optional.of(row.passkey));
        }
        return new Assertion.Verified(row.passkey);
    }

    List<Passkey> list(UUID userId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM mfa_passkeys WHERE user_id = ? ORDER BY created_at, id")) {
                ps.setObject(1, userId);
                List<Passkey> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                }
                return out;
            }
        });
    }

    boolean any(UUID userId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM mfa_passkeys WHERE user_id = ? LIMIT 1")) {
                ps.setObject(1, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    Optional<Passkey> rename(UUID userId, UUID id, String name) {
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE mfa_passkeys SET name = ? WHERE id = ? AND user_id = ?")) {
                ps.setString(1, name);
                ps.setObject(2, id);
                ps.setObject(3, userId);
                return ps.executeUpdate();
            }
        });
        return list(userId).stream().filter(p -> p.id().equals(id)).findFirst();
    }

    /** Deletes one passkey; with the user's last second factor gone, the recovery codes go too. */
    boolean remove(UUID userId, UUID id) {
        return db.tx(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM mfa_passkeys WHERE id = ? AND user_id = ?")) {
                ps.setObject(1, id);
                ps.setObject(2, userId);
                n = ps.executeUpdate();
            }
            recovery.dropUnlessActiveMethods(c, userId);
            return n == 1;
        });
    }

    private static final String COLUMNS = "id, user_id, org_id, name, aaguid, backup_eligible, created_at, last_used_at";

    private static Passkey read(ResultSet rs) throws SQLException {
        return new Passkey(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class),
                rs.getString(4), rs.getObject(5, UUID.class), rs.getBoolean(6), rs.getTimestamp(7).toInstant(),
                Optional.ofNullable(rs.getTimestamp(8)).map(Timestamp::toInstant));
    }

    private record Row(Passkey passkey, PasskeyVerifier.Stored stored) {}

    private Optional<Row> find(byte[] credentialId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                    + ", attested_data, sign_count, uv_initialized, backup_state FROM mfa_passkeys WHERE credential_id = ?")) {
                ps.setBytes(1, credentialId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<Row>empty();
                    }
                    Passkey p = read(rs);
                    return Optional.of(new Row(p, new PasskeyVerifier.Stored(rs.getBytes(9), rs.getLong(10), rs.getBoolean(11),
                            p.backupEligible(), rs.getBoolean(12))));
                }
            }
        });
    }

    private List<byte[]> credentialIds(UUID userId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT credential_id FROM mfa_passkeys WHERE user_id = ? ORDER BY created_at")) {
                ps.setObject(1, userId);
                List<byte[]> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getBytes(1));
                    }
                }
                return out;
            }
        });
    }

    private static Map<String, Object> descriptor(byte[] credentialId) {
        return Map.of("type", "public-key", "id", B64URL.encodeToString(credentialId));
    }

    /** A new challenge (base64url); only its hash is kept. */
    private String issue(Purpose purpose, Optional<UUID> userId) {
        byte[] challenge = new byte[32];
        random.nextBytes(challenge);
        Instant now = clock.instant();
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO mfa_passkey_challenges (challenge_hash, purpose, user_id, expires_at) VALUES (?, ?, ?, ?)")) {
                ps.setBytes(1, MfaLogin.sha256(challenge));
                ps.setString(2, purpose.wire());
                ps.setObject(3, userId.orElse(null), java.sql.Types.OTHER);
                ps.setTimestamp(4, Timestamp.from(now.plus(CHALLENGE_LIFETIME)));
                return ps.executeUpdate();
            }
        });
        return B64URL.encodeToString(challenge);
    }

    /**
     * Spends the challenge a response answers: deleted whatever follows. Empty when it was issued for this purpose
     * and user and is unexpired; otherwise why not ({@code challenge}: unknown, spent, or another ceremony's).
     */
    private Optional<PasskeyVerifier.Reason> consume(byte[] challenge, Purpose purpose, Optional<UUID> userId) {
        Instant now = clock.instant();
        Optional<Instant> expires = db.run(c -> consume(c, challenge, purpose, userId));
        if (expires.isEmpty()) {
            return Optional.of(PasskeyVerifier.Reason.CHALLENGE);
        }
        return now.isBefore(expires.get()) ? Optional.empty() : Optional.of(PasskeyVerifier.Reason.CHALLENGE_EXPIRED);
    }

    private static Optional<Instant> consume(Connection c, byte[] challenge, Purpose purpose, Optional<UUID> userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                DELETE FROM mfa_passkey_challenges WHERE challenge_hash = ? AND purpose = ? AND user_id IS NOT DISTINCT FROM ?
                RETURNING expires_at""")) {
            ps.setBytes(1, MfaLogin.sha256(challenge));
            ps.setString(2, purpose.wire());
            ps.setObject(3, userId.orElse(null), java.sql.Types.OTHER);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getTimestamp(1).toInstant()) : Optional.empty();
            }
        }
    }
}
