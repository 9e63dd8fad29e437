package com.liftos.security.mfa;

import com.liftos.security.auth.SecondFactor;
import com.liftos.security.auth.User;
import com.liftos.security.org.Organizations;
import com.liftos.security.audit.ComplianceEvidence;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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

    /** MFA adoption in an organization for the SOC 2 report: active users, and those with an active second factor. */
    public ComplianceEvidence.MfaFigures adoption(UUID orgId) {
        return factors.db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM mfa_methods m WHERE m.user_id = u.id AND m.status = 'active')),
                           count(*)
                    FROM users u WHERE u.org_id = ? AND u.status = 'active'
                    """)) {
                ps.setObject(1, orgId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new ComplianceEvidence.MfaFigures(rs.getLong(1), rs.getLong(2));
                }
            }
        });
    }
}
