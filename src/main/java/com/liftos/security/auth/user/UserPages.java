package com.liftos.security.auth.user;

import com.liftos.security.store.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * An organization's users in pages, for its administrators: keyset pagination in (email, id) order, compared
 * byte-wise, with filters. Each page is one query on {@code users_org_email_c_idx} (V18): no OFFSET, so page 2,000
 * costs what page 1 does, and a user added or removed meanwhile never shifts a page (none is skipped or repeated).
 */
public final class UserPages {
    private static final String COLUMNS = Users.COLUMNS + ", last_login_at";
    private static final String PAGE_COLUMNS = Arrays.stream(COLUMNS.split(", ")).map(c -> "u." + c).collect(Collectors.joining(", "));

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

    /**
     * Up to {@code limit} users of {@code orgId} matching {@code filter}, in order, after {@code after}. With a
     * prefix, one ordered query of keys per index (email, display name), merged, then the page's rows by id: an OR of
     * the two ranges in one query keeps neither as an index condition (the plan walks the organization in email order,
     * 45-60 ms at 100,000 users for a one-letter prefix), and the name branch reads only its covering index (V18_1),
     * since a common name prefix matches thousands of users that must all be ordered by email.
     */
    public List<Entry> page(UUID orgId, Filter filter, Optional<Key> after, int limit) {
        return db.run(c -> {
            List<Object> args = new ArrayList<>();
            String sql;
            if (filter.prefix().isEmpty()) {
                sql = select(COLUMNS, orgId, filter, Optional.empty(), after, limit, args);
            } else {
                sql = "SELECT " + PAGE_COLUMNS + " FROM (SELECT email, id FROM (("
                        + select("email, id", orgId, filter, Optional.of(Prefix.EMAIL), after, limit, args) + ") UNION ("
                        + select("email, id", orgId, filter, Optional.of(Prefix.NAME), after, limit, args)
                        + ")) matched ORDER BY email COLLATE \"C\", id LIMIT ?) k JOIN users u ON u.id = k.id"
                        + " ORDER BY k.email COLLATE \"C\", k.id";
                args.add(limit);
            }
            List<Entry> out = new ArrayList<>();
            try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Entry(Users.read(rs), Optional.ofNullable(rs.getTimestamp(10)).map(Timestamp::toInstant)));
                }
            }
            return out;
        });
    }

    /** Where a prefix is looked for: each has its index (V18, V18_1). */
    private enum Prefix { EMAIL, NAME }

    private static String select(String columns, UUID orgId, Filter filter, Optional<Prefix> on, Optional<Key> after, int limit,
                                 List<Object> args) {
        StringBuilder sql = new StringBuilder("SELECT " + columns + " FROM users WHERE org_id = ?");
        args.add(orgId);
        on.ifPresent(p -> prefix(p, filter.prefix().orElseThrow(), sql, args));
        others(filter, sql, args);
        after.ifPresent(k -> {
            sql.append(" AND (email COLLATE \"C\", id) > (CAST(? AS text) COLLATE \"C\", ?)");
            args.add(k.email());
            args.add(k.id());
        });
        sql.append(" ORDER BY email COLLATE \"C\", id LIMIT ?");
        args.add(limit);
        return sql.toString();
    }

    /**
     * How many users of {@code orgId} match {@code filter}. A prefix alone is counted as the email matches plus the
     * name matches whose email does not match, each from its own index without visiting the table (a count over the
     * OR of both visited nearly every page of the table for a one-letter prefix); with other filters too, the rows
     * must be read anyway and one query over the OR serves.
     */
    public long count(UUID orgId, Filter filter) {
        return db.run(c -> {
            StringBuilder sql = new StringBuilder();
            List<Object> args = new ArrayList<>();
            if (filter.prefix().isPresent() && filter.status().isEmpty() && filter.role().isEmpty() && filter.lastLoginBefore().isEmpty()) {
                String prefix = filter.prefix().orElseThrow();
                sql.append("SELECT (SELECT count(*) FROM users WHERE org_id = ?");
                args.add(orgId);
                prefix(Prefix.EMAIL, prefix, sql, args);
                sql.append(") + (SELECT count(*) FROM users WHERE org_id = ? AND display_name IS NOT NULL");
                args.add(orgId);
                prefix(Prefix.NAME, prefix, sql, args);
                sql.append(" AND NOT (true");
                prefix(Prefix.EMAIL, prefix, sql, args);
                sql.append("))");
            } else {
                sql.append("SELECT count(*) FROM users WHERE org_id = ?");
                args.add(orgId);
                where(filter, sql, args);
            }
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

    /** The filter as conditions, the prefix as email OR name (for a count, where a bitmap OR of both indexes serves). */
    private static void where(Filter filter, StringBuilder sql, List<Object> args) {
        filter.prefix().ifPresent(p -> {
            sql.append(" AND ((true");
            prefix(Prefix.EMAIL, p, sql, args);
            sql.append(") OR (true");
            prefix(Prefix.NAME, p, sql, args);
            sql.append("))");
        });
        others(filter, sql, args);
    }

    /**
     * A prefix as a range, not LIKE: a range keeps its index in the generic plans of server-prepared statements,
     * where LIKE with a parameter pattern cannot use one. Emails are stored lower-case; a display name is matched
     * through its lower-case index, byte-wise ({@code ~>=~ ~<~}, text_pattern_ops).
     */
    private static void prefix(Prefix on, String prefix, StringBuilder sql, List<Object> args) {
        String from = prefix.toLowerCase(Locale.ROOT);
        Optional<String> to = successor(from);
        String column = on == Prefix.EMAIL ? "email COLLATE \"C\"" : "lower(display_name)";
        String ge = on == Prefix.EMAIL ? " >= ?" : " ~>=~ ?";
        String lt = on == Prefix.EMAIL ? " < ?" : " ~<~ ?";
        sql.append(" AND ").append(column).append(ge);
        args.add(from);
        to.ifPresent(t -> {
            sql.append(" AND ").append(column).append(lt);
            args.add(t);
        });
    }

    private static void others(Filter filter, StringBuilder sql, List<Object> args) {
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
