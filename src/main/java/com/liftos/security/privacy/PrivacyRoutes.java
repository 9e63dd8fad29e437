package com.liftos.security.privacy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.http.RouteDoc.Param;
import com.liftos.security.subject.DataSubject;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The data-subject rights over HTTP: {@code GET /v1/privacy/purposes}, and under {@code /v1/orgs/{orgId}/users/{userId}}
 * export ({@code manage:users} or the user themself), erasure ({@code manage:users}), consents (read and record,
 * {@code manage:users} or self) and the processing check ({@code write:data_processing}); {@code DELETE
 * /v1/orgs/{orgId}} erases an organization ({@code manage:system}, super admins only). Translates between HTTP and
 * {@link Privacy}'s outcomes.
 */
public final class PrivacyRoutes {
    private static final String USER = "/v1/orgs/{orgId}/users/{userId}";

    private final Privacy privacy;
    private final Bodies bodies;

    public PrivacyRoutes(Privacy privacy, ObjectMapper json) {
        this.privacy = privacy;
        this.bodies = new Bodies(json);
    }

    public List<Route> routes() {
        return List.of(
                Route.get("/v1/privacy/purposes", Access.authenticated(), this::purposes).doc(RouteDoc.of("The processing purposes and their lawful basis")
                        .ok("Purposes")),
                Route.get(USER + "/export", Access.require("manage:users").orSelf().rateCategory(Access.RateCategory.SENSITIVE), this::export)
                        .doc(RouteDoc.of("Export everything held about a user (GDPR Art. 15, 20)").ok("SubjectExport")),
                Route.delete(USER, Access.require("manage:users"), this::eraseUser).doc(RouteDoc.of("Erase a user (GDPR Art. 17)")
                        .details("Deletes their data and pseudonymizes their audit records (the chain stays verifiable).")
                        .ok("UserErased").errors(409, "self_erasure")),
                Route.delete("/v1/orgs/{orgId}", Access.require("manage:system"), this::eraseOrg).doc(RouteDoc.of("Erase an organization")
                        .details("Super admins only, never their own. Its vault's data keys are destroyed (crypto-shredding).")
                        .ok("OrganizationErased").errors(403, "forbidden").errors(409, "own_organization")),
                Route.get(USER + "/consents", Access.require("manage:users").orSelf(), this::consents).doc(RouteDoc.of("A user's consents, current and history")
                        .ok("Consents")),
                Route.post(USER + "/consents", Access.require("manage:users").orSelf(), this::recordConsent).doc(RouteDoc.of("Record a consent or its withdrawal")
                        .json("ConsentRequest").created("ConsentRecorded").errors(400, "validation_failed")),
                Route.post(USER + "/processing", Access.require("write:data_processing"), this::process).doc(RouteDoc.of("Check and record a processing of a user's data")
                        .details("Allowed when the purpose's lawful basis holds (for consent: a current consent); recorded as DATA_PROCESSING.")
                        .json("ProcessingRequest").ok("ProcessingAllowed").errors(400, "unknown_purpose").errors(403, "consent_required")));
    }

    record ConsentBody(String purpose, Boolean granted, String textVersion) {}

    record ProcessingBody(String purpose, String activity) {}

    private void purposes(Context ctx) {
        Map<String, String> out = new TreeMap<>();
        ProcessingPurposes.REGISTRY.forEach((k, v) -> out.put(k, v.wire()));
        ctx.json(Map.of("purposes", out));
    }

    private void export(Context ctx) {
        DataSubject subject = subject(ctx);
        ctx.json(privacy.export(subject, requester(ctx)));
    }

    private void eraseUser(Context ctx) {
        DataSubject subject = subject(ctx);
        switch (privacy.erasure().eraseUser(subject, requester(ctx))) {
            case Erasure.UserOutcome.SelfErasure s ->
                    throw ApiException.conflict("self_erasure", "An admin cannot erase their own account; ask another admin");
            case Erasure.UserOutcome.NoSuchUser n -> throw ApiException.notFound("No such user");
            case Erasure.UserOutcome.Done done -> {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("user_id", done.erased().userId().toString());
                out.put("erased", true);
                out.put("deleted", done.erased().deleted());
                out.put("audit_records_pseudonymized", done.erased().auditRecordsPseudonymized());
                ctx.json(out);
            }
        }
    }

