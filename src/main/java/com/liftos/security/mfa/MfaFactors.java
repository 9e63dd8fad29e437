package com.liftos.security.mfa;

import com.liftos.security.auth.account.SecondFactor;
import com.liftos.security.auth.user.User;
import com.liftos.security.org.Organizations;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.store.Db;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The users' second factors in storage, and what a password login asks of them (the {@link SecondFactor} hook):
 * built before {@code Auth}, since the login needs it, and handed to {@link Mfa#start} afterwards. Obtain it from
 * {@link Mfa#factors}.
 */
public final class MfaFactors implements SecondFactor {
    final Db db;
    final Methods methods;
    final TotpSecrets totp;
    final SentCodes sentCodes;
    final RecoveryCodes recoveryCodes;
    final CodeCheck codes;
    final WrongCodes wrongCodes;
    private final Organizations orgs;

    MfaFactors(Db db, Methods methods, TotpSecrets totp, SentCodes sentCodes, RecoveryCodes recoveryCodes, CodeCheck codes,
               WrongCodes wrongCodes, Organizations orgs) {
        this.db = db;
        this.methods = methods;
        this.totp = totp;
        this.sentCodes = sentCodes;
        this.recoveryCodes = recoveryCodes;
        this.codes = codes;
        this.wrongCodes = wrongCodes;
        this.orgs = orgs;
    }

    @Override
    public List<String> methodsFor(User user) {
        return methods.activeMethods(user.id());
    }

    @Override
    public boolean requiredByOrg(User user) {
        SecurityConfig cfg = orgs.securityConfig(user.orgId());
        return cfg.requireMfa() || cfg.requiresPhishingResistantMfa(user.roles());
    }

    @Override
    public List<Factor> factorsOf(UUID userId) {
        List<Factor> out = new java.util.ArrayList<>(methods.enrolled(userId).stream()
                .map(e -> new Factor(e.method().wire(), e.status().wire(), e.enabledAt()))
                .toList());
        methods.firstPasskey(userId).ifPresent(t -> out.add(new Factor(Method.PASSKEY.wire(), MethodStatus.ACTIVE.wire(), Optional.of(t))));
        return List.copyOf(out);
    }

    @Override
    public Set<UUID> withEnabledFactor(Collection<UUID> userIds) {
        if (userIds.isEmpty()) {
            return Set.of();
        }
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT user_id FROM mfa_methods WHERE user_id = ANY (?) AND status = 'active' "
                            + "UNION SELECT user_id FROM mfa_passkeys WHERE user_id = ANY (?)")) {
                ps.setArray(1, c.createArrayOf("uuid", userIds.toArray()));
                ps.setArray(2, c.createArrayOf("uuid", userIds.toArray()));
                Set<UUID> out = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getObject(1, UUID.class));
                    }
                }
                return out;
            }
        });
    }

    /**
     * MFA adoption for the SOC 2 report: how many of {@code users} have an active second factor (one primary-key
     * range scan per user).
     */
    public long usersWithActiveFactor(Collection<UUID> users) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM (SELECT user_id FROM mfa_methods WHERE user_id = ANY (?) AND status = 'active' "
                            + "UNION SELECT user_id FROM mfa_passkeys WHERE user_id = ANY (?)) u")) {
                ps.setArray(1, c.createArrayOf("uuid", users.toArray()));
                ps.setArray(2, c.createArrayOf("uuid", users.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }
}
