package com.liftos.security.mfa;

import com.liftos.security.auth.user.User;
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
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * TOTP seeds: 160 random bits, sealed by the vault ({@link Secrets}) bound to the organization and
 * {@code mfa.totp:<userId>}, so a sealed seed copied to another user's row does not open. A presented code is
 * accepted at most once: the last accepted step is stored and only a later one passes (RFC 6238 §5.2).
 */
final class TotpSecrets {
    private static final int SECRET_BYTES = 20;

    private final Db db;
    private final Methods methods;
    private final Secrets secrets;
    private final Clock clock;
    private final SecureRandom random;

    TotpSecrets(Db db, Methods methods, Secrets secrets, Clock clock, SecureRandom random) {
        this.db = db;
        this.methods = methods;
        this.secrets = secrets;
        this.clock = clock;
        this.random = random;
    }

    /** A TOTP enrollment: the secret (base32) and the URI an authenticator scans. Shown once. */
    record Enrollment(String secretBase32, String otpauthUri) {
        @Override
        public String toString() {
            return "Enrollment[***]";
        }
    }

    static String purpose(java.util.UUID userId) {
        return "mfa.totp:" + userId;
    }

    /** Starts (or restarts) TOTP enrolment with a fresh secret; empty when TOTP is already active. */
    Optional<Enrollment> enroll(User user, String issuer) {
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(secret);
        try {
            byte[] sealed = secrets.seal(user.orgId(), purpose(user.id()), secret);
            if (!db.tx(c -> methods.upsertPending(c, user, Method.TOTP, sealed, null))) {
                return Optional.empty();
            }
            String b32 = Base32.encode(secret);
            String label = enc(issuer) + ":" + enc(user.email());
            String uri = "otpauth://totp/" + label + "?secret=" + b32 + "&issuer=" + enc(issuer)
                    + "&algorithm=SHA1&digits=" + Totp.DIGITS + "&period=" + Totp.PERIOD_SECONDS;
            return Optional.of(new Enrollment(b32, uri));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** Checks a code against the user's seed in {@code required} state, advancing the last accepted step. */
    boolean check(Connection c, User user, String code, MethodStatus required) throws SQLException {
        byte[] sealed;
        long lastStep;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT sealed_secret, last_step FROM mfa_methods WHERE user_id = ? AND method = 'totp' AND status = ? FOR UPDATE")) {
            ps.setObject(1, user.id());
            ps.setString(2, required.wire());
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

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
