package com.liftos.security.compliance;

import com.liftos.security.audit.AuditEventCounts;
import com.liftos.security.audit.AuditMaintenance;
import com.liftos.security.audit.ChainStatus;
import com.liftos.security.audit.ChainVerifier;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.user.UserDirectory;
import com.liftos.security.identity.Role;
import com.liftos.security.org.Organizations;
import com.liftos.security.org.SecurityConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The SOC 2 evidence report: the security guide's controls CC6.1, CC6.2, CC6.3, CC6.7 and CC6.8, each with live
 * evidence read at request time (configuration in force, user and role data, 30-day event counts, the audit
 * chain's verification). A control is {@code "attention"} when a finding calls for action, else {@code "pass"};
 * evidence another feature did not provide is marked {@code "not_available"}.
 */
final class ComplianceReport {
    static final Duration PERIOD = Duration.ofDays(30);

    private final UserDirectory users;
    private final Organizations orgs;
    private final AuditEventCounts events;
    private final AuditMaintenance checkpoints;
    private final ChainVerifier verifier;
    private final ComplianceEvidence evidence;
    private final Clock clock;
    private final boolean requireHttps;
    private final int alertWebhooks;

    ComplianceReport(UserDirectory users, Organizations orgs, AuditEventCounts events, AuditMaintenance checkpoints,
                     ChainVerifier verifier, ComplianceEvidence evidence, Clock clock, boolean requireHttps, int alertWebhooks) {
        this.users = users;
        this.orgs = orgs;
        this.events = events;
        this.checkpoints = checkpoints;
        this.verifier = verifier;
        this.evidence = evidence;
        this.clock = clock;
        this.requireHttps = requireHttps;
        this.alertWebhooks = alertWebhooks;
    }

    Map<String, Object> build(UUID orgId) {
        Instant now = clock.instant();
        SecurityConfig config = orgs.securityConfig(orgId);
        UserDirectory.AccountFigures users = this.users.accountFigures(orgId, config.passwordPolicy().maxAgeDays(), now);
        AuditEventCounts.TypeCounts counts = events.countsByType(orgId, now.minus(PERIOD));
        ChainStatus chain = verifier.verify(orgId);
        Optional<Instant> lastCheckpoint = checkpoints.lastCheckpoint(orgId);

        List<Map<String, Object>> controls = new ArrayList<>();

        // CC6.1 Logical access controls: RBAC and MFA.
        Map<String, Object> e61 = new LinkedHashMap<>();
        List<String> f61 = new ArrayList<>();
        e61.put("role_assignments", new TreeMap<>(users.activeByRole()));
        e61.put("active_users", users.active());
        e61.put("require_mfa", config.requireMfa());
        Optional<ComplianceEvidence.MfaFigures> mfa = evidence.mfa().figures(orgId);
        e61.put("mfa_adoption", mfa.<Object>map(m -> Map.of("users_with_mfa", m.usersWithMfa(), "active_users", m.activeUsers(),
                "percent", m.activeUsers() == 0 ? 100.0 : Math.round(1000.0 * m.usersWithMfa() / m.activeUsers()) / 10.0))
                .orElse(NOT_AVAILABLE));
        e61.put("allowed_ip_ranges", config.allowedIpRanges());
        if (!config.requireMfa()) {
            f61.add("MFA is not required by the organization's policy");
        }
        mfa.filter(m -> m.usersWithMfa() < m.activeUsers())
                .ifPresent(m -> f61.add((m.activeUsers() - m.usersWithMfa()) + " active user(s) have no second factor"));
        if (mfa.isEmpty()) {
            f61.add("MFA adoption figures are not available");
        }
        controls.add(control("CC6.1", "Logical access controls", "RBAC implementation, MFA", e61, f61));

        // CC6.2 Authentication mechanisms: password policy, sessions, failed logins, credential rotation.
        Map<String, Object> e62 = new LinkedHashMap<>();
        List<String> f62 = new ArrayList<>();
        SecurityConfig.PasswordPolicy pp = config.passwordPolicy();
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("min_length", pp.minLength());
        policy.put("require_uppercase", pp.requireUppercase());
        policy.put("require_lowercase", pp.requireLowercase());
        policy.put("require_numbers", pp.requireNumbers());
        policy.put("require_symbols", pp.requireSymbols());
        policy.put("max_age_days", pp.maxAgeDays());
        e62.put("password_policy", policy);
        e62.put("hash_algorithm", "argon2id");
        e62.put("session_timeout_minutes", config.sessionTimeoutMinutes());
        e62.put("max_concurrent_sessions", config.maxConcurrentSessions());
        e62.put("users_with_expired_password", users.expiredPasswords());
        e62.put("locked_accounts", users.locked());
        e62.put("failed_logins_30d", counts.of(SecurityEventType.LOGIN_FAILURE));
        e62.put("account_lockouts_30d", counts.of(SecurityEventType.ACCOUNT_LOCKED));
        Optional<ComplianceEvidence.RotationFigures> rotation = evidence.rotation().figures(orgId, now);
        e62.put("credentials_due_for_rotation", rotation.<Object>map(r -> Map.of("credentials", r.credentials(),
                "due_for_rotation", r.dueForRotation(), "rotation_days", r.rotationDays())).orElse(NOT_AVAILABLE));
        if (pp.minLength() < 12) {
            f62.add("minimum password length is below 12");
        }
        if (users.expiredPasswords() > 0) {
            f62.add(users.expiredPasswords() + " user(s) have a password older than the policy's maximum age");
        }
        rotation.filter(r -> r.dueForRotation() > 0).ifPresent(r -> f62.add(r.dueForRotation() + " credential(s) are due for rotation"));
        if (rotation.isEmpty()) {
            f62.add("credential rotation figures are not available");
        }
        controls.add(control("CC6.2", "Authentication mechanisms", "JWT, password policies", e62, f62));

        // CC6.3 Authorization procedures: the permission matrix and its enforcement record.
        Map<String, Object> e63 = new LinkedHashMap<>();
        Map<String, Object> matrix = new LinkedHashMap<>();
        for (Role r : Role.values()) {
            matrix.put(r.id(), r.permissions().stream().map(Object::toString).toList());
        }
        e63.put("permission_matrix", matrix);
        e63.put("permission_denied_30d", counts.of(SecurityEventType.PERMISSION_DENIED));
        e63.put("role_assigned_30d", counts.of(SecurityEventType.ROLE_ASSIGNED));
        e63.put("role_revoked_30d", counts.of(SecurityEventType.ROLE_REVOKED));
        e63.put("audit_chain", chain.intact() ? "intact" : "tampered");
        controls.add(control("CC6.3", "Authorization procedures", "Permission matrix, audit logs", e63, List.of()));

        // CC6.7 Data transmission controls.
        Map<String, Object> e67 = new LinkedHashMap<>();
        List<String> f67 = new ArrayList<>();
        e67.put("require_https", requireHttps);
        e67.put("hsts", requireHttps ? "max-age=31536000; includeSubDomains" : "off");
        e67.put("encryption_in_transit_policy", config.complianceSettings().encryptionInTransit());
        e67.put("encryption_at_rest_policy", config.complianceSettings().encryptionAtRest());
        if (!requireHttps) {
            f67.add("SECURITY_REQUIRE_HTTPS is off: the service does not refuse plain HTTP or send HSTS");
        }
        controls.add(control("CC6.7", "Data transmission controls", "TLS, certificate pinning", e67, f67));

        // CC6.8 System monitoring.
        Map<String, Object> e68 = new LinkedHashMap<>();
        List<String> f68 = new ArrayList<>();
        e68.put("audit_chain", AuditRoutes.describe(chain));
        e68.put("last_signed_checkpoint", lastCheckpoint.<Object>map(Instant::toString).orElse("none yet"));
        e68.put("high_or_critical_events_30d", counts.highOrCritical());
        e68.put("rate_limit_exceeded_30d", counts.of(SecurityEventType.RATE_LIMIT_EXCEEDED));
        e68.put("brute_force_attempts_30d", counts.of(SecurityEventType.BRUTE_FORCE_ATTEMPT));
        e68.put("suspicious_activity_30d", counts.of(SecurityEventType.SUSPICIOUS_ACTIVITY));
        e68.put("alert_webhooks_configured", alertWebhooks);
        e68.put("audit_retention_days", config.auditRetentionDays());
        if (!chain.intact()) {
            f68.add("the audit chain failed verification");
        }
        if (alertWebhooks == 0) {
            f68.add("no alert webhook is configured for high and critical events");
        }
        controls.add(control("CC6.8", "System monitoring", "Real-time monitoring, alerting", e68, f68));

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("org_id", orgId.toString());
        report.put("framework", "SOC 2 Type II (Common Criteria CC6)");
        report.put("generated_at", now.toString());
        report.put("period", Map.of("from", now.minus(PERIOD).toString(), "to", now.toString()));
        report.put("controls", controls);
        return report;
    }

    static final String NOT_AVAILABLE = "not_available";

    private static Map<String, Object> control(String id, String title, String implementation, Map<String, Object> evidence,
                                              List<String> findings) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", id);
        c.put("title", title);
        c.put("implementation", implementation);
        c.put("status", findings.isEmpty() ? "pass" : "attention");
        c.put("findings", findings);
        c.put("evidence", evidence);
        return c;
    }
}