    private void eraseOrg(Context ctx) {
        UUID orgId = uuid(ctx.pathParam("orgId"));
        RequestContext request = RequestContext.of(ctx);
        request.requirePrincipal();
        switch (privacy.erasure().eraseOrganization(orgId, requester(request))) {
            case Erasure.OrganizationOutcome.NotSuperAdmin n -> throw ApiException.forbidden("Only a super admin can erase an organization");
            case Erasure.OrganizationOutcome.OwnOrganization o ->
                    throw ApiException.conflict("own_organization", "The caller's own organization cannot be erased");
            case Erasure.OrganizationOutcome.NoSuchOrganization n -> throw ApiException.notFound("No such organization");
            case Erasure.OrganizationOutcome.Done done -> {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("org_id", done.erased().orgId().toString());
                out.put("erased", done.erased().erased());
                out.put("data_keys_shredded", done.erased().dataKeysShredded());
                out.put("audit_records_pseudonymized", done.erased().auditRecordsPseudonymized());
                ctx.json(out);
            }
        }
    }

    private void consents(Context ctx) {
        Privacy.ConsentHistory consents = privacy.consents(subject(ctx));
        ctx.json(Map.of("current", consents.current(), "history", consents.history()));
    }

    private void recordConsent(Context ctx) {
        DataSubject subject = subject(ctx);
        ConsentBody body = bodies.read(ctx, ConsentBody.class);
        Privacy.ConsentChoice choice = new Privacy.ConsentChoice(Optional.ofNullable(body.purpose()),
                Optional.ofNullable(body.granted()), Optional.ofNullable(body.textVersion()));
        switch (privacy.recordConsent(subject, choice, requester(ctx))) {
            case Privacy.ConsentOutcome.Invalid invalid -> throw ApiException.validation("Invalid consent", invalid.problems());
            case Privacy.ConsentOutcome.Recorded r -> ctx.status(201).json(Map.of("purpose", r.purpose(), "granted", r.granted(),
                    "text_version", r.textVersion(), "recorded_at", r.recordedAt().toString()));
        }
    }

    private void process(Context ctx) {
        DataSubject subject = subject(ctx);
        ProcessingBody body = bodies.read(ctx, ProcessingBody.class);
        switch (privacy.process(subject, Optional.ofNullable(body.purpose()), Optional.ofNullable(body.activity()), requester(ctx))) {
            case Privacy.ProcessingOutcome.UnknownPurpose u -> throw ApiException.badRequest("unknown_purpose",
                    "purpose must be one of " + String.join(", ", ProcessingPurposes.REGISTRY.keySet()));
            case Privacy.ProcessingOutcome.ConsentRequired r ->
                    throw new ApiException(403, "consent_required", "Processing for " + r.purpose() + " needs the user's consent");
            case Privacy.ProcessingOutcome.Allowed a -> ctx.json(Map.of("allowed", true, "purpose", a.purpose(),
                    "lawful_basis", a.basis().wire(), "activity", a.activity()));
        }
    }

    /** The path's user of the path's organization; 404 when there is none. */
    private DataSubject subject(Context ctx) {
        UUID orgId = uuid(ctx.pathParam("orgId"));
        UUID userId = uuid(ctx.pathParam("userId"));
        return privacy.subject(orgId, userId).orElseThrow(() -> ApiException.notFound("No such user"));
    }

    private static Requester requester(Context ctx) {
        return requester(RequestContext.of(ctx));
    }

    private static Requester requester(RequestContext request) {
        return new Requester(request.principal(), request.clientIp(), request.userAgent(), request.requestId());
    }

    private static UUID uuid(String s) {
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("No such resource");
        }
    }
}
