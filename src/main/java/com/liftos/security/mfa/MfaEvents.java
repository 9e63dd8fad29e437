package com.liftos.security.mfa;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.User;
import com.liftos.security.http.ApiException;
import java.time.Clock;
import java.util.Map;

/** The audit trail of MFA: method changes and every wrong code (which also counts toward the user's throttle). */
final class MfaEvents {
    private final AuditLog audit;
    private final Factors factors;
    private final Clock clock;

    MfaEvents(AuditLog audit, Factors factors, Clock clock) {
        this.audit = audit;
        this.factors = factors;
        this.clock = clock;
    }

    /** Where the request came from, for the audit record. */
    record Origin(String ip, String userAgent, String requestId) {}

    void changed(SecurityEventType type, String action, User user, Method method, Origin o) {
        audit.record(base(type, action, user, o).detail("method", method.wire()).build(clock.instant()));
    }

    /**
     * A wrong code: MFA_CHALLENGE_FAILED, plus LOGIN_FAILURE when it was the login's second step (so brute-force
     * detection counting failed logins sees it), and one more toward the user's throttle.
     */
    void wrongCode(User user, Method method, String step, boolean duringLogin, Origin o) {
        factors.recordFailure(user.id());
        audit.record(base(SecurityEventType.MFA_CHALLENGE_FAILED, "mfa_" + step, user, o).success(false)
                .detail("method", method.wire()).risk(0.4).build(clock.instant()));
        if (duringLogin) {
            audit.record(base(SecurityEventType.LOGIN_FAILURE, "login", user, o).success(false)
                    .detail("reason", "invalid_mfa_code").detail("method", method.wire()).risk(0.4).build(clock.instant()));
        }
    }

    /** 429 while the user is over the wrong-code limit. */
    void refuseIfThrottled(User user) {
        long wait = factors.lockedOutFor(user.id());
        if (wait > 0) {
            throw new ApiException(429, "too_many_attempts", "Too many wrong codes; try again later", Map.of(),
                    Map.of("Retry-After", Long.toString(wait)));
        }
    }

    private static SecurityEvent.Builder base(SecurityEventType type, String action, User user, Origin o) {
        return SecurityEvent.builder(type, action).org(user.orgId()).actor(user.id(), SecurityEvent.ActorType.USER)
                .resource("user:" + user.id()).clientIp(o.ip()).userAgent(o.userAgent()).requestId(o.requestId());
    }
}
