package com.liftos.security.auth;

import com.liftos.security.crypto.KeyFiles;
import com.liftos.security.store.Db;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The JWT keyring shared by every instance through the {@code jwt_signing_keys} table. The key of
 * {@code JWT_PRIVATE_KEY_PATH} is registered on start (its private half never enters the database); keys added
 * by {@link #rotate} are stored with the private key sealed by AES-256-GCM under a key derived (HKDF-SHA256) from
 * the service key (LIFTOS_SERVICE_KEY_PATH), with the key id as associated data. Sealed format: version byte {@code 1}, 12-byte nonce,
 * ciphertext+tag.
 *
 * <p>Rotation retires every older key at {@code now + access token lifetime + 5 min}, so the JWKS keeps publishing
 * it until every token it signed has expired. Instances reload the ring every few seconds and at once when a token
 * names a key id they do not know (at most once a second).
 */
public final class JwtKeys {
    private static final byte SEAL_VERSION = 1;
    private static final Duration RELOAD_EVERY = Duration.ofSeconds(5);
    private static final Duration UNKNOWN_KID_RELOAD = Duration.ofSeconds(1);

    private final Db db;
    private final KeyPair fileKey;
    private final String fileKid;
    private final byte[] sealingKey;
    private final Duration accessTokenLifetime;
    private final Clock clock;
    private final SecureRandom random;
    private volatile KeyRing ring;
    private volatile Instant loadedAt = Instant.EPOCH;
    /** The keys of the last load by key id, reused while unchanged (parsing, unsealing and provider translation are not free). */
    private Map<String, SigningKey> loaded = Map.of();

    public JwtKeys(Db db, KeyPair fileKey, byte[] serviceKeyFile, Duration accessTokenLifetime, Clock clock, SecureRandom random) {
        this.db = db;
        this.fileKey = fileKey;
        this.fileKid = SigningKey.kidOf((RSAPublicKey) fileKey.getPublic());
        this.sealingKey = KeyDerivation.derive(serviceKeyFile, "liftos/jwt-keyring/v1");
        this.accessTokenLifetime = accessTokenLifetime;
        this.clock = clock;
        this.random = random;
        registerFileKey();
        reload();
    }

    /** The current ring, reloaded from the database when older than a few seconds. */
    KeyRing ring() {
        if (Duration.between(loadedAt, clock.instant()).compareTo(RELOAD_EVERY) > 0) {
            reloadIfOlderThan(RELOAD_EVERY);
        }
        return ring;
    }

    /** The key named {@code kid}; reloads once (rate-limited) when unknown, so a key rotated elsewhere is found. */
    Optional<SigningKey> verificationKey(String kid) {
        Optional<SigningKey> key = ring().find(kid);
        if (key.isEmpty() && Duration.between(loadedAt, clock.instant()).compareTo(UNKNOWN_KID_RELOAD) > 0) {
            reloadIfOlderThan(UNKNOWN_KID_RELOAD);
            key = ring.find(kid);
        }
        return key;
    }

    /** Adds a new signing key and schedules the retirement of the older ones; returns the new key id. */
    public String rotate() {
        KeyPair pair = KeyFiles.generateRsa(random);
        RSAPublicKey pub = (RSAPublicKey) pair.getPublic();
        String kid = SigningKey.kidOf(pub);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        byte[] sealed = seal(pair.getPrivate().getEncoded(), kid);
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE jwt_signing_keys SET retired_at = ? WHERE retired_at IS NULL")) {
                ps.setTimestamp(1, Timestamp.from(now.plus(accessTokenLifetime).plus(Duration.ofMinutes(5))));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO jwt_signing_keys (kid, public_pem, private_sealed, created_at, activated_at)
                    VALUES (?, ?, ?, ?, ?)""")) {
                ps.setString(1, kid);
                ps.setString(2, Base64.getEncoder().encodeToString(pub.getEncoded()));
                ps.setBytes(3, sealed);
                ps.setTimestamp(4, Timestamp.from(now));
                ps.setTimestamp(5, Timestamp.from(now));
                ps.executeUpdate();
            }
            return null;
        });
        reload();
        return kid;
    }

    /** Key ids currently published, newest first. */
    public List<String> publishedKeyIds() {
        return ring().published().stream().map(SigningKey::kid).toList();
    }

    private void registerFileKey() {
        RSAPublicKey pub = (RSAPublicKey) fileKey.getPublic();
        String kid = fileKid;
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        db.tx(c -> {
            c.createStatement().execute("LOCK TABLE jwt_signing_keys IN SHARE ROW EXCLUSIVE MODE");
            boolean empty;
            try (PreparedStatement ps = c.prepareStatement("SELECT NOT EXISTS (SELECT 1 FROM jwt_signing_keys)");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                empty = rs.getBoolean(1);
            }
            // The first key becomes the signing key; a file key that shows up later is published but never
            // preferred over a key already in use (all instances must share JWT_PRIVATE_KEY_PATH).
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO jwt_signing_keys (kid, public_pem, private_sealed, created_at, activated_at)
                    VALUES (?, ?, NULL, ?, ?) ON CONFLICT (kid) DO NOTHING""")) {
                ps.setString(1, kid);
                ps.setString(2, Base64.getEncoder().encodeToString(pub.getEncoded()));
                ps.setTimestamp(3, Timestamp.from(now));
                ps.setTimestamp(4, Timestamp.from(empty ? now : Instant.EPOCH));
                ps.executeUpdate();
            }
            return null;
        });
    }

    // Times are truncated to milliseconds: PostgreSQL rounds to microseconds, which could put a key's activation
    // after the instant that registered it.
    /** Request threads that find the ring stale at the same moment reload it once, not once each. */
    private synchronized void reloadIfOlderThan(Duration age) {
        if (Duration.between(loadedAt, clock.instant()).compareTo(age) > 0) {
            reload();
        }
    }

    private synchronized void reload() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Map<String, SigningKey> previous = loaded;
        List<SigningKey> keys = db.run(c -> {
            List<SigningKey> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT kid, public_pem, private_sealed, activated_at, retired_at FROM jwt_signing_keys");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String kid = rs.getString(1);
                    Instant activated = rs.getTimestamp(4).toInstant();
                    Optional<Instant> retiredAt = Optional.ofNullable(rs.getTimestamp(5)).map(Timestamp::toInstant);
                    SigningKey known = previous.get(kid);
                    if (known != null && known.activatedAt().equals(activated) && known.retiredAt().equals(retiredAt)) {
                        out.add(known);
                        continue;
                    }
                    RSAPublicKey pub = publicKey(rs.getString(2));
                    byte[] sealed = rs.getBytes(3);
                    Optional<RSAPrivateKey> priv = kid.equals(fileKid)
                            ? Optional.of((RSAPrivateKey) fileKey.getPrivate())
                            : Optional.ofNullable(sealed).map(s -> privateKey(open(s, kid)));
                    out.add(new SigningKey(pub, priv, activated, retiredAt));
                }
            }
            return out;
        });
        loaded = keys.stream().collect(java.util.stream.Collectors.toUnmodifiableMap(SigningKey::kid, k -> k));
        ring = new KeyRing(keys, now);
        loadedAt = now;
    }

    private static RSAPublicKey publicKey(String base64Der) {
        try {
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64Der)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("a stored JWT public key is unreadable", e);
        }
    }

    private static RSAPrivateKey privateKey(byte[] pkcs8) {
        try {
            return (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a stored JWT private key is unreadable", e);
        } finally {
            Arrays.fill(pkcs8, (byte) 0);
        }
    }

    private byte[] seal(byte[] plaintext, String kid) {
        try {
            byte[] nonce = new byte[12];
            random.nextBytes(nonce);
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(sealingKey, "AES"), new GCMParameterSpec(128, nonce));
            gcm.updateAAD(kid.getBytes(StandardCharsets.US_ASCII));
            byte[] ct = gcm.doFinal(plaintext);
            byte[] out = new byte[1 + nonce.length + ct.length];
            out[0] = SEAL_VERSION;
            System.arraycopy(nonce, 0, out, 1, nonce.length);
            System.arraycopy(ct, 0, out, 1 + nonce.length, ct.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal JWT private key", e);
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    private byte[] open(byte[] sealed, String kid) {
        if (sealed.length < 1 + 12 + 16 || sealed[0] != SEAL_VERSION) {
            throw new IllegalStateException("a stored JWT private key has an unknown format");
        }
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(sealingKey, "AES"), new GCMParameterSpec(128, sealed, 1, 12));
            gcm.updateAAD(kid.getBytes(StandardCharsets.US_ASCII));
            return gcm.doFinal(sealed, 13, sealed.length - 13);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a stored JWT private key does not open with this service key", e);
        }
    }
}
