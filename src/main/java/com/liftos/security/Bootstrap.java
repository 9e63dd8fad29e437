package com.liftos.security;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.password.PasswordHasher;
import com.liftos.security.auth.password.PasswordRules;
import com.liftos.security.auth.user.User;
import com.liftos.security.auth.user.Users;
import com.liftos.security.config.Config;
import com.liftos.security.config.ConfigException;
import com.liftos.security.org.Organization;
import com.liftos.security.org.Organizations;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.identity.Role;
import com.liftos.security.store.Db;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * First start: when no organization exists, creates the bootstrap organization and its first admin
 * (a super_admin and admin of that organization). A generated password is printed once to the console,
 * never to the log.
 */
final class Bootstrap {
    /** The advisory lock key of the bootstrap transaction ("LiftBoot"). */
    private static final long BOOTSTRAP_LOCK = 0x4c696674426f6f74L;

    private Bootstrap() {}

    static void run(Config.Bootstrap settings, Db db, Organizations orgs, Users users, PasswordHasher hasher,
                    AuditLog audit, Clock clock, SecureRandom random, PrintStream console) {
        if (orgs.count() > 0) {
            return;
        }
        boolean generated = settings.adminPassword().isEmpty();
        char[] password = settings.adminPassword().map(char[]::clone).orElseGet(() -> PasswordRules.generate(random, 20));
        List<String> violations = PasswordRules.violations(password, SecurityConfig.PasswordPolicy.defaults());
        if (!violations.isEmpty()) {
            throw new ConfigException(violations.stream().map(v -> "LIFTOS_BOOTSTRAP_ADMIN_PASSWORD: " + v).toList());
        }
        String email = settings.adminEmail().orElse("admin@liftos.local");
        String hash = hasher.hash(password);
        record Created(Organization org, User admin) {}
        Created created = db.tx(c -> {
            // Instances starting together on a new database: one bootstraps, the others find its organization.
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                ps.setLong(1, BOOTSTRAP_LOCK);
                ps.execute();
            }
            if (orgs.count(c) > 0) {
                return null;
            }
            Organization org = orgs.create(c, settings.orgName());
            User admin = users.create(c, org.id(), email, Optional.of("Administrator"), hash,
                    List.of(Role.SUPER_ADMIN.id(), Role.ADMIN.id()));
            audit.record(c, SecurityEvent.builder(SecurityEventType.ORG_CREATED, "bootstrap_organization")
                    .org(org.id()).resource("organization:" + org.id()).detail("bootstrap", true).build(clock.instant()));
            audit.record(c, SecurityEvent.builder(SecurityEventType.USER_CREATED, "bootstrap_admin")
                    .org(org.id()).resource("user:" + admin.id()).detail("roles", admin.roles()).build(clock.instant()));
            return new Created(org, admin);
        });
        if (created == null) {
            Arrays.fill(password, '\0');
            return;
        }
        console.println("LiftOS Security: created organization '" + created.org().name() + "' (" + created.org().id() + ")");
        console.println("LiftOS Security: first admin " + email + " (super_admin)");
        if (generated) {
            console.println("LiftOS Security: one-time admin password (shown once, change it after login): " + new String(password));
        }
        console.flush();
        Arrays.fill(password, '\0');
    }
}
