package com.liftos.security.mfa;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.user.User;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/** The audit trail of MFA: method changes and every wrong code (which also counts toward the user's throttle). */
final class MfaEvents {
    private final AuditLog audit;
    private final WrongCodes wrongCodes;
    private final Clock clock;

    MfaEvents(AuditLog audit, WrongCodes wrongCodes, Clock clock) {
        this.audit = audit;
        this.wrongCodes = wrongCodes;
        this.clock = clock;
    }

    /** Where the request came from, for the audit record. */
    record Origin(String ip, String userAgent, String requestId) {}

    /** The step a code was presented for; its audit action is {@code mfa_<step>}. */
    enum Step {
        LOGIN, CONFIRM, DISABLE, RECOVERY_CODES;

        String action() {
            return "mfa_" + name().toLowerCase(Locale.ROOT);
        }
    }

    void changed(SecurityEventType type, String action, User user, Method method, Origin o) {
        audit.record(base(type, action, user, o).detail("method", method.wire()).build(clock.instant()));
    }

    /** A passkey registered, renamed or removed: MFA_ENABLED / MFA_DISABLED / USER_UPDATED naming the passkey. */
    void passkeyChanged(SecurityEventType type, String action, User user, java.util.UUID passkeyId, Origin o) {
        audit.record(base(type, action, user, o).detail("method", Method.PASSKEY.wire())
                .detail("passkey_id", passkeyId.toString()).build(clock.instant()));
    }

    /**
     * A wrong code: MFA_CHALLENGE_FAILED, plus LOGIN_FAILURE when it was the login's second step (so brute-force
     * detection counting failed logins sees it), and one more toward the user's throttle.
     */
    void wrongCode(User user, Method method, Step step, Origin o) {
        wrongCode(user, method, step, o, Optional.empty());
    }

    /** A wrong code, or a refused passkey assertion with the {@code check} that refused it. */
    void wrongCode(User user, Method method, Step step, Origin o, Optional<String> check) {
        wrongCodes.record(user.id());
        SecurityEvent.Builder failed = base(SecurityEventType.MFA_CHALLENGE_FAILED, step.action(), user, o).success(false)
                .detail("method", method.wire()).risk(0.4);
        check.ifPresent(c -> failed.detail("check", c));
        audit.record(failed.build(clock.instant()));
        if (step == Step.LOGIN) {
            SecurityEvent.Builder login = base(SecurityEventType.LOGIN_FAILURE, "login", user, o).success(false)
                    .detail("reason", "invalid_mfa_code").detail("method", method.wire()).risk(0.4);
            check.ifPresent(c -> login.detail("check", c));
            audit.record(login.build(clock.instant()));
        }
    }

    /** Seconds until the user may present a code again; empty while under the wrong-code limit. */
    OptionalLong throttledFor(User user) {
        return wrongCodes.lockedOutFor(user.id());
    }

    private static SecurityEvent.Builder base(SecurityEventType type, String action, User user, Origin o) {
        return SecurityEvent.builder(type, action).org(user.orgId()).actor(user.id(), SecurityEvent.ActorType.USER)
                .resource("user:" + user.id()).clientIp(o.ip()).userAgent(o.userAgent()).requestId(o.requestId());
    }
}
