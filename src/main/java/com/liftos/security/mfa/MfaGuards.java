package com.liftos.security.mfa;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.identity.Principal;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Guard;
import com.liftos.security.org.SecurityConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/** The gate steps MFA adds: enrolment-only tokens under {@code require_mfa}, and step-up for risky requests. */
final class MfaGuards {
    /** RFC 8176 values that name a second factor. */
    static final Set<String> MFA_AMR = Set.of("otp", "sms", "mfa", "hwk", "swk");

    private MfaGuards() {}

    /** RFC 8176 values of a phishing-resistant factor: a passkey bound to the relying party's origin. */
    static final Set<String> PHISHING_RESISTANT_AMR = Set.of("hwk", "swk");

    static boolean hasMfa(Principal p) {
        return p.amr().stream().anyMatch(MFA_AMR::contains);
    }

    /**
     * When the caller's organization requires MFA, a user whose token carries no MFA factor may only use
     * {@code /v1/mfa/*} (to enrol) and log out: 403 {@code mfa_enrollment_required} elsewhere. The same holds for a
     * member of a role in {@code phishing_resistant_mfa_roles} whose token was not signed in with a passkey. Service accounts
     * authenticate with client secrets and are not concerned. Read on every request, so turning
     * {@code require_mfa} on also confines sessions that were open before.
     */
    static Guard enrollmentOnly(Function<UUID, SecurityConfig> orgConfigs) {
        return (route, request) -> {
            if (route.access().isPublic() || request.principal().isEmpty()) {
                return;
            }
            Principal p = request.principal().get();
            if (p.kind() != Principal.Kind.USER || p.amr().stream().anyMatch(PHISHING_RESISTANT_AMR::contains)) {
                return;
            }
            String path = route.path();
            if (path.equals("/v1/mfa") || path.startsWith("/v1/mfa/") || path.equals("/v1/auth/logout")) {
                return;
            }
            SecurityConfig cfg = orgConfigs.apply(p.orgId());
            if (cfg.requiresPhishingResistantMfa(p.roles())) {
                throw new ApiException(403, "mfa_enrollment_required",
                        "Your organization requires a passkey for your role; register one at /v1/mfa/passkeys, then sign in with it",
                        Map.of("enroll", "/v1/mfa/passkeys/options"), Map.of());
            }
            if (!hasMfa(p) && cfg.requireMfa()) {
                throw new ApiException(403, "mfa_enrollment_required",
                        "Your organization requires multi-factor authentication; enroll a method at /v1/mfa, then sign in again",
                        Map.of("enroll", "/v1/mfa/totp/enroll"), Map.of());
            }
        };
    }

    /**
     * Routes declaring {@code requireStepUpMfa()}: when the request's risk score (set by the risk guard, which
     * must run first) is at least {@code threshold}, the token must carry an MFA factor with {@code auth_time}
     * within {@code maxAge}; otherwise 403 {@code mfa_required} and a PERMISSION_DENIED event.
     */
    static Guard stepUp(double threshold, Duration maxAge, AuditLog audit, Clock clock) {
        return (route, request) -> {
            if (!route.access().stepUpMfa() || route.access().isPublic() || request.riskScore() < threshold) {
                return;
            }
            Principal p = request.requirePrincipal();
            if (p.kind() == Principal.Kind.SERVICE_ACCOUNT) {
                return;
            }
            boolean fresh = hasMfa(p) && !p.authTime().plus(maxAge).isBefore(clock.instant());
            if (fresh) {
                return;
            }
            audit.record(SecurityEvent.builder(SecurityEventType.PERMISSION_DENIED, "authorize")
                    .org(p.orgId()).actor(p.subject(), SecurityEvent.ActorType.USER)
                    .resource(route.name()).clientIp(request.clientIp())
                    .requestId(request.requestId()).success(false).detail("reason", "step_up_mfa_required")
                    .risk(request.riskScore()).build(clock.instant()));
            throw new ApiException(403, "mfa_required",
                    "This request needs a recent multi-factor sign-in; sign in again with your second factor",
                    Map.of("risk_score", request.riskScore(), "max_auth_age_seconds", maxAge.toSeconds()), Map.of());
        };
    }
}
