package com.liftos.security.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.identity.Principal;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
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
        return List.of(
                Route.put(BASE + "/{provider}", write, ctx -> store(ctx, Vault.DEFAULT_KEY_NAME)),
                Route.put(ONE, write, ctx -> store(ctx, ctx.pathParam("keyName"))),
                Route.get(BASE, read, this::list),
                Route.get(BASE + "/analytics", read, this::analytics),
                Route.get(ONE, read, this::metadata),
                // Elevated risk (>= the step-up threshold) needs a recent MFA; very high risk is refused outright.
                Route.get(ONE + "/secret", Access.require("reveal:credentials").rateCategory(Access.RateCategory.SENSITIVE)
                        .maxRisk(0.6).requireStepUpMfa(), this::reveal),
                Route.post(ONE + "/rotate", write, this::rotate),
                Route.delete(ONE, Access.require("delete:connections"), this::revoke));
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
