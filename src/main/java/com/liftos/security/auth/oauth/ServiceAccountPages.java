package com.liftos.security.auth.oauth;

import com.liftos.security.store.Db;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * An organization's service accounts in pages, keyset-ordered by (created_at, id) on one index (V19), with a
 * case-insensitive name prefix and a status filter. A page is a single indexed range read; {@link #count} is for a
 * first page only.
 */
public final class ServiceAccountPages {
    static final String VIEW_COLUMNS = "id, org_id, name, client_id, roles, permissions, status, created_at, "
            + "secret_version, secret_created_at, previous_secret_version, previous_secret_created_at, previous_secret_expires_at, last_used_at";
    private static final String FILTER = " WHERE org_id = ? AND (CAST(? AS text) IS NULL OR status = ?)"
            + " AND (CAST(? AS text) IS NULL OR left(lower(name), length(?)) = lower(?))";

    private final Db db;
    private final Clock clock;

    public ServiceAccountPages(Db db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** What a listing keeps: name prefix (case-insensitive) and status. */
    public record Filter(Optional<String> namePrefix, Optional<ServiceAccount.Status> status) {}

    /** A position in the listing: the last item's creation time and id. */
    public record Key(Instant createdAt, UUID id) {}

    /** Up to {@code limit} accounts after {@code after}, oldest first. */
    public List<ServiceAccountView> page(UUID orgId, Filter filter, Optional<Key> after, int limit) {
        Instant now = clock.instant();
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + VIEW_COLUMNS + " FROM service_accounts" + FILTER
                    + " AND (CAST(? AS timestamptz) IS NULL OR (created_at, id) > (?, ?)) ORDER BY created_at, id LIMIT ?")) {
                int i = bind(ps, orgId, filter);
                Timestamp at = after.map(k -> Timestamp.from(k.createdAt())).orElse(null);
                ps.setTimestamp(i++, at);
                ps.setTimestamp(i++, at);
                ps.setObject(i++, after.map(Key::id).orElse(null), java.sql.Types.OTHER);
                ps.setInt(i, limit);
                List<ServiceAccountView> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(mapView(rs, now));
                    }
                }
                return out;
            }
        });
    }

    public long count(UUID orgId, Filter filter) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM service_accounts" + FILTER)) {
                bind(ps, orgId, filter);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private static int bind(PreparedStatement ps, UUID orgId, Filter filter) throws SQLException {
        String status = filter.status().map(ServiceAccount.Status::wire).orElse(null);
        String prefix = filter.namePrefix().orElse(null);
        ps.setObject(1, orgId);
        ps.setString(2, status);
        ps.setString(3, status);
        ps.setString(4, prefix);
        ps.setString(5, prefix);
        ps.setString(6, prefix);
        return 7;
    }

    /** A row of {@link #VIEW_COLUMNS}; a previous secret whose overlap has ended is left out. */
    static ServiceAccountView mapView(ResultSet rs, Instant now) throws SQLException {
        ServiceAccount account = ServiceAccounts.map(rs);
        List<ServiceAccountView.SecretVersion> secrets = new ArrayList<>();
        secrets.add(new ServiceAccountView.SecretVersion(rs.getInt("secret_version"),
                rs.getTimestamp("secret_created_at").toInstant(), Optional.empty()));
        Timestamp expires = rs.getTimestamp("previous_secret_expires_at");
        if (expires != null && now.isBefore(expires.toInstant())) {
            secrets.add(new ServiceAccountView.SecretVersion(rs.getInt("previous_secret_version"),
                    rs.getTimestamp("previous_secret_created_at").toInstant(), Optional.of(expires.toInstant())));
        }
        return new ServiceAccountView(account, secrets, Optional.ofNullable(rs.getTimestamp("last_used_at")).map(Timestamp::toInstant));
    }
}
