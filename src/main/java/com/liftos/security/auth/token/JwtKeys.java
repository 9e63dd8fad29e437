package com.liftos.security.auth.token;

import com.liftos.security.crypto.Aead;
import com.liftos.security.crypto.AesKey;
import com.liftos.security.crypto.DecryptionFailedException;
import com.liftos.security.crypto.KeyFiles;
import com.liftos.security.store.Db;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
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
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JWT keyring shared by every instance through the {@code jwt_signing_keys} table: every key, private half
 * included, lives there, the private key sealed in the {@link Aead} format under a key derived (HKDF-SHA256) from
 * the service key (the instance keyring's, itself wrapped under the master key). The header's key id is a
 * fingerprint of that derived key, so a row sealed under another service key fails at once and by name; the
 * associated data binds the row's {@code kid}, so a sealed key cannot be moved to another row.
 *
 * <p>On start: an earlier release's key file ({@code JWT_PRIVATE_KEY_PATH}), when present, is imported (its row
 * gets its sealed private half); then, when no key can sign, one is created (under a table lock, so instances
 * starting together create exactly one). No instance depends on a local file afterwards.
 *
 * <p>Rows sealed before V13 ({@code private_sealed_legacy}) are in the keyring's earlier format
 * ({@link LegacyJwtKeySeal}); the first load that meets one opens it that way once and writes it back sealed
 * with {@link Aead}.
 *
 * <p>Rotation retires every older key at {@code now + access token lifetime + 5 min}, so the JWKS keeps publishing
 * it until every token it signed has expired. Instances reload the ring every few seconds and at once when a token
 * names a key id they do not know (at most once a second).
 */
public final class JwtKeys {
    private static final byte[] SEAL_LABEL = "liftos/jwt-keyring/private-key/v1\n".getBytes(StandardCharsets.US_ASCII);
    private static final Duration RELOAD_EVERY = Duration.ofSeconds(5);
    private static final Duration UNKNOWN_KID_RELOAD = Duration.ofSeconds(1);
    /**
     * How long a key of a newly configured algorithm is published before it signs: longer than the reload interval, so
     * every running instance knows it before the first token it signed reaches one.
     */
    static final Duration SWITCH_PUBLISHED_AHEAD = RELOAD_EVERY.plusSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(JwtKeys.class);

    private final Db db;
    private final AesKey sealingKey;
    private final int sealingKeyId;
    private final LegacyJwtKeySeal legacy;
    private final Aead aead;
    private final Duration accessTokenLifetime;
    private final Clock clock;
    private final SecureRandom random;
    private final Optional<String> fileKeyReport;
    private final JwtAlgorithm algorithm;
    private volatile KeyRing ring;
    private volatile Instant loadedAt = Instant.EPOCH;
    /** The keys of the last load by key id, reused while unchanged (parsing, unsealing and provider translation are not free). */
    private Map<String, SigningKey> loaded = Map.of();

    /** {@code legacyKeyFile}: where an earlier release kept its signing key; imported when the file exists. */
    public JwtKeys(Db db, Optional<Path> legacyKeyFile, byte[] serviceKeyFile, Duration accessTokenLifetime, Clock clock, SecureRandom random) {
        this(db, legacyKeyFile, serviceKeyFile, JwtAlgorithm.RS256, accessTokenLifetime, clock, random);
    }

