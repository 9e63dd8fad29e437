package com.liftos.security.mfa;

import com.liftos.security.auth.SecondFactor;
import com.liftos.security.auth.User;
import com.liftos.security.org.Organizations;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * What a password login asks of MFA (the {@link SecondFactor} hook): built before {@code Auth}, since the login
 * needs it, and handed to {@link Mfa#start} afterwards. Obtain it from {@link Mfa#factors}.
 */
public final class MfaFactors implements SecondFactor {
    final Factors factors;
    private final Organizations orgs;

    MfaFactors(Factors factors, Organizations orgs) {
        this.factors = factors;
        this.orgs = orgs;
    }

    @Override
    public List<String> methodsFor(User user) {
        return factors.activeMethods(user.id());
    }

    @Override
    public boolean requiredByOrg(User user) {
        return orgs.securityConfig(user.orgId()).requireMfa();
    }

    /**
     * MFA adoption for the SOC 2 report: how many of {@code users} have an active second factor (one primary-key
     * range scan per user).
     */
    public long usersWithActiveFactor(Collection<UUID> users) {
        return factors.db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(DISTINCT user_id) FROM mfa_methods WHERE user_id = ANY (?) AND status = 'active'")) {
                ps.setArray(1, c.createArrayOf("uuid", users.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }
}
