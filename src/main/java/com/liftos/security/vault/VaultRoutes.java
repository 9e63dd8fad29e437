package com.liftos.security.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.identity.Principal;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.ListQuery;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.http.RouteDoc.Param;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** HTTP under {@code /v1/orgs/{orgId}/credentials}. Responses carry metadata only, except the reveal route. */
public final class VaultRoutes {
    private static final String BASE = Route.ORG_PREFIX + "/credentials";
    private static final String ONE = BASE + "/{provider}/{keyName}";

    private final Vault vault;
    private final Bodies bodies;
    private final Clock clock;

    public VaultRoutes(Vault vault, ObjectMapper json, Clock clock) {
        this.vault = vault;
        this.bodies = new Bodies(json);
        this.clock = clock;
    }

    public List<Route> routes() {
        Access write = Access.require("write:connections");
        Access read = Access.require("read:connections");
        Param provider = Param.oneOf("provider", "The provider", Providers.ids().toArray(String[]::new));
        Param keyName = Param.pattern("keyName", "The credential's name within the provider (`default` unless several are kept)",
                "^[a-z0-9][a-z0-9_.-]{0,63}$");
        RouteDoc stored = RouteDoc.of("Store a credential").path(provider, keyName)
                .details("The body is the provider's fields (or `{\"credentials\": {...}}`), checked against its rules, sealed "
                        + "under the organization's data key. 201 for a new credential, 200 for a new version of one.")
                .json("CredentialFields").created("CredentialMetadata").reply(200, "A new version", RouteDoc.JSON, "CredentialMetadata")
                .errors(400, "unknown_provider", "validation_failed").errors(410, "gone").errors(500, "decryption_failed");
        return List.of(
                Route.put(BASE + "/{provider}", write, ctx -> store(ctx, Vault.DEFAULT_KEY_NAME)).doc(stored.details(
                        "The credential named `default`. " + stored.details().orElseThrow())),
                Route.put(ONE, write, ctx -> store(ctx, ctx.pathParam("keyName"))).doc(stored),
                Route.get(BASE, read, this::list).doc(RouteDoc.of("List the organization's credentials (metadata only)")
                        .query(Param.bool("rotation_due", "Only those due for rotation")).ok("CredentialList")),
                Route.get(BASE + "/analytics", read, this::analytics).doc(RouteDoc.of("Usage of the organization's credentials")
                        .query(Param.oneOf("provider", "Only this provider", Providers.ids().toArray(String[]::new)),
                                Param.integer("days", "Days looked back", 1, 366, 30))
                        .ok("UsageAnalytics").errors(400, "unknown_provider")),
                Route.get(ONE, read, this::metadata).doc(RouteDoc.of("One credential's metadata").path(provider, keyName)
                        .ok("CredentialMetadata")),
                // Elevated risk (>= the step-up threshold) needs a recent MFA; very high risk is refused outright.
                Route.get(ONE + "/secret", Access.require("reveal:credentials").rateCategory(Access.RateCategory.SENSITIVE)
                        .maxRisk(0.6).requireStepUpMfa(), this::reveal).doc(RouteDoc.of("Reveal a credential's values")
                        .details("Audited (API_KEY_ACCESSED, and SENSITIVE_DATA_ACCESS on a caller's first reveal of a version in 15 minutes).")
                        .path(provider, keyName).ok("RevealedCredential").errors(410, "gone").errors(500, "decryption_failed")),
                Route.post(ONE + "/rotate", write, this::rotate).doc(RouteDoc.of("Rotate a credential: a new version of its values")
                        .path(provider, keyName).json("CredentialFields").ok("CredentialMetadata")
                        .errors(400, "unknown_provider", "validation_failed").errors(410, "gone").errors(500, "decryption_failed")),
                Route.get(ONE + "/versions", read, this::versions).doc(RouteDoc.of("A credential's kept versions (metadata only)")
                        .details("Newest first; at most %d are kept (the current one and those before it). Never a value."
                                .formatted(Vault.KEPT_VERSIONS))
                        .path(provider, keyName).query(Param.LIMIT, Param.CURSOR).ok("CredentialVersionPage").errors(400, "invalid_cursor")),
                // Putting old values back is as sensitive as reading them: the same risk ceiling and step-up as reveal.
                Route.post(ONE + "/rollback", write.rateCategory(Access.RateCategory.SENSITIVE).maxRisk(0.6).requireStepUpMfa(),
                        this::rollback).doc(RouteDoc.of("Roll a credential back to an earlier version")
                        .details("""
                                The earlier version's values become a new current version (version + 1): history stays                                 append-only, so a rollback can itself be rolled back. Its rotation clock restarts from the                                 earlier version's creation. Audited (API_KEY_ROTATED, action `rollback_credentials`, with the                                 reason); at an elevated risk it needs a recent multi-factor sign-in, as reveal does.""")
                        .path(provider, keyName).json("CredentialRollback").ok("CredentialMetadata")
                        .errors(400, "validation_failed").errors(410, "gone").errors(500, "decryption_failed")),
                Route.delete(ONE, Access.require("delete:connections"), this::revoke).doc(RouteDoc.of("Revoke a credential")
                        .path(provider, keyName).query(Param.string("reason", "Why (kept in the audit trail)"))
                        .ok("CredentialMetadata").errors(410, "gone")));
    }