    /**
     * {@code algorithm}: what this deployment signs with ({@code LIFTOS_JWT_ALGORITHM}). When the current signing key
     * is of another algorithm, start-up rotates to a new key of this one (as {@link #rotate()}): the earlier keys stay
     * published until every token they signed has expired.
     */
    public JwtKeys(Db db, Optional<Path> legacyKeyFile, byte[] serviceKeyFile, JwtAlgorithm algorithm, Duration accessTokenLifetime,
                   Clock clock, SecureRandom random) {
        this.db = db;
        this.algorithm = algorithm;
        byte[] derived = KeyDerivation.derive(serviceKeyFile, "liftos/jwt-keyring/v1");
        this.sealingKey = AesKey.of(derived);
        this.legacy = new LegacyJwtKeySeal(derived);
        Arrays.fill(derived, (byte) 0);
        this.sealingKeyId = ByteBuffer.wrap(KeyDerivation.derive(serviceKeyFile, "liftos/jwt-keyring/key-id/v1")).getInt();
        this.aead = new Aead(random);
        this.accessTokenLifetime = accessTokenLifetime;
        this.clock = clock;
        this.random = random;
        this.fileKeyReport = legacyKeyFile.filter(Files::exists).map(f -> importFileKey(f, KeyFiles.readRsaKeyPair(f)));
        fileKeyReport.ifPresent(LOG::info);
        ensureSigningKey();
        reload();
    }

