package com.liftos.security.mfa;

import com.liftos.security.auth.User;
import com.liftos.security.crypto.DecryptionFailedException;
import com.liftos.security.store.Db;
import com.liftos.security.vault.Secrets;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The user's second factors in storage: TOTP secrets (sealed by the vault, bound to org and user), emailed and
 * texted codes and recovery codes (keyed hashes only), and the checks of a presented code. Every check that
 * consumes something (a TOTP step, a code attempt, a recovery code) does it with one conditional UPDATE or under
 * the row's lock, so two concurrent presentations of one code cannot both succeed.
 */
final class Factors {
    static final Duration CODE_LIFETIME = Duration.ofMinutes(5);
    static final int CODE_ATTEMPTS = 5;
    static final Duration SEND_INTERVAL = Duration.ofSeconds(30);
    static final int SENDS_PER_HOUR = 5;
    static final int RECOVERY_CODES = 10;
    static final int FAILURES_BEFORE_LOCKOUT = 10;
    static final Duration FAILURE_WINDOW = Duration.ofMinutes(15);
    private static final int SECRET_BYTES = 20;

    private final Db db;
    private final Secrets secrets;
    private final CodeHasher hasher;
    private final Clock clock;
    private final SecureRandom random;

    Factors(Db db, Secrets secrets, CodeHasher hasher, Clock clock, SecureRandom random) {
        this.db = db;
        this.secrets = secrets;
        this.hasher = hasher;
        this.clock = clock;
        this.random = random;
    }

    /** A TOTP enrollment: the secret (base32) and the URI an authenticator scans. Shown once. */
    record TotpEnrollment(String secretBase32, String otpauthUri) {
        @Override
        public String toString() {
            return "TotpEnrollment[***]";
        }
    }

    /** One enrolled method as listed to its owner. */
    record Enrolled(Method method, String status, Optional<Instant> enabledAt, Optional<String> destinationHint) {}

    /** The outcome of asking for an emailed or texted code. */
    sealed interface SendOutcome {
        record Sent(String to) implements SendOutcome {
            @Override
            public String toString() {
                return "Sent[***]";
            }
        }

        record Throttled(long retryAfterSeconds) implements SendOutcome {}

        record NotEnrolled() implements SendOutcome {}
    }

    Db db() {
        return db;
    }

    static String purpose(UUID userId) {
        return "mfa.totp:" + userId;
    }

    // ---- enrolment state ----

