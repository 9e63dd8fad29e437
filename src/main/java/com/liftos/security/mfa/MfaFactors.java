package com.liftos.security.mfa;

import com.liftos.security.auth.SecondFactor;
import com.liftos.security.auth.User;
import com.liftos.security.org.Organizations;
import java.util.List;

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
}
