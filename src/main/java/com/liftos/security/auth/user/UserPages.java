package com.liftos.security.auth.user;

import com.liftos.security.store.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * An organization's users in pages, for its administrators: keyset pagination in (email, id) order, compared
 * byte-wise, with filters. Each page is one query on {@code users_org_email_c_idx} (V18): no OFFSET, so page 2,000
 * costs what page 1 does, and a user added or removed meanwhile never shifts a page (none is skipped or repeated).
 */
public final class UserPages {
    private static final String COLUMNS = Users.COLUMNS + ", last_login_at";

    private final Db db;

    public UserPages(Db db) {
        this.db = db;
    }

    /**
     * What a listing keeps; every part optional.
     *
     * @param prefix          the start of the email, or of the display name, case-insensitive
     * @param lastLoginBefore users who have not signed in since then (never signed in included)
     */
    public record Filter(Optional<String> prefix, Optional<User.Status> status, Optional<String> role,
                         Optional<Instant> lastLoginBefore) {
        public static final Filter NONE = new Filter(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** A user as listed: the account and when it last signed in. */
    public record Entry(User user, Optional<Instant> lastLoginAt) {
        public Key key() {
            return new Key(user.email(), user.id());
        }
    }

    /** A position in the listing's order: the page after it starts past this email and id. */
    public record Key(String email, UUID id) {}

    /** Up to {@code limit} users of {@code orgId} matching {@code filter}, in order, after {@code after}. */
    public List<Entry> page(UUID orgId, Filter filter, Optional<Key> after, int limit) {
        return db.run(c -> {
            StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM users WHERE org_id = ?");
            List<Object> args = new ArrayList<>(List.of(orgId));
            where(filter, sql, args);
            after.ifPresent(k -> {
                sql.append(" AND (email COLLATE \"C\", id) > (CAST(? AS text) COLLATE \"C\", ?)");
                args.add(k.email());
                args.add(k.id());
            });
            sql.append(" ORDER BY email COLLATE \"C\", id LIMIT ?");
            args.add(limit);
            List<Entry> out = new ArrayList<>();
            try (PreparedStatement ps = prepare(c, sql.toString(), args); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Entry(Users.read(rs), Optional.ofNullable(rs.getTimestamp(10)).map(Timestamp::toInstant)));
                }
            }
            return out;
        });
    }

    /** How many users of {@code orgId} match {@code filter}. */
    public long count(UUID orgId, Filter filter) {
        return db.run(c -> {
            StringBuilder sql = new StringBuilder("SELECT count(*) FROM users WHERE org_id = ?");
            List<Object> args = new ArrayList<>(List.of(orgId));
            where(filter, sql, args);
            try (PreparedStatement ps = prepare(c, sql.toString(), args); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** User {@code userId} if it belongs to {@code orgId}. */
    public Optional<Entry> find(UUID orgId, UUID userId) {
        return db.run(c -> {
            try (PreparedStatement ps = prepare(c, "SELECT " + COLUMNS + " FROM users WHERE org_id = ? AND id = ?",
                    List.of(orgId, userId)); ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new Entry(Users.read(rs), Optional.ofNullable(rs.getTimestamp(10)).map(Timestamp::toInstant)))
                        : Optional.empty();
            }
        });
    }

    /** The organization's users by status: {@code active} and {@code disabled}. */
    public record Counts(long active, long disabled) {}

    public Counts counts(UUID orgId) {
        return db.run(c -> {
            try (PreparedStatement ps = prepare(c, """
                    SELECT count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'disabled')
                    FROM users WHERE org_id = ?""", List.of(orgId)); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Counts(rs.getLong(1), rs.getLong(2));
            }
        });
    }

    private static void where(Filter filter, StringBuilder sql, List<Object> args) {
        filter.prefix().ifPresent(p -> {
            // A prefix as a range, not LIKE: a range keeps its index in the generic plans of server-prepared
            // statements, where LIKE with a parameter pattern would scan the whole organization. Emails are stored
            // lower-case; a display name is matched through its lower-case index (byte-wise operators ~>=~ ~<~).
            String from = p.toLowerCase(Locale.ROOT);
            Optional<String> to = successor(from);
            sql.append(" AND ((email COLLATE \"C\" >= ?").append(to.isPresent() ? " AND email COLLATE \"C\" < ?" : "")
                    .append(") OR (lower(display_name) ~>=~ ?").append(to.isPresent() ? " AND lower(display_name) ~<~ ?" : "")
                    .append("))");
            args.add(from);
            to.ifPresent(args::add);
            args.add(from);
            to.ifPresent(args::add);
        });
        filter.status().ifPresent(s -> {
            sql.append(" AND status = ?");
            args.add(s.wire());
        });
        filter.role().ifPresent(r -> {
            sql.append(" AND ? = ANY (roles)");
            args.add(r);
        });
        filter.lastLoginBefore().ifPresent(t -> {
            sql.append(" AND (last_login_at IS NULL OR last_login_at < ?)");
            args.add(Timestamp.from(t));
        });
    }

    /**
     * The least string, in code point (= UTF-8 byte) order, above every string that starts with {@code prefix}: its
     * last code point that can be incremented, incremented, and what followed it dropped. Empty when there is none.
     */
    static Optional<String> successor(String prefix) {
        int[] cps = prefix.codePoints().toArray();
        for (int i = cps.length - 1; i >= 0; i--) {
            int next = cps[i] + 1;
            if (next >= Character.MIN_SURROGATE && next <= Character.MAX_SURROGATE) {
                next = Character.MAX_SURROGATE + 1;
            }
            if (next <= Character.MAX_CODE_POINT) {
                cps[i] = next;
                return Optional.of(new String(cps, 0, i + 1));
            }
        }
        return Optional.empty();
    }

    private static PreparedStatement prepare(Connection c, String sql, List<Object> args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }
}