    private void store(Context ctx, String keyName) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        String provider = knownProvider(ctx);
        Map<String, String> fields = fields(ctx);
        switch (vault.storeCredentialsInVault(orgId, provider, keyName, fields, caller(ctx))) {
            case VaultResult.Ok<Stored> ok -> ctx.status(ok.value().created() ? 201 : 200).json(view(ok.value().metadata()));
            case VaultResult<Stored> other -> throw refusal(other);
        }
    }

    private void rotate(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        String provider = knownProvider(ctx);
        Map<String, String> fields = fields(ctx);
        switch (vault.rotateCredentials(orgId, provider, ctx.pathParam("keyName"), fields, caller(ctx))) {
            case VaultResult.Ok<CredentialMetadata> ok -> ctx.json(view(ok.value()));
            case VaultResult<CredentialMetadata> other -> throw refusal(other);
        }
    }

    private void reveal(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        switch (vault.getCredentials(orgId, ctx.pathParam("provider"), ctx.pathParam("keyName"), caller(ctx))) {
            case VaultResult.Ok<Revealed> ok -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("provider", ok.value().provider());
                body.put("key_name", ok.value().keyName());
                body.put("version", ok.value().version());
                body.put("credentials", ok.value().fields().revealValues());
                ctx.json(body);
            }
            case VaultResult<Revealed> other -> throw refusal(other);
        }
    }

    /** The body of a rollback: the version to restore and, optionally, why (kept in the audit trail). */
    record RollbackRequest(Integer version, String reason) {}

    private void rollback(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        RollbackRequest body = bodies.read(ctx, RollbackRequest.class);
        List<String> problems = new ArrayList<>();
        if (body.version() == null || body.version() < 1) {
            problems.add("version must be a positive whole number");
        }
        if (body.reason() != null && body.reason().length() > 200) {
            problems.add("reason must be at most 200 characters");
        }
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid rollback", problems);
        }
        switch (vault.rollbackCredentials(orgId, ctx.pathParam("provider"), ctx.pathParam("keyName"), body.version(), body.reason(),
                caller(ctx))) {
            case VaultResult.Ok<CredentialMetadata> ok -> ctx.json(view(ok.value()));
            case VaultResult.Invalid<CredentialMetadata> inv -> throw ApiException.validation("Invalid rollback", inv.problems());
            case VaultResult<CredentialMetadata> other -> throw refusal(other);
        }
    }

    private void versions(Context ctx) {
        ListQuery query = ListQuery.of(ctx);
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        int limit = query.limit();
        Optional<Integer> before = query.cursor(1).map(c -> {
            if (!c.text(0).matches("[1-9]\\d{0,8}")) {
                throw ApiException.badRequest("invalid_cursor", "cursor must be the next_cursor of a previous page of this listing");
            }
            return Integer.parseInt(c.text(0));
        });
        // At most KEPT_VERSIONS rows: read whole and paged here.
        List<CredentialVersion> all = vault.versions(orgId, ctx.pathParam("provider"), ctx.pathParam("keyName"))
                .orElseThrow(() -> ApiException.notFound("Credential not found"));
        List<CredentialVersion> rest = all.stream().filter(v -> before.isEmpty() || v.version() < before.get()).toList();
        List<CredentialVersion> page = rest.subList(0, Math.min(limit, rest.size()));
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.putPOJO("items", page.stream().map(VaultRoutes::versionView).toList());
        if (rest.size() > limit) {
            out.put("next_cursor", ListQuery.cursor(List.of(Integer.toString(page.get(limit - 1).version()))));
        } else {
            out.putNull("next_cursor");
        }
        if (before.isEmpty()) {
            out.put("total", all.size());
        }
        ctx.json(out);
    }

    private static Map<String, Object> versionView(CredentialVersion v) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", v.version());
        out.put("current", v.current());
        out.put("created_at", v.createdAt().toString());
        v.createdBy().ifPresent(id -> out.put("created_by", id.toString()));
        v.restoredFrom().ifPresent(r -> out.put("restored_from", r));
        v.reason().ifPresent(r -> out.put("reason", r));
        return out;
    }

    private void revoke(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        String reason = Optional.ofNullable(ctx.queryParam("reason")).orElse("revoked via API");
        switch (vault.revokeApiKey(orgId, ctx.pathParam("provider"), ctx.pathParam("keyName"), reason, caller(ctx))) {
            case VaultResult.Ok<CredentialMetadata> ok -> ctx.json(view(ok.value()));
            case VaultResult<CredentialMetadata> other -> throw refusal(other);
        }
    }

    private void metadata(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        CredentialMetadata m = vault.metadata(orgId, ctx.pathParam("provider"), ctx.pathParam("keyName"))
                .orElseThrow(() -> ApiException.notFound("Credential not found"));
        ctx.json(view(m));
    }

    private void list(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        String due = ctx.queryParam("rotation_due");
        if (due != null && !due.equals("true") && !due.equals("false")) {
            throw ApiException.badRequest("invalid_parameter", "rotation_due must be true or false");
        }
        List<Map<String, Object>> items = new ArrayList<>();
        for (CredentialMetadata m : vault.listApiKeys(orgId, "true".equals(due))) {
            items.add(view(m));
        }
        ctx.json(Map.of("credentials", items, "count", items.size()));
    }

    private void analytics(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        Optional<String> provider = Optional.ofNullable(ctx.queryParam("provider")).filter(s -> !s.isEmpty());
        if (provider.isPresent() && Providers.find(provider.get()).isEmpty()) {
            throw ApiException.badRequest("unknown_provider", "Unknown provider (supported: " + String.join(", ", Providers.ids()) + ")");
        }
        int days = 30;
        String d = ctx.queryParam("days");
        if (d != null) {
            try {
                days = Integer.parseInt(d);
            } catch (NumberFormatException e) {
                days = -1;
            }
            if (days < 1 || days > 366) {
                throw ApiException.badRequest("invalid_parameter", "days must be a whole number between 1 and 366");
            }
        }
        ctx.json(vault.getUsageAnalytics(orgId, provider, days));
    }

    private static String knownProvider(Context ctx) {
        String provider = ctx.pathParam("provider");
        if (Providers.find(provider).isEmpty()) {
            throw ApiException.badRequest("unknown_provider", "Unknown provider (supported: " + String.join(", ", Providers.ids()) + ")");
        }
        return provider;
    }

    /** The credential fields: the body object itself, or its {@code credentials} member. Values are never echoed. */
    private Map<String, String> fields(Context ctx) {
        JsonNode body = bodies.read(ctx, JsonNode.class);
        if (!body.isObject()) {
            throw ApiException.badRequest("invalid_json", "Request body must be a JSON object of credential fields");
        }
        if (body.size() == 1 && body.has("credentials") && body.get("credentials").isObject()) {
            body = body.get("credentials");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                problems.add("field '" + Provider.safeName(e.getKey()) + "' must be a string");
            } else {
                fields.put(e.getKey(), e.getValue().textValue());
            }
        }
        if (!problems.isEmpty()) {
            throw ApiException.validation("Invalid credentials", problems);
        }
        return fields;
    }

    private static ApiException refusal(VaultResult<?> result) {
        return switch (result) {
            case VaultResult.Invalid<?> inv -> ApiException.validation("Invalid credentials", inv.problems());
            case VaultResult.NotFound<?> nf -> ApiException.notFound("Credential not found");
            case VaultResult.Revoked<?> r -> ApiException.gone("Credential was revoked");
            case VaultResult.IntegrityFailure<?> f -> new ApiException(500, "decryption_failed",
                    "Stored credential failed its integrity check and was not revealed");
            case VaultResult.Ok<?> ok -> new ApiException(500, "internal_error", "Internal error");
        };
    }

    private static Caller caller(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        Principal p = rc.requirePrincipal();
        return new Caller(Optional.of(p.subject()), p.kind() == Principal.Kind.USER
                ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SERVICE_ACCOUNT,
                Optional.ofNullable(rc.clientIp()), rc.userAgent(), Optional.of(rc.requestId()));
    }

    private Map<String, Object> view(CredentialMetadata m) {
        Instant now = clock.instant();
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("provider", m.provider());
        v.put("key_name", m.keyName());
        v.put("version", m.version());
        v.put("status", m.status().wire());
        v.put("created_at", m.createdAt().toString());
        m.createdBy().ifPresent(id -> v.put("created_by", id.toString()));
        v.put("rotated_at", m.rotatedAt().toString());
        m.rotatedBy().ifPresent(id -> v.put("rotated_by", id.toString()));
        m.lastUsedAt().ifPresent(t -> v.put("last_used_at", t.toString()));
        m.lastUsedBy().ifPresent(id -> v.put("last_used_by", id.toString()));
        v.put("access_count", m.accessCount());
        m.revokedAt().ifPresent(t -> v.put("revoked_at", t.toString()));
        v.put("rotation_due_at", m.rotationDueAt().toString());
        v.put("rotation_due", m.rotationDue(now));
        return v;
    }
}
