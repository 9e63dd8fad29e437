package com.liftos.security.auth.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.liftos.security.crypto.Aead;
import com.liftos.security.crypto.KeyFiles;
import com.liftos.security.store.Db;
import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rotated JWT private keys at rest: sealed in the {@link Aead} format naming the sealing key, bound to their row,
 * and rows sealed in the keyring's first format still load, once, and are written back in the new one.
 */
class JwtKeysSealTest {
    static final SecureRandom RANDOM = new SecureRandom();
    static final Duration LIFETIME = Duration.ofMinutes(60);

    HikariDataSource dataSource;
    Db db;
    byte[] serviceKey;

    @BeforeEach
    void schema() {
        dataSource = TestDatabase.fresh().dataSource(4);
        db = new Db(dataSource);
        serviceKey = serviceKeyFile();
    }

    @AfterEach
    void close() {
        dataSource.close();
    }

    static byte[] serviceKeyFile() {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        return (Base64.getEncoder().encodeToString(raw) + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    JwtKeys keys(byte[] serviceKeyFile) {
        return new JwtKeys(db, Optional.empty(), serviceKeyFile, LIFETIME, Clock.systemUTC(), RANDOM);
    }

    record Row(byte[] sealed, boolean legacy) {}

    Row row(String kid) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT private_sealed, private_sealed_legacy FROM jwt_signing_keys WHERE kid = ?")) {
                ps.setString(1, kid);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new Row(rs.getBytes(1), rs.getBoolean(2));
                }
            }
        });
    }

    void setSealed(String kid, byte[] sealed) {
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE jwt_signing_keys SET private_sealed = ? WHERE kid = ?")) {
                ps.setBytes(1, sealed);
                ps.setString(2, kid);
                return ps.executeUpdate();
            }
        });
    }

    /** The keyring's first format, as the code before V13 wrote it: version 1, nonce, AES-GCM with the kid as AAD. */
    static byte[] legacySeal(byte[] serviceKeyFile, byte[] pkcs8, String kid) throws Exception {
        byte[] nonce = new byte[12];
        RANDOM.nextBytes(nonce);
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(KeyDerivation.derive(serviceKeyFile, "liftos/jwt-keyring/v1"), "AES"),
                new GCMParameterSpec(128, nonce));
        gcm.updateAAD(kid.getBytes(StandardCharsets.US_ASCII));
        byte[] ct = gcm.doFinal(pkcs8);
        byte[] out = new byte[1 + nonce.length + ct.length];
        out[0] = 1;
        System.arraycopy(nonce, 0, out, 1, nonce.length);
        System.arraycopy(ct, 0, out, 1 + nonce.length, ct.length);
        return out;
    }

    /** A token signed by the ring's signing key verifies: the private half that was unsealed is the right one. */
    static void signsAndVerifies(JwtKeys keys) {
        AccessTokens tokens = new AccessTokens(keys, "liftos.test", LIFETIME, Clock.systemUTC());
        AccessTokens.Issued issued = tokens.issue(UUID.randomUUID(), UUID.randomUUID(), Optional.of("a@example.test"),
                List.of("viewer"), List.of("read:credentials"), Optional.of(UUID.randomUUID()), Optional.empty(),
                Instant.now(), List.of("pwd"));
        assertThat(tokens.verify(issued.token())).isPresent();
    }

    @Test
    void aRotatedKeyIsSealedWithAeadAndLoadsOnAnotherInstance() {
        String kid = keys(serviceKey).rotate();
        Row row = row(kid);
        assertThat(row.legacy()).isFalse();
        assertThat(row.sealed()[0]).isEqualTo(Aead.FORMAT_V1);
        int keyId = Aead.keyId(row.sealed());
        JwtKeys other = keys(serviceKey);
        assertThat(other.ring().signing().kid()).isEqualTo(kid);
        signsAndVerifies(other);
        // the header names the sealing key: the same service key gives the same id, another one another id
        String second = other.rotate();
        assertThat(Aead.keyId(row(second).sealed())).isEqualTo(keyId);
        assertThatThrownBy(() -> keys(serviceKeyFile())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("another service key");
    }

    @Test
    void everyFlippedByteAndAMovedBlobAreRefused() {
        JwtKeys keys = keys(serviceKey);
        String first = keys.rotate();
        String second = keys.rotate();
        byte[] good = row(second).sealed();
        for (int i = 0; i < good.length; i += 97) {
            byte[] flipped = good.clone();
            flipped[i] ^= 0x01;
            setSealed(second, flipped);
            assertThatThrownBy(() -> keys(serviceKey)).as("byte " + i).isInstanceOf(IllegalStateException.class);
        }
        // a blob sealed for one row does not open in another (the kid is associated data)
        setSealed(second, row(first).sealed());
        assertThatThrownBy(() -> keys(serviceKey)).isInstanceOf(IllegalStateException.class);
        setSealed(second, good);
        assertThat(keys(serviceKey).ring().signing().kid()).isEqualTo(second);
    }

    @Test
    void aKeySealedTheOldWayStillLoadsAndIsRewrittenInTheNewFormat() throws Exception {
        keys(serviceKey);
        KeyPair pair = KeyFiles.generateRsa(RANDOM);
        String kid = SigningKey.kidOf((RSAPublicKey) pair.getPublic());
        byte[] legacy = legacySeal(serviceKey, pair.getPrivate().getEncoded(), kid);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        // inserted as an instance from before V13 would: without the new column, whose default marks it legacy
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO jwt_signing_keys (kid, public_pem, private_sealed, created_at, activated_at)
                    VALUES (?, ?, ?, ?, ?)""")) {
                ps.setString(1, kid);
                ps.setString(2, Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
                ps.setBytes(3, legacy);
                ps.setTimestamp(4, Timestamp.from(now));
                ps.setTimestamp(5, Timestamp.from(now));
                return ps.executeUpdate();
            }
        });
        assertThat(row(kid).legacy()).isTrue();

        JwtKeys loaded = keys(serviceKey);
        assertThat(loaded.ring().signing().kid()).isEqualTo(kid);
        signsAndVerifies(loaded);
        Row rewritten = row(kid);
        assertThat(rewritten.legacy()).isFalse();
        assertThat(rewritten.sealed()).isNotEqualTo(legacy);
        assertThat(rewritten.sealed()[0]).isEqualTo(Aead.FORMAT_V1);
        assertThat(rewritten.sealed()).hasSize(Aead.HEADER_LENGTH + pair.getPrivate().getEncoded().length + Aead.TAG_LENGTH);

        // the rewritten row loads through the new path alone
        JwtKeys again = keys(serviceKey);
        assertThat(again.ring().signing().kid()).isEqualTo(kid);
        signsAndVerifies(again);
        assertThat(row(kid).sealed()).isEqualTo(rewritten.sealed());
    }

    @Test
    void aLegacyRowThatDoesNotOpenIsRefusedNotRewritten() throws Exception {
        keys(serviceKey);
        KeyPair pair = KeyFiles.generateRsa(RANDOM);
        String kid = SigningKey.kidOf((RSAPublicKey) pair.getPublic());
        // sealed under another service key
        byte[] foreign = legacySeal(serviceKeyFile(), pair.getPrivate().getEncoded(), kid);
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO jwt_signing_keys (kid, public_pem, private_sealed, created_at, activated_at)
                    VALUES (?, ?, ?, now(), now())""")) {
                ps.setString(1, kid);
                ps.setString(2, Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
                ps.setBytes(3, foreign);
                return ps.executeUpdate();
            }
        });
        assertThatThrownBy(() -> keys(serviceKey)).isInstanceOf(IllegalStateException.class);
        assertThat(row(kid).legacy()).isTrue();
        assertThat(row(kid).sealed()).isEqualTo(foreign);
    }
}