    /** The current ring, reloaded from the database when older than a few seconds. */
    KeyRing ring() {
        Instant now = clock.instant();
        KeyRing current = ring;
        if (Duration.between(loadedAt, now).compareTo(RELOAD_EVERY) > 0) {
            reloadIfOlderThan(RELOAD_EVERY);
        } else if (current.nextActivation().filter(at -> !now.isBefore(at)).isPresent()) {
            reloadIfOlderThan(Duration.ZERO); // a published key starts signing now
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

    /** Adds a new signing key (of the configured algorithm) and schedules the retirement of the older ones; returns the new key id. */
    public String rotate() {
        KeyPair pair = algorithm.generate(random);
        PublicKey pub = pair.getPublic();
        String kid = SigningKey.kidOf(pub);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        byte[] sealed = seal(pair.getPrivate().getEncoded(), kid);
        db.tx(c -> {
            insertSigningKey(c, kid, pub, sealed, now, now);
            return null;
        });
        reload();
        return kid;
    }

    /** The published keys as a JWKS document (RFC 7517): public halves only. */
    public String publishedJwks() {
        return ring().jwks();
    }

    /** The JWS algorithms of the published keys, the signing key's first (discovery's list). */
    public List<String> publishedAlgorithms() {
        return ring().algorithms();
    }

    /** The algorithm this deployment signs new tokens with. */
    public JwtAlgorithm algorithm() {
        return algorithm;
    }

    /** Key ids currently published, newest first. */
    public List<String> publishedKeyIds() {
        return ring().published().stream().map(SigningKey::kid).toList();
    }

    /**
     * Stores the private half of an earlier release's key file, sealed, in its row (adding the row when missing: the
     * signing key when no stored key can sign, else published but not preferred over the key in use).
     */
    private String importFileKey(Path file, KeyPair pair) {
        RSAPublicKey pub = (RSAPublicKey) pair.getPublic();
        String kid = SigningKey.kidOf(pub);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        byte[] sealed = seal(pair.getPrivate().getEncoded(), kid);
        int stored = db.tx(c -> {
            lock(c);
            boolean canSign = anySigner(c);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO jwt_signing_keys (kid, public_pem, private_sealed, private_sealed_legacy, created_at, activated_at)
                    VALUES (?, ?, ?, false, ?, ?) ON CONFLICT (kid) DO UPDATE SET private_sealed = excluded.private_sealed, private_sealed_legacy = false
                    WHERE jwt_signing_keys.private_sealed IS NULL""")) {
                ps.setString(1, kid);
                ps.setString(2, Base64.getEncoder().encodeToString(pub.getEncoded()));
                ps.setBytes(3, sealed);
                ps.setTimestamp(4, Timestamp.from(now));
                ps.setTimestamp(5, Timestamp.from(canSign ? Instant.EPOCH : now));
                return ps.executeUpdate();
            }
        });
        return stored > 0
                ? "JWT signing key " + kid + " imported from " + file + " into the database (sealed under the service key);"
                        + " the file is no longer read and can be deleted"
                : file + ": its JWT signing key " + kid + " is in the database; the file is no longer read and can be deleted";
    }

    /** What start-up did with an earlier release's key file, when there was one (one line, for the operator). */
    public Optional<String> fileKeyReport() {
        return fileKeyReport;
    }

    /**
     * Creates a signing key of the configured algorithm when no stored key of it can sign: the first start of a
     * database, one whose key file was lost, or a deployment switched to another algorithm (then the earlier keys are
     * retired as by {@link #rotate()}: published until their tokens expired).
     */
    private void ensureSigningKey() {
        if (db.run(c -> signerAlgorithms(c).contains(algorithm))) {
            return;
        }
        KeyPair pair = algorithm.generate(random);
        PublicKey pub = pair.getPublic();
        String kid = SigningKey.kidOf(pub);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        byte[] sealed = seal(pair.getPrivate().getEncoded(), kid);
        List<JwtAlgorithm> before = db.tx(c -> {
            lock(c);
            List<JwtAlgorithm> current = signerAlgorithms(c);
            if (current.contains(algorithm)) {
                return null; // another instance created it meanwhile
            }
            // A first key signs at once; a key replacing another algorithm's is published first, and the current
            // key signs until then.
            insertSigningKey(c, kid, pub, sealed, now, current.isEmpty() ? now : now.plus(SWITCH_PUBLISHED_AHEAD));
            return current;
        });
        if (before != null && before.isEmpty()) {
            LOG.info("JWT signing key {} ({}) created in the database (sealed under the service key)", kid, algorithm.jwsName());
        } else if (before != null) {
            LOG.info("JWT signing algorithm changed to {}: key {} created; the {} key(s) stay published until their tokens expired",
                    algorithm.jwsName(), kid, before.stream().map(JwtAlgorithm::jwsName).distinct().toList());
        }
    }

    /** The algorithms of the keys that can sign now (private half stored, not retired). */
    private static List<JwtAlgorithm> signerAlgorithms(java.sql.Connection c) throws java.sql.SQLException {
        List<JwtAlgorithm> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT public_pem FROM jwt_signing_keys WHERE private_sealed IS NOT NULL AND retired_at IS NULL");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(JwtAlgorithm.of(publicKey(rs.getString(1))));
            }
        }
        return out;
    }

    /** Serializes the few writers that decide which key signs (import, first key); readers are not blocked. */
    private static void lock(java.sql.Connection c) throws java.sql.SQLException {
        try (var st = c.createStatement()) {
            st.execute("LOCK TABLE jwt_signing_keys IN SHARE ROW EXCLUSIVE MODE");
        }
    }

    private static boolean anySigner(java.sql.Connection c) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM jwt_signing_keys WHERE private_sealed IS NOT NULL AND retired_at IS NULL)");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /**
     * Retires every current key (published until the tokens it signs up to {@code activation} expired) and makes
     * {@code kid} the signing key from {@code activation} on.
     */
    private void insertSigningKey(java.sql.Connection c, String kid, PublicKey pub, byte[] sealed, Instant now, Instant activation)
            throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE jwt_signing_keys SET retired_at = ? WHERE retired_at IS NULL")) {
            ps.setTimestamp(1, Timestamp.from(activation.plus(accessTokenLifetime).plus(Duration.ofMinutes(5))));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO jwt_signing_keys (kid, public_pem, private_sealed, private_sealed_legacy, created_at, activated_at)
                VALUES (?, ?, ?, false, ?, ?)""")) {
            ps.setString(1, kid);
            ps.setString(2, Base64.getEncoder().encodeToString(pub.getEncoded()));
            ps.setBytes(3, sealed);
            ps.setTimestamp(4, Timestamp.from(now));
            ps.setTimestamp(5, Timestamp.from(activation));
            ps.executeUpdate();
        }
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
        List<Resealed> resealed = new ArrayList<>();
        List<SigningKey> keys = db.run(c -> {
            List<SigningKey> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT kid, public_pem, private_sealed, activated_at, retired_at, private_sealed_legacy FROM jwt_signing_keys");
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
                    PublicKey pub = publicKey(rs.getString(2));
                    String keyAlgorithm = JwtAlgorithm.of(pub).keyAlgorithm;
                    byte[] sealed = rs.getBytes(3);
                    Optional<PrivateKey> priv;
                    if (sealed == null) {
                        priv = Optional.empty();
                    } else if (rs.getBoolean(6)) {
                        byte[] pkcs8 = legacy.open(sealed, kid);
                        resealed.add(new Resealed(kid, sealed, seal(pkcs8.clone(), kid)));
                        priv = Optional.of(privateKey(keyAlgorithm, pkcs8));
                    } else {
                        priv = Optional.of(privateKey(keyAlgorithm, open(sealed, kid)));
                    }
                    out.add(new SigningKey(pub, priv, activated, retiredAt));
                }
            }
            return out;
        });
        resealed.forEach(this::storeResealed);
        loaded = keys.stream().collect(java.util.stream.Collectors.toUnmodifiableMap(SigningKey::kid, k -> k));
        ring = new KeyRing(keys, now);
        loadedAt = now;
    }

