package com.liftos.security.privacy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.AuditMaintenance;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.identity.Principal;
import com.liftos.security.auth.session.Sessions;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.incident.Incidents;
import com.liftos.security.store.Db;
import com.liftos.security.store.StoreException;
import com.liftos.security.vault.Caller;
import com.liftos.security.vault.Vault;
import io.javalin.http.Context;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * GDPR data-subject rights: export (portability), erasure (with audit pseudonymization and org crypto-shredding),
 * consent records and the processing-lawfulness check. Every activity is audited (DATA_EXPORT, DATA_ERASURE,
 * DATA_PROCESSING).
 */
public final class Privacy {
    private static final String USER = "/v1/orgs/{orgId}/users/{userId}";
    private static final Pattern TEXT_VERSION = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** Tables of the MFA feature holding a user's factors; deleted with the user when present. */
    private static final List<String> MFA_TABLES = List.of("mfa_login_challenges", "mfa_otp_codes", "mfa_otp_sends",
            "mfa_failures", "mfa_recovery_codes", "mfa_methods");

    private final Db db;
    private final AuditLog audit;
    private final AuditMaintenance auditMaintenance;
    private final Sessions sessions;
    private final Vault vault;
    private final Incidents incidents;
    private final ObjectMapper json;
    private final Bodies bodies;
    private final Clock clock;

    public Privacy(Db db, AuditLog audit, AuditMaintenance auditMaintenance, Sessions sessions, Vault vault, Incidents incidents,
                   ObjectMapper json, Clock clock) {
        this.db = db;
        this.audit = audit;
        this.auditMaintenance = auditMaintenance;
        this.sessions = sessions;
        this.vault = vault;
        this.incidents = incidents;
        this.json = json;
        this.bodies = new Bodies(json);
        this.clock = clock;
    }

    public List<Route> routes() {
        return List.of(
                Route.get("/v1/privacy/purposes", Access.authenticated(), this::purposes),
                Route.get(USER + "/export", Access.require("manage:users").orSelf().rateCategory(Access.RateCategory.SENSITIVE), this::export),
                Route.delete(USER, Access.require("manage:users"), this::eraseUser),
                Route.delete("/v1/orgs/{orgId}", Access.require("manage:system"), this::eraseOrg),
                Route.get(USER + "/consents", Access.require("manage:users").orSelf(), this::consents),
                Route.post(USER + "/consents", Access.require("manage:users").orSelf(), this::recordConsent),
                Route.post(USER + "/processing", Access.require("write:data_processing"), this::process));
    }

    private void purposes(Context ctx) {
        Map<String, String> out = new LinkedHashMap<>();
        ProcessingPurposes.REGISTRY.forEach((k, v) -> out.put(k, v.wire()));
        ctx.json(Map.of("purposes", new java.util.TreeMap<>(out)));
    }

    // ---- export ----

    private void export(Context ctx) {
        UUID orgId = uuid(ctx.pathParam("orgId"));
        UUID userId = uuid(ctx.pathParam("userId"));
        requireUser(orgId, userId);
        RequestContext request = RequestContext.of(ctx);
        Map<String, Object> doc = export(orgId, userId);
        audit.record(event(SecurityEventType.DATA_EXPORT, "gdpr_export", orgId, userId, request)
                .detail("categories", List.copyOf(doc.keySet())).build(clock.instant()));
        ctx.json(doc);
    }

    /** The data-portability document of one user: every category, never a secret or hash. */
    public Map<String, Object> export(UUID orgId, UUID userId) {
        return db.run(c -> {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("format", "liftos-gdpr-export/1");
            doc.put("exported_at", clock.instant().toString());
            doc.put("profile", one(c, """
                    SELECT id, org_id, email, display_name, status, created_at, updated_at, last_login_at,
                           password_changed_at, locked_until FROM users WHERE id = ?""", userId));
            doc.put("roles", one(c, "SELECT roles FROM users WHERE id = ?", userId).get("roles"));
            doc.put("sessions", many(c, """
                    SELECT id, created_at, last_seen_at, expires_at, ended_at, end_reason, client_ip, user_agent, device_id,
                           device_fingerprint, amr, new_device, ip_changed, risk_score
                    FROM auth_sessions WHERE user_id = ? ORDER BY created_at""", userId));
            doc.put("devices", many(c, """
                    SELECT fingerprint, first_seen, last_seen, last_ip, user_agent FROM known_devices WHERE user_id = ?
                    ORDER BY first_seen""", userId));
            doc.put("mfa", mfaStatus(c, userId));
            doc.put("consents", many(c, """
                    SELECT purpose, granted, text_version, recorded_at FROM privacy_consents WHERE user_id = ? ORDER BY id""", userId));
            doc.put("credentials_created", many(c, """
                    SELECT provider, key_name, version, status, created_at FROM vault_credentials
                    WHERE org_id = ? AND created_by = ? ORDER BY created_at""", orgId, userId));
            doc.put("audit_events", many(c, """
                    SELECT event_id, occurred_at, event_type, action, resource, client_ip, user_agent, success, details,
                           request_id, risk_score, risk_level
                    FROM audit_events WHERE chain = ? AND (actor_id = ? OR resource = ?) ORDER BY seq""", orgId, userId,
                    "user:" + userId));
            return doc;
        });
    }

