package com.liftos.security.rbac;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Guard;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.identity.Principal;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * The gate step after permissions: sets the request's risk score from {@link RiskAssessor}; refuses a route whose
 * {@code maxRisk} it exceeds with 403 {@code risk_too_high} and a PERMISSION_DENIED event.
 */
public final class RiskGuard implements Guard {
    private final RiskAssessor risk;
    private final AuditLog audit;
    private final Clock clock;

    public RiskGuard(RiskAssessor risk, AuditLog audit, Clock clock) {
        this.risk = risk;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void check(Route route, RequestContext request) {
        RiskAssessor.Assessment a = risk.assess(request.principal(), request.clientIp());
        request.riskScore(a.score());
        Optional<Double> max = route.access().maxRisk();
        if (max.isEmpty() || a.score() <= max.get()) {
            return;
        }
        Principal p = request.requirePrincipal();
        audit.record(SecurityEvent.builder(SecurityEventType.PERMISSION_DENIED, "authorize")
                .org(p.orgId())
                .actor(p.subject(), p.kind() == Principal.Kind.USER ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SERVICE_ACCOUNT)
                .resource(route.name())
                .clientIp(request.clientIp())
                .requestId(request.requestId())
                .success(false)
                .detail("reason", "risk_too_high")
                .detail("signals", a.signals())
                .detail("max_risk", max.get())
                .risk(a.score())
                .build(clock.instant()));
        throw new ApiException(403, "risk_too_high",
                "This request's risk is too high; sign in again with MFA to continue",
                Map.of("risk_score", a.score(), "signals", a.signals(), "hint", "reauthenticate_with_mfa"), Map.of());
    }
}
