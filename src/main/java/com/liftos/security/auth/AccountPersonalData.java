package com.liftos.security.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.store.Db;
import com.liftos.security.subject.DataSubject;
import com.liftos.security.subject.DataSubjects;
import com.liftos.security.subject.JsonRows;
import com.liftos.security.subject.PersonalData.Erased;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The account's share of a data subject's data: the profile and roles ({@code users}), sessions and known devices.
 * The export never holds the password hash; erasure deletes the sessions, the devices and then the account.
 */
public final class AccountPersonalData implements DataSubjects {
    private final Db db;
    private final JsonRows rows;

    public AccountPersonalData(Db db, ObjectMapper json) {
        this.db = db;
        this.rows = new JsonRows(json);
    }

    @Override
    public Optional<DataSubject> find(UUID orgId, UUID userId) {
        return db.run(c -> subject(c, "SELECT org_id, id, email FROM users WHERE id = ? AND org_id = ?", userId, orgId));
    }

    @Override
    public Optional<DataSubject> lockForErasure(Connection c, UUID orgId, UUID userId) throws SQLException {
        return subject(c, "SELECT org_id, id, email FROM users WHERE id = ? AND org_id = ? FOR UPDATE", userId, orgId);
    }

    @Override
    public List<DataSubject> ofOrganization(Connection c, UUID orgId) throws SQLException {
        List<DataSubject> all = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT org_id, id, email FROM users WHERE org_id = ?")) {
            ps.setObject(1, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all.add(new DataSubject(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3)));
                }
            }
        }
        return all;
    }

    private static Optional<DataSubject> subject(Connection c, String sql, UUID userId, UUID orgId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, userId);
            ps.setObject(2, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new DataSubject(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class),
                        rs.getString(3))) : Optional.empty();
            }
        }
    }

    @Override
    public Map<String, Object> export(Connection c, DataSubject subject) throws SQLException {
        UUID userId = subject.userId();
        Map<String, Object> sections = new LinkedHashMap<>();
        sections.put("profile", rows.one(c, """
                SELECT id, org_id, email, display_name, status, created_at, updated_at, last_login_at,
                       password_changed_at, locked_until FROM users WHERE id = ?""", userId));
        sections.put("roles", rows.one(c, "SELECT roles FROM users WHERE id = ?", userId).get("roles"));
        sections.put("sessions", rows.many(c, """
                SELECT id, created_at, last_seen_at, expires_at, ended_at, end_reason, client_ip, user_agent, device_id,
                       device_fingerprint, amr, new_device, ip_changed, risk_score
                FROM auth_sessions WHERE user_id = ? ORDER BY created_at""", userId));
        sections.put("devices", rows.many(c, """
                SELECT fingerprint, first_seen, last_seen, last_ip, user_agent FROM known_devices WHERE user_id = ?
                ORDER BY first_seen""", userId));
        return sections;
    }

    @Override
    public Set<String> addresses(Connection c, DataSubject subject) throws SQLException {
        Set<String> ips = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT client_ip FROM auth_sessions WHERE user_id = ?
                UNION SELECT last_ip FROM known_devices WHERE user_id = ? AND last_ip IS NOT NULL""")) {
            ps.setObject(1, subject.userId());
            ps.setObject(2, subject.userId());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ips.add(rs.getString(1));
                }
            }
        }
        return ips;
    }

    @Override
    public List<Erased> erase(Connection c, DataSubject subject, Set<String> addresses) throws SQLException {
        return List.of(
                new Erased.Deleted("sessions", delete(c, "DELETE FROM auth_sessions WHERE user_id = ?", subject.userId())),
                new Erased.Deleted("devices", delete(c, "DELETE FROM known_devices WHERE user_id = ?", subject.userId())),
                new Erased.Deleted("profile", delete(c, "DELETE FROM users WHERE id = ?", subject.userId())));
    }

    private static int delete(Connection c, String sql, UUID userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, userId);
            return ps.executeUpdate();
        }
    }
}
