package com.liftos.security.mfa;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.user.User;
import java.time.Clock;
import java.util.Optional;

/**
 * The audit trail of refused passkey ceremonies, beside {@link MfaEvents}'s. A signature counter that went down is
 * SUSPICIOUS_ACTIVITY {@value #COUNTER_REGRESSED} with the passkey's owner as actor, which the incident detector opens
 * as token theft (a cloned authenticator). Events name the passkey by its id, never by credential id or key.
 */
final class PasskeyEvents {
    static final String COUNTER_REGRESSED = "passkey_counter_regressed";

    private final AuditLog audit;
    private final MfaEvents events;
    private final Clock clock;

    PasskeyEvents(AuditLog audit, MfaEvents events, Clock clock) {
        this.audit = audit;
        this.events = events;
        this.clock = clock;
    }

    /**
     * An assertion refused at the login's second step: the counter alarm (the step's own failure events are
     * {@link MfaEvents#wrongCode}'s, naming the check).
     */
    void refused(Passkeys.Assertion.Refused r, MfaEvents.Origin o) {
        counterAlarm(r, o);
    }

    /** A registration refused: MFA_CHALLENGE_FAILED ({@code mfa_confirm}) with the check, one more toward the throttle. */
    void registrationRefused(User user, PasskeyVerifier.Reason reason, MfaEvents.Origin o) {
        events.wrongCode(user, Method.PASSKEY, MfaEvents.Step.CONFIRM, o, Optional.of(reason.wire()));
    }

    /**
     * A passwordless sign-in refused: LOGIN_FAILURE ({@code reason} {@code invalid_passkey}, {@code method}
     * {@code passkey}, {@code check}), the credential's owner as actor when the response named a stored passkey.
     */
    void passwordlessRefused(Passkeys.Assertion.Refused r, MfaEvents.Origin o) {
        SecurityEvent.Builder b = SecurityEvent.builder(SecurityEventType.LOGIN_FAILURE, "login").success(false)
                .clientIp(o.ip()).userAgent(o.userAgent()).requestId(o.requestId())
                .detail("reason", "invalid_passkey").detail("method", Method.PASSKEY.wire()).detail("check", r.reason().wire())
                .risk(0.4);
        r.credential().ifPresentOrElse(
                p -> b.org(p.orgId()).actor(p.userId(), SecurityEvent.ActorType.USER).resource("user:" + p.userId())
                        .detail("passkey_id", p.id().toString()),
                () -> b.actor(null, SecurityEvent.ActorType.ANONYMOUS));
        audit.record(b.build(clock.instant()));
        counterAlarm(r, o);
    }

    private void counterAlarm(Passkeys.Assertion.Refused r, MfaEvents.Origin o) {
        if (r.reason() != PasskeyVerifier.Reason.COUNTER || r.credential().isEmpty()) {
            return;
        }
        Passkeys.Passkey p = r.credential().get();
        audit.record(SecurityEvent.builder(SecurityEventType.SUSPICIOUS_ACTIVITY, COUNTER_REGRESSED).success(false)
                .org(p.orgId()).actor(p.userId(), SecurityEvent.ActorType.USER).resource("passkey:" + p.id())
                .clientIp(o.ip()).userAgent(o.userAgent()).requestId(o.requestId())
                .detail("passkey_id", p.id().toString()).detail("signal", "signature_counter_regressed").risk(0.9)
                .build(clock.instant()));
    }
}