    /** Which factors are on (method, status, dates); secrets, codes and phone numbers never leave. */
    private JsonNode mfaStatus(Connection c, UUID userId) throws SQLException {
        if (!tableExists(c, "mfa_methods")) {
            return json.valueToTree(Map.of("enabled", false, "methods", List.of()));
        }
        JsonNode methods = many(c, "SELECT method, status, created_at, enabled_at FROM mfa_methods WHERE user_id = ?", userId);
        boolean enabled = false;
        for (JsonNode m : methods) {
            enabled |= "active".equals(m.path("status").asText());
        }
        return json.valueToTree(Map.of("enabled", enabled, "methods", methods));
    }

    private static boolean tableExists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private JsonNode one(Connection c, String sql, Object... params) throws SQLException {
        return query(c, "SELECT coalesce((SELECT to_jsonb(t) FROM (" + sql + ") t LIMIT 1), '{}'::jsonb)::text", params);
    }

    private JsonNode many(Connection c, String sql, Object... params) throws SQLException {
        return query(c, "SELECT coalesce((SELECT jsonb_agg(to_jsonb(t)) FROM (" + sql + ") t), '[]'::jsonb)::text", params);
    }

    private JsonNode query(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return json.readTree(rs.getString(1));
            } catch (JsonProcessingException e) {
                throw new StoreException("export row is not JSON", e);
            }
        }
    }

    // ---- erasure ----

    private void eraseUser(Context ctx) {
        UUID orgId = uuid(ctx.pathParam("orgId"));
        UUID userId = uuid(ctx.pathParam("userId"));
        requireUser(orgId, userId);
        RequestContext request = RequestContext.of(ctx);
        if (request.requirePrincipal().subject().equals(userId)) {
            throw ApiException.conflict("self_erasure", "An admin cannot erase their own account; ask another admin");
        }
        ctx.json(eraseUser(orgId, userId, request));
    }

    /**
     * Right to erasure: ends the sessions (so tokens stop verifying everywhere), then in ONE transaction deletes the
     * profile, sessions, devices, MFA factors and consents, pseudonymizes the user's personal fields in the audit
     * chain (which stays verifiable) and forgets their addresses in incident records.
     */
    public Map<String, Object> eraseUser(UUID orgId, UUID userId, RequestContext request) {
        sessions.endAllForUser(userId, "erased");
        Instant now = clock.instant();
        return db.tx(c -> {
            String email;
            try (PreparedStatement ps = c.prepareStatement("SELECT email FROM users WHERE id = ? AND org_id = ? FOR UPDATE")) {
                ps.setObject(1, userId);
                ps.setObject(2, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw ApiException.notFound("No such user");
                    }
                    email = rs.getString(1);
                }
            }
            Set<String> ips = new LinkedHashSet<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT client_ip FROM auth_sessions WHERE user_id = ?
                    UNION SELECT last_ip FROM known_devices WHERE user_id = ? AND last_ip IS NOT NULL
                    UNION SELECT client_ip FROM audit_events WHERE (actor_id = ? OR resource = ?) AND client_ip IS NOT NULL""")) {
                ps.setObject(1, userId);
                ps.setObject(2, userId);
                ps.setObject(3, userId);
                ps.setString(4, "user:" + userId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ips.add(rs.getString(1));
                    }
                }
            }
            int pseudonymized = auditMaintenance.pseudonymizeSubject(c, userId, Optional.of(email));
            incidents.forgetAddresses(c, ips);
            Map<String, Object> deleted = new LinkedHashMap<>();
            deleted.put("sessions", delete(c, "DELETE FROM auth_sessions WHERE user_id = ?", userId));
            deleted.put("devices", delete(c, "DELETE FROM known_devices WHERE user_id = ?", userId));
            deleted.put("consents", delete(c, "DELETE FROM privacy_consents WHERE user_id = ?", userId));
            int mfa = 0;
            for (String table : MFA_TABLES) {
                if (tableExists(c, table)) {
                    mfa += delete(c, "DELETE FROM " + table + " WHERE user_id = ?", userId);
                }
            }
            deleted.put("mfa_records", mfa);
            deleted.put("profile", delete(c, "DELETE FROM users WHERE id = ?", userId));
            audit.record(c, event(SecurityEventType.DATA_ERASURE, "gdpr_erasure", orgId, userId, request)
                    .detail("deleted", deleted).detail("audit_records_pseudonymized", pseudonymized).risk(0.5).build(now));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("user_id", userId.toString());
            out.put("erased", true);
            out.put("deleted", deleted);
            out.put("audit_records_pseudonymized", pseudonymized);
            return out;
        });
    }

    private static int delete(Connection c, String sql, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            return ps.executeUpdate();
        }
    }

    /**
     * Erases a whole organization (super admins only): crypto-shreds its vault data keys first, so no credential of
     * the org can ever be decrypted again, then pseudonymizes its users in the audit trail and deletes the org
     * (users, sessions, devices, credentials, consents cascade).
     */
    private void eraseOrg(Context ctx) {
        UUID orgId = uuid(ctx.pathParam("orgId"));
        RequestContext request = RequestContext.of(ctx);
        Principal p = request.requirePrincipal();
        if (!p.isSuperAdmin()) {
            throw ApiException.forbidden("Only a super admin can erase an organization");
        }
        if (p.orgId().equals(orgId)) {
            throw ApiException.conflict("own_organization", "The caller's own organization cannot be erased");
        }
        boolean exists = db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM organizations WHERE id = ?")) {
                ps.setObject(1, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
        if (!exists) {
            throw ApiException.notFound("No such organization");
        }
        sessions.endAllForOrg(orgId, "org_erased");
        int keys = vault.shredOrganization(orgId, new Caller(Optional.of(p.subject()), SecurityEvent.ActorType.USER,
                Optional.of(request.clientIp()), request.userAgent(), Optional.of(request.requestId())));
        Instant now = clock.instant();
        Map<String, Object> out = db.tx(c -> {
            int pseudonymized = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT id, email FROM users WHERE org_id = ?")) {
                ps.setObject(1, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        pseudonymized += auditMaintenance.pseudonymizeSubject(c, rs.getObject(1, UUID.class), Optional.of(rs.getString(2)));
                    }
                }
            }
            int orgs = delete(c, "DELETE FROM organizations WHERE id = ?", orgId);
            // Recorded in the system chain: the org's own chain stays as it was, pseudonymized.
            audit.record(c, SecurityEvent.builder(SecurityEventType.DATA_ERASURE, "erase_organization")
                    .actor(p.subject(), SecurityEvent.ActorType.USER).resource("org:" + orgId).clientIp(request.clientIp())
                    .requestId(request.requestId()).detail("data_keys_shredded", keys)
                    .detail("audit_records_pseudonymized", pseudonymized).risk(0.7).build(now));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("org_id", orgId.toString());
            m.put("erased", orgs == 1);
            m.put("data_keys_shredded", keys);
            m.put("audit_records_pseudonymized", pseudonymized);
            return m;
        });
        ctx.json(out);
    }

    // ---- consent and processing ----

    record ConsentBody(String purpose, Boolean granted, String textVersion) {}

    private void consents(Context ctx) {
        UUID orgId = uuid(ctx.pathParam("orgId"));
        UUID userId = uuid(ctx.pathParam("userId"));
        requireUser(orgId, userId);
        JsonNode history = db.run(c -> many(c, """
                SELECT purpose, granted, text_version, recorded_at FROM privacy_consents WHERE user_id = ? ORDER BY id""", userId));
        Map<String, Object> current = new java.util.TreeMap<>();
        for (JsonNode row : history) {
            current.put(row.path("purpose").asText(), row);
        }
        ctx.json(Map.of("current", current, "history", history));
    }

    private void recordConsent(Context ctx) {
        UUID orgId = uuid(ctx.pathParam("orgId"));
        UUID userId = uuid(ctx.pathParam("userId"));
        requireUser(orgId, userId);
        ConsentBody body = bodies.read(ctx, ConsentBody.class);
        List<String> problems = new java.util.ArrayList<>();
        Optional<LawfulBasis> basis = ProcessingPurposes.basis(body.purpose());
        if (basis.isEmpty()) {
            problems.add("purpose must be one of " + String.join(", ", ProcessingPurposes.REGISTRY.keySet()));
        } else if (basis.get() != LawfulBasis.CONSENT) {
            problems.add("purpose rests on " + basis.get().wire() + ", not on consent");
        }
        if (body.granted() == null) {
            problems.add("granted (true or false) is required");
        }
        if (body.textVersion() == null || !TEXT_VERSION.matcher(body.textVersion()).matches()) {
            problems.add("text_version is required: 1-64 letters, digits, '.', '_' or '-'");
        }
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid consent", problems);
        }
        RequestContext request = RequestContext.of(ctx);
        Instant now = clock.instant();
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO privacy_consents (org_id, user_id, purpose, granted, text_version, recorded_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setObject(1, orgId);
                ps.setObject(2, userId);
                ps.setString(3, body.purpose());
                ps.setBoolean(4, body.granted());
                ps.setString(5, body.textVersion());
                ps.setTimestamp(6, Timestamp.from(now));
                ps.executeUpdate();
            }
            audit.record(c, event(SecurityEventType.DATA_PROCESSING, body.granted() ? "consent_granted" : "consent_withdrawn",
                    orgId, userId, request).detail("purpose", body.purpose()).detail("text_version", body.textVersion()).build(now));
            return null;
        });
        ctx.status(201).json(Map.of("purpose", body.purpose(), "granted", body.granted(), "text_version", body.textVersion(),
                "recorded_at", now.toString()));
    }

    record ProcessingBody(String purpose, String activity) {}

    /** The guide's {@code process_user_data}: refused for a consent-based purpose without current consent; always logged. */
    private void process(Context ctx) {
        UUID orgId = uuid(ctx.pathParam("orgId"));
        UUID userId = uuid(ctx.pathParam("userId"));
        requireUser(orgId, userId);
        ProcessingBody body = bodies.read(ctx, ProcessingBody.class);
        Optional<LawfulBasis> basis = ProcessingPurposes.basis(body.purpose());
        if (basis.isEmpty()) {
            throw ApiException.badRequest("unknown_purpose", "purpose must be one of " + String.join(", ", ProcessingPurposes.REGISTRY.keySet()));
        }
        String activity = body.activity() == null ? "unspecified" : body.activity().replaceAll("[^A-Za-z0-9._-]", "");
        if (activity.length() > 64) {
            activity = activity.substring(0, 64);
        }
        boolean allowed = basis.get() != LawfulBasis.CONSENT || hasConsent(userId, body.purpose());
        RequestContext request = RequestContext.of(ctx);
        audit.record(event(SecurityEventType.DATA_PROCESSING, "process_user_data", orgId, userId, request)
                .success(allowed).detail("purpose", body.purpose()).detail("lawful_basis", basis.get().wire())
                .detail("activity", activity).detail("allowed", allowed).build(clock.instant()));
        if (!allowed) {
            throw new ApiException(403, "consent_required", "Processing for " + body.purpose() + " needs the user's consent");
        }
        ctx.json(Map.of("allowed", true, "purpose", body.purpose(), "lawful_basis", basis.get().wire(), "activity", activity));
    }

    private boolean hasConsent(UUID userId, String purpose) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT granted FROM privacy_consents WHERE user_id = ? AND purpose = ? ORDER BY id DESC LIMIT 1")) {
                ps.setObject(1, userId);
                ps.setString(2, purpose);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && rs.getBoolean(1);
                }
            }
        });
    }

    // ---- helpers ----

    private void requireUser(UUID orgId, UUID userId) {
        boolean found = db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM users WHERE id = ? AND org_id = ?")) {
                ps.setObject(1, userId);
                ps.setObject(2, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
        if (!found) {
            throw ApiException.notFound("No such user");
        }
    }

    private static UUID uuid(String s) {
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("No such resource");
        }
    }

    private static SecurityEvent.Builder event(SecurityEventType type, String action, UUID orgId, UUID subject, RequestContext request) {
        SecurityEvent.Builder b = SecurityEvent.builder(type, action).org(orgId).resource("user:" + subject)
                .clientIp(request.clientIp()).userAgent(request.userAgent().orElse(null)).requestId(request.requestId());
        request.principal().ifPresentOrElse(p -> b.actor(p.subject(), p.kind() == Principal.Kind.USER
                ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SERVICE_ACCOUNT), () -> b.actor(null, SecurityEvent.ActorType.ANONYMOUS));
        return b;
    }
}
