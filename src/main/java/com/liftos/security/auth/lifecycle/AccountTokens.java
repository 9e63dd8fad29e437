package com.liftos.security.auth.lifecycle;

import com.liftos.security.store.Db;
import com.liftos.security.store.Purge;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The one-time links' tokens ({@code account_tokens}): 32 random bytes, base64url, of which only SHA-256 is stored.
 * A token is found only together with its purpose, so one mailed for another purpose is as unknown as a guessed one;
 * it is spent by the statement that checks it ({@link #consume}), inside the transaction that acts on it, so two
 * requests racing with one token cannot both succeed.
 */
final class AccountTokens {
    /** How long a finished row (used, revoked or expired) stays: an expired invitation can still be listed and resent. */
    static final Duration KEPT_AFTER_END = Duration.ofDays(7);
    private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final String COLUMNS = "id, purpose, org_id, user_id, email, display_name, roles, created_by, created_at, sent_at, expires_at";
    private static final String OPEN = "used_at IS NULL AND revoked_at IS NULL";
    private static final String COUNT_OPEN_INVITATIONS =
            "SELECT count(*) FROM account_tokens WHERE org_id = ? AND purpose = 'invitation' AND " + OPEN;
    private static final String COUNT_OPEN_INVITATIONS_BY_PREFIX = COUNT_OPEN_INVITATIONS + " AND email COLLATE \"C\" LIKE ?";

    enum Purpose {
        INVITATION, PASSWORD_RESET, EMAIL_CHANGE;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A token's row: what it was issued for, never the token. */
    record Row(UUID id, Purpose purpose, UUID orgId, Optional<UUID> userId, String email, Optional<String> displayName,
               List<String> roles, Optional<UUID> createdBy, Instant createdAt, Instant sentAt, Instant expiresAt) {
        Row {
            roles = List.copyOf(roles);
        }

        @Override
        public String toString() {
            return "Row[id=" + id + ", purpose=" + purpose.wire() + ", org=" + orgId + "]";
        }
    }

    /** A row and its token, to be mailed and then forgotten. */
    record Issued(Row row, String token) {
        @Override
        public String toString() {
            return "Issued[" + row + ", token=***]";
        }
    }

    /** What a new row is for. */
    record Request(Purpose purpose, UUID orgId, Optional<UUID> userId, String email, Optional<String> displayName,
                   List<String> roles, Optional<UUID> createdBy) {
        Request {
            roles = List.copyOf(roles);
        }
    }

    private final Db db;
    private final SecureRandom random;

    AccountTokens(Db db, SecureRandom random) {
        this.db = db;
        this.random = random;
    }

    Issued insert(Connection c, Request r, Duration lifetime, Instant now) throws SQLException {
        String token = newToken();
        UUID id = UUID.randomUUID();
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO account_tokens (id, purpose, token_hash, org_id, user_id, email, display_name, roles, created_by,
                                            created_at, sent_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            ps.setObject(1, id);
            ps.setString(2, r.purpose().wire());
            ps.setBytes(3, hash(token));
            ps.setObject(4, r.orgId());
            setUuid(ps, 5, r.userId());
            ps.setString(6, r.email());
            ps.setString(7, r.displayName().orElse(null));
            ps.setArray(8, c.createArrayOf("text", r.roles().toArray()));
            setUuid(ps, 9, r.createdBy());
            ps.setTimestamp(10, Timestamp.from(now));
            ps.setTimestamp(11, Timestamp.from(now));
            ps.setTimestamp(12, Timestamp.from(now.plus(lifetime)));
            ps.executeUpdate();
        }
        return new Issued(new Row(id, r.purpose(), r.orgId(), r.userId(), r.email(), r.displayName(), r.roles(), r.createdBy(),
                now, now, now.plus(lifetime)), token);
    }

    /** Kills the user's open tokens of {@code purpose} (a newer link replaces them); returns how many. */
    int revokeOpen(Connection c, UUID userId, Purpose purpose, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE account_tokens SET revoked_at = ? WHERE user_id = ? AND purpose = ? AND " + OPEN)) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setObject(2, userId);
            ps.setString(3, purpose.wire());
            return ps.executeUpdate();
        }
    }

    /** The row of a live token of {@code purpose} (not used, revoked or expired at {@code now}), without spending it. */
    Optional<Row> peek(String token, Purpose purpose, Instant now) {
        if (!SHAPE.matcher(token).matches()) {
            return Optional.empty();
        }
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                    + " FROM account_tokens WHERE token_hash = ? AND purpose = ? AND expires_at > ? AND " + OPEN)) {
                ps.setBytes(1, hash(token));
                ps.setString(2, purpose.wire());
                ps.setTimestamp(3, Timestamp.from(now));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    /** Spends a live token of {@code purpose} in the caller's transaction; empty when it is not (or no longer) live. */
    Optional<Row> consume(Connection c, String token, Purpose purpose, Instant now) throws SQLException {
        if (!SHAPE.matcher(token).matches()) {
            return Optional.empty();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE account_tokens SET used_at = ? WHERE token_hash = ? AND purpose = ?"
                + " AND expires_at > ? AND " + OPEN + " RETURNING " + COLUMNS)) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setBytes(2, hash(token));
            ps.setString(3, purpose.wire());
            ps.setTimestamp(4, Timestamp.from(now));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    /** The organization's invitation {@code id} while it is open (not accepted, not revoked; maybe expired). */
    Optional<Row> openInvitation(Connection c, UUID orgId, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                + " FROM account_tokens WHERE id = ? AND org_id = ? AND purpose = 'invitation' AND " + OPEN + " FOR UPDATE")) {
            ps.setObject(1, id);
            ps.setObject(2, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    /** A new token for an open invitation (the old one dies), live for {@code lifetime} from now. */
    Optional<Issued> reissue(Connection c, UUID orgId, UUID id, Duration lifetime, Instant now) throws SQLException {
        String token = newToken();
        try (PreparedStatement ps = c.prepareStatement("UPDATE account_tokens SET token_hash = ?, sent_at = ?, expires_at = ?"
                + " WHERE id = ? AND org_id = ? AND purpose = 'invitation' AND " + OPEN + " RETURNING " + COLUMNS)) {
            ps.setBytes(1, hash(token));
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setTimestamp(3, Timestamp.from(now.plus(lifetime)));
            ps.setObject(4, id);
            ps.setObject(5, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Issued(read(rs), token)) : Optional.empty();
            }
        }
    }

    /** Revokes an open invitation of the organization; false when there is none. */
    boolean revokeInvitation(Connection c, UUID orgId, UUID id, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE account_tokens SET revoked_at = ?"
                + " WHERE id = ? AND org_id = ? AND purpose = 'invitation' AND " + OPEN)) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setObject(2, id);
            ps.setObject(3, orgId);
            return ps.executeUpdate() == 1;
        }
    }

    /** Where a page of invitations starts: after this (email, id). */
    record Key(String email, UUID id) {}

    /** Up to {@code limit} open invitations of the organization in (email, id) order, after {@code after}. */
    List<Row> openInvitations(UUID orgId, Optional<String> emailPrefix, Optional<Key> after, int limit) {
        return db.run(c -> {
            StringBuilder sql = new StringBuilder("SELECT " + COLUMNS
                    + " FROM account_tokens WHERE org_id = ? AND purpose = 'invitation' AND " + OPEN);
            List<Object> args = new ArrayList<>(List.of(orgId));
            emailPrefix.ifPresent(p -> {
                sql.append(" AND email COLLATE \"C\" LIKE ?");
                args.add(likePrefix(p));
            });
            after.ifPresent(k -> {
                sql.append(" AND (email COLLATE \"C\", id) > (?::text COLLATE \"C\", ?)");
                args.add(k.email());
                args.add(k.id());
            });
            sql.append(" ORDER BY email COLLATE \"C\", id LIMIT ?");
            args.add(limit);
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    ps.setObject(i + 1, args.get(i));
                }
                List<Row> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(read(rs));
                    }
                }
                return rows;
            }
        });
    }

    long countOpenInvitations(UUID orgId, Optional<String> emailPrefix) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(emailPrefix.isPresent() ? COUNT_OPEN_INVITATIONS_BY_PREFIX : COUNT_OPEN_INVITATIONS)) {
                ps.setObject(1, orgId);
                if (emailPrefix.isPresent()) {
                    ps.setString(2, likePrefix(emailPrefix.get()));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /**
     * The retention rule of {@code account_tokens}: a row is deleted {@link #KEPT_AFTER_END} after it was used,
     * revoked or expired (its hash proves nothing any more; the audit trail keeps what happened).
     */
    static Purge purge() {
        return Purge.olderThan("account_tokens", KEPT_AFTER_END, """
                DELETE FROM account_tokens WHERE ctid >= ?::tid AND ctid < ?::tid
                  AND (used_at < ? OR revoked_at < ? OR expires_at < ?)""");
    }

    private String newToken() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private static String likePrefix(String prefix) {
        return prefix.toLowerCase(Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    }

    private static Row read(ResultSet rs) throws SQLException {
        List<String> roles = new ArrayList<>();
        for (Object o : (Object[]) rs.getArray(7).getArray()) {
            roles.add(String.valueOf(o));
        }
        return new Row(rs.getObject(1, UUID.class), Purpose.valueOf(rs.getString(2).toUpperCase(Locale.ROOT)),
                rs.getObject(3, UUID.class), Optional.ofNullable(rs.getObject(4, UUID.class)), rs.getString(5),
                Optional.ofNullable(rs.getString(6)), roles, Optional.ofNullable(rs.getObject(8, UUID.class)),
                rs.getTimestamp(9).toInstant(), rs.getTimestamp(10).toInstant(), rs.getTimestamp(11).toInstant());
    }

    private static void setUuid(PreparedStatement ps, int index, Optional<UUID> value) throws SQLException {
        if (value.isPresent()) {
            ps.setObject(index, value.get());
        } else {
            ps.setNull(index, Types.OTHER);
        }
    }
}