    /** A row read in the legacy format and its {@link Aead} replacement. */
    private record Resealed(String kid, byte[] legacySealed, byte[] sealed) {}

    /** Writes a re-sealed key back unless another instance already did (compare-and-set on the legacy bytes). */
    private void storeResealed(Resealed r) {
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE jwt_signing_keys SET private_sealed = ?, private_sealed_legacy = false
                    WHERE kid = ? AND private_sealed_legacy AND private_sealed = ?""")) {
                ps.setBytes(1, r.sealed());
                ps.setString(2, r.kid());
                ps.setBytes(3, r.legacySealed());
                return ps.executeUpdate();
            }
        });
    }

    /** A stored public key (X.509 DER, base64) of any {@link JwtAlgorithm}, its type read from the encoding's algorithm. */
    private static PublicKey publicKey(String base64Der) {
        try {
            byte[] der = Base64.getDecoder().decode(base64Der);
            String oid = SubjectPublicKeyInfo.getInstance(der).getAlgorithm().getAlgorithm().getId();
            String keyAlgorithm = switch (oid) {
                case "1.2.840.113549.1.1.1" -> "RSA";
                case "1.2.840.10045.2.1" -> "EC";
                case "1.3.101.112" -> "Ed25519";
                default -> throw new IllegalArgumentException("unsupported key algorithm " + oid);
            };
            PublicKey key = KeyFactory.getInstance(keyAlgorithm).generatePublic(new X509EncodedKeySpec(der));
            JwtAlgorithm.of(key); // P-256 only among EC curves
            return key;
        } catch (GeneralSecurityException | IllegalArgumentException | IllegalStateException e) {
            throw new IllegalStateException("a stored JWT public key is unreadable", e);
        }
    }

    private static PrivateKey privateKey(String keyAlgorithm, byte[] pkcs8) {
        try {
            return KeyFactory.getInstance(keyAlgorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a stored JWT private key is unreadable", e);
        } finally {
            Arrays.fill(pkcs8, (byte) 0);
        }
    }

    /** Seals (and wipes) a PKCS#8 private key for row {@code kid}. */
    private byte[] seal(byte[] pkcs8, String kid) {
        try {
            return aead.seal(sealingKey, sealingKeyId, associatedData(kid), pkcs8);
        } finally {
            Arrays.fill(pkcs8, (byte) 0);
        }
    }

    private byte[] open(byte[] sealed, String kid) {
        try {
            if (Aead.keyId(sealed) != sealingKeyId) {
                throw new IllegalStateException("a stored JWT private key is sealed under another service key");
            }
            return Aead.open(sealingKey, associatedData(kid), sealed);
        } catch (DecryptionFailedException e) {
            throw new IllegalStateException("a stored JWT private key does not open with this service key", e);
        }
    }

    private static byte[] associatedData(String kid) {
        byte[] id = kid.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(SEAL_LABEL.length + id.length).put(SEAL_LABEL).put(id).array();
    }
}