    List<Enrolled> enrolled(UUID userId) {
        return db.run(c -> {
            List<Enrolled> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT method, status, enabled_at, phone_number FROM mfa_methods WHERE user_id = ? ORDER BY method")) {
                ps.setObject(1, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Method m = Method.parse(rs.getString(1)).orElseThrow();
                        Optional<String> hint = Optional.ofNullable(rs.getString(4)).map(Factors::maskPhone);
                        out.add(new Enrolled(m, rs.getString(2), Optional.ofNullable(rs.getTimestamp(3)).map(Timestamp::toInstant), hint));
                    }
                }
            }
            return out;
        });
    }

    /** Active methods, plus {@code recovery} when unused recovery codes remain; empty means no MFA. */
    List<String> activeMethods(UUID userId) {
        List<String> methods = new ArrayList<>(enrolled(userId).stream()
                .filter(e -> e.status().equals("active")).map(e -> e.method().wire()).toList());
        if (!methods.isEmpty() && recoveryCodesLeft(userId) > 0) {
            methods.add(Method.RECOVERY.wire());
        }
        return List.copyOf(methods);
    }

    boolean isActive(UUID userId, Method m) {
        return enrolled(userId).stream().anyMatch(e -> e.method() == m && e.status().equals("active"));
    }

    int recoveryCodesLeft(UUID userId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM mfa_recovery_codes WHERE user_id = ? AND used_at IS NULL")) {
                ps.setObject(1, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    /** Starts (or restarts) TOTP enrolment with a fresh 160-bit secret; false when TOTP is already active. */
    Optional<TotpEnrollment> enrollTotp(User user, String issuer) {
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(secret);
        try {
            byte[] sealed = secrets.seal(user.orgId(), purpose(user.id()), secret);
            boolean started = db.tx(c -> upsertPending(c, user, Method.TOTP, sealed, null));
            if (!started) {
                return Optional.empty();
            }
            String b32 = Base32.encode(secret);
            String label = enc(issuer) + ":" + enc(user.email());
            String uri = "otpauth://totp/" + label + "?secret=" + b32 + "&issuer=" + enc(issuer)
                    + "&algorithm=SHA1&digits=" + Totp.DIGITS + "&period=" + Totp.PERIOD_SECONDS;
            return Optional.of(new TotpEnrollment(b32, uri));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** Records a pending email or SMS method; false when it is already active. */
    boolean enrollChannel(User user, Method channel, Optional<String> phone) {
        return db.tx(c -> upsertPending(c, user, channel, null, phone.orElse(null)));
    }

    private boolean upsertPending(Connection c, User user, Method m, byte[] sealed, String phone) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO mfa_methods (user_id, org_id, method, status, sealed_secret, phone_number, created_at)
                VALUES (?, ?, ?, 'pending', ?, ?, ?)
                ON CONFLICT (user_id, method) DO UPDATE SET sealed_secret = EXCLUDED.sealed_secret,
                    phone_number = EXCLUDED.phone_number, created_at = EXCLUDED.created_at, last_step = NULL
                WHERE mfa_methods.status = 'pending'""")) {
            ps.setObject(1, user.id());
            ps.setObject(2, user.orgId());
            ps.setString(3, m.wire());
            ps.setBytes(4, sealed);
            ps.setString(5, phone);
            ps.setTimestamp(6, Timestamp.from(clock.instant()));
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Confirms a pending method with a first valid code. Returns the new recovery codes when this is the user's
     * first active method, an empty list when recovery codes already exist, and empty when the code is wrong.
     */
    Optional<List<String>> confirm(User user, Method m, String code) {
        return db.tx(c -> {
            if (!check(c, user, m, code, "pending")) {
                return Optional.empty();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE mfa_methods SET status = 'active', enabled_at = ? WHERE user_id = ? AND method = ? AND status = 'pending'")) {
                ps.setTimestamp(1, Timestamp.from(clock.instant()));
                ps.setObject(2, user.id());
                ps.setString(3, m.wire());
                if (ps.executeUpdate() != 1) {
                    return Optional.empty();
                }
            }
            boolean hasCodes;
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM mfa_recovery_codes WHERE user_id = ? LIMIT 1")) {
                ps.setObject(1, user.id());
                try (ResultSet rs = ps.executeQuery()) {
                    hasCodes = rs.next();
                }
            }
            return Optional.of(hasCodes ? List.of() : replaceRecoveryCodes(c, user.id()));
        });
    }

    /** Removes an active method; with the last one gone, recovery codes go too. True when it was active. */
    boolean remove(UUID userId, Method m) {
        return db.tx(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM mfa_methods WHERE user_id = ? AND method = ?")) {
                ps.setObject(1, userId);
                ps.setString(2, m.wire());
                n = ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    DELETE FROM mfa_recovery_codes WHERE user_id = ?
                    AND NOT EXISTS (SELECT 1 FROM mfa_methods WHERE user_id = ? AND status = 'active')""")) {
                ps.setObject(1, userId);
                ps.setObject(2, userId);
                ps.executeUpdate();
            }
            return n == 1;
        });
    }

    /** A new set of recovery codes; the old set stops working in the same transaction. */
    List<String> regenerateRecoveryCodes(UUID userId) {
        return db.tx(c -> replaceRecoveryCodes(c, userId));
    }

    private List<String> replaceRecoveryCodes(Connection c, UUID userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM mfa_recovery_codes WHERE user_id = ?")) {
            ps.setObject(1, userId);
            ps.executeUpdate();
        }
        List<String> codes = new ArrayList<>(RECOVERY_CODES);
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO mfa_recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
            while (codes.size() < RECOVERY_CODES) {
                byte[] raw = new byte[7];
                random.nextBytes(raw);
                String plain = Base32.encode(raw).substring(0, 10).toLowerCase(Locale.ROOT);
                ps.setObject(1, userId);
                ps.setBytes(2, hasher.hash("recovery", userId, plain));
                ps.setTimestamp(3, Timestamp.from(clock.instant()));
                if (ps.executeUpdate() == 1) {
                    codes.add(plain.substring(0, 5) + "-" + plain.substring(5));
                }
            }
        }
        return List.copyOf(codes);
    }

    // ---- emailed and texted codes ----

    /**
     * Issues a new code for {@code channel} (replacing any earlier one) within the send limits: one per
     * {@link #SEND_INTERVAL} and {@link #SENDS_PER_HOUR} per hour, per user and channel. The code is returned to
     * the caller to deliver; only its keyed hash is stored.
     */
    record Issued(SendOutcome outcome, Optional<String> code) {
        @Override
        public String toString() {
            return "Issued[" + outcome + "]";
        }
    }

    Issued issueCode(User user, Method channel, String requiredStatus) {
        Instant now = clock.instant();
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                ps.setString(1, "mfa-send:" + user.id() + ":" + channel.wire());
                ps.executeQuery().close();
            }
            Optional<String> to = destination(c, user, channel, requiredStatus);
            if (to.isEmpty()) {
                return new Issued(new SendOutcome.NotEnrolled(), Optional.empty());
            }
            Instant last = null;
            int lastHour = 0;
            Instant oldestInHour = null;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT max(sent_at), count(*), min(sent_at) FROM mfa_otp_sends
                    WHERE user_id = ? AND channel = ? AND sent_at > ?""")) {
                ps.setObject(1, user.id());
                ps.setString(2, channel.wire());
                ps.setTimestamp(3, Timestamp.from(now.minus(Duration.ofHours(1))));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getTimestamp(1) != null) {
                        last = rs.getTimestamp(1).toInstant();
                        lastHour = rs.getInt(2);
                        oldestInHour = rs.getTimestamp(3).toInstant();
                    }
                }
            }
            long wait = 0;
            if (last != null && now.isBefore(last.plus(SEND_INTERVAL))) {
                wait = Duration.between(now, last.plus(SEND_INTERVAL)).toSeconds() + 1;
            }
            if (lastHour >= SENDS_PER_HOUR) {
                wait = Math.max(wait, Duration.between(now, oldestInHour.plus(Duration.ofHours(1))).toSeconds() + 1);
            }
            if (wait > 0) {
                return new Issued(new SendOutcome.Throttled(wait), Optional.empty());
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM mfa_otp_sends WHERE user_id = ? AND sent_at < ?")) {
                ps.setObject(1, user.id());
                ps.setTimestamp(2, Timestamp.from(now.minus(Duration.ofHours(2))));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO mfa_otp_sends (user_id, channel, sent_at) VALUES (?, ?, ?)")) {
                ps.setObject(1, user.id());
                ps.setString(2, channel.wire());
                ps.setTimestamp(3, Timestamp.from(now));
                ps.executeUpdate();
            }
            String code = String.format(Locale.ROOT, "%06d", random.nextInt(1_000_000));
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO mfa_otp_codes (user_id, channel, code_hash, expires_at, attempts, used_at) VALUES (?, ?, ?, ?, 0, NULL)
                    ON CONFLICT (user_id, channel) DO UPDATE SET code_hash = EXCLUDED.code_hash,
                        expires_at = EXCLUDED.expires_at, attempts = 0, used_at = NULL""")) {
                ps.setObject(1, user.id());
                ps.setString(2, channel.wire());
                ps.setBytes(3, hasher.hash(channel.wire(), user.id(), code));
                ps.setTimestamp(4, Timestamp.from(now.plus(CODE_LIFETIME)));
                ps.executeUpdate();
            }
            return new Issued(new SendOutcome.Sent(to.get()), Optional.of(code));
        });
    }

    private Optional<String> destination(Connection c, User user, Method channel, String requiredStatus) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT status, phone_number FROM mfa_methods WHERE user_id = ? AND method = ?")) {
            ps.setObject(1, user.id());
            ps.setString(2, channel.wire());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getString(1).equals(requiredStatus)) {
                    return Optional.empty();
                }
                return channel == Method.SMS ? Optional.ofNullable(rs.getString(2)) : Optional.of(user.email());
            }
        }
    }

    // ---- checking a presented code ----

    /** Checks {@code code} for an active method of {@code user}, consuming what it uses. */
    boolean check(User user, Method m, String code) {
        return db.tx(c -> check(c, user, m, code, "active"));
    }

    /**
     * Checks in the caller's transaction. Effects that must survive a wrong code (attempt counts) are written in
     * it, so the caller must commit whatever the answer.
     */
    boolean check(Connection c, User user, Method m, String code, String requiredStatus) throws SQLException {
        String presented = code == null ? "" : code.strip();
        if (presented.length() > 64) {
            return false;
        }
        return switch (m) {
            case TOTP -> checkTotp(c, user, presented, requiredStatus);
            case EMAIL, SMS -> checkSent(c, user, m, presented, requiredStatus);
            case RECOVERY -> checkRecovery(c, user.id(), presented);
        };
    }

    private boolean checkTotp(Connection c, User user, String code, String requiredStatus) throws SQLException {
        byte[] sealed;
        long lastStep;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT sealed_secret, last_step FROM mfa_methods WHERE user_id = ? AND method = 'totp' AND status = ? FOR UPDATE")) {
            ps.setObject(1, user.id());
            ps.setString(2, requiredStatus);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                sealed = rs.getBytes(1);
                long s = rs.getLong(2);
                lastStep = rs.wasNull() ? Long.MIN_VALUE : s;
            }
        }
        byte[] secret;
        try {
            secret = secrets.open(user.orgId(), purpose(user.id()), sealed);
        } catch (DecryptionFailedException e) {
            return false;
        }
        OptionalLong step;
        try {
            step = Totp.matchingStep(secret, code, clock.instant());
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        // RFC 6238 §5.2: a step once accepted (or any before it) is never accepted again.
        if (step.isEmpty() || step.getAsLong() <= lastStep) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE mfa_methods SET last_step = ? WHERE user_id = ? AND method = 'totp' AND (last_step IS NULL OR last_step < ?)")) {
            ps.setLong(1, step.getAsLong());
            ps.setObject(2, user.id());
            ps.setLong(3, step.getAsLong());
            return ps.executeUpdate() == 1;
        }
    }

    private boolean checkSent(Connection c, User user, Method channel, String code, String requiredStatus) throws SQLException {
        if (destination(c, user, channel, requiredStatus).isEmpty()) {
            return false;
        }
        byte[] stored;
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT code_hash FROM mfa_otp_codes WHERE user_id = ? AND channel = ? AND used_at IS NULL
                    AND expires_at > ? AND attempts < ? FOR UPDATE""")) {
            ps.setObject(1, user.id());
            ps.setString(2, channel.wire());
            ps.setTimestamp(3, Timestamp.from(clock.instant()));
            ps.setInt(4, CODE_ATTEMPTS);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                stored = rs.getBytes(1);
            }
        }
        boolean ok = java.security.MessageDigest.isEqual(stored, hasher.hash(channel.wire(), user.id(), code));
        // a right code is spent (used_at); every presentation counts as an attempt
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE mfa_otp_codes SET attempts = attempts + 1, used_at = CASE WHEN ? THEN ? ELSE used_at END"
                        + " WHERE user_id = ? AND channel = ?")) {
            ps.setBoolean(1, ok);
            ps.setTimestamp(2, Timestamp.from(clock.instant()));
            ps.setObject(3, user.id());
            ps.setString(4, channel.wire());
            ps.executeUpdate();
        }
        return ok;
    }

    private boolean checkRecovery(Connection c, UUID userId, String code) throws SQLException {
        String normalized = code.toLowerCase(Locale.ROOT).replace("-", "").replace(" ", "");
        if (normalized.length() != 10) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE mfa_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL")) {
            ps.setTimestamp(1, Timestamp.from(clock.instant()));
            ps.setObject(2, userId);
            ps.setBytes(3, hasher.hash("recovery", userId, normalized));
            return ps.executeUpdate() == 1;
        }
    }

    // ---- brute-force throttle ----

    /** Counts a wrong code against the user. */
    void recordFailure(UUID userId) {
        Instant now = clock.instant();
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO mfa_failures (user_id, failed_at) VALUES (?, ?)")) {
                ps.setObject(1, userId);
                ps.setTimestamp(2, Timestamp.from(now));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM mfa_failures WHERE user_id = ? AND failed_at < ?")) {
                ps.setObject(1, userId);
                ps.setTimestamp(2, Timestamp.from(now.minus(Duration.ofDays(1))));
                ps.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Seconds until the user may try a code again after {@link #FAILURES_BEFORE_LOCKOUT} wrong codes within
     * {@link #FAILURE_WINDOW}; 0 when not throttled. Bounds TOTP guessing to a few tries per window.
     */
    long lockedOutFor(UUID userId) {
        Instant now = clock.instant();
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT failed_at FROM mfa_failures WHERE user_id = ? AND failed_at > ?
                    ORDER BY failed_at DESC LIMIT 1 OFFSET ?""")) {
                ps.setObject(1, userId);
                ps.setTimestamp(2, Timestamp.from(now.minus(FAILURE_WINDOW)));
                ps.setInt(3, FAILURES_BEFORE_LOCKOUT - 1);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return 0L;
                    }
                    return Math.max(1, Duration.between(now, rs.getTimestamp(1).toInstant().plus(FAILURE_WINDOW)).toSeconds() + 1);
                }
            }
        });
    }

    static String maskPhone(String e164) {
        return e164.length() <= 4 ? "****" : "*".repeat(e164.length() - 4) + e164.substring(e164.length() - 4);
    }

    static String maskEmail(String email) {
        int at = email.indexOf('@');
        return at <= 1 ? "***" + email.substring(Math.max(at, 0)) : email.charAt(0) + "***" + email.substring(at);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String dataUrl(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }
}
