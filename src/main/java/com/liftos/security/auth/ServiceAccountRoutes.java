package com.liftos.security.auth;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.oauth.ServiceAccount;
import com.liftos.security.auth.oauth.ServiceAccountPages;
import com.liftos.security.auth.oauth.ServiceAccountView;
import com.liftos.security.auth.oauth.ServiceAccounts;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.ListQuery;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.http.RouteDoc.Param;
import com.liftos.security.identity.Principal;
import com.liftos.security.org.Organizations;
import com.liftos.security.store.Db;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * An organization's service accounts as its administrators see them: a cursor-paged listing ({@link ListQuery}),
 * one account, and the rotation of its client secret with an overlap during which the previous secret still works.
 * Secrets appear only in a rotation's answer, once; never in a listing, a log line or the audit trail.
 */
final class ServiceAccountRoutes {
    private static final String BASE = Route.ORG_PREFIX + "/service-accounts";
    private static final String ONE = BASE + "/{accountId}";
    /** The overlap when the request names none: a day, for deployments to pick up the new secret. */
    static final Duration DEFAULT_OVERLAP = Duration.ofHours(24);
    private static final List<String> STATES = Arrays.stream(ServiceAccount.Status.values()).map(ServiceAccount.Status::wire).toList();

    private final Db db;
    private final ServiceAccounts accounts;
    private final ServiceAccountPages pages;
    private final Organizations orgs;
    private final AuditLog audit;
    private final Clock clock;

    ServiceAccountRoutes(Db db, ServiceAccounts accounts, ServiceAccountPages pages, Organizations orgs, AuditLog audit, Clock clock) {
        this.db = db;
        this.accounts = accounts;
        this.pages = pages;
        this.orgs = orgs;
        this.audit = audit;
        this.clock = clock;
    }

    List<Route> routes() {
        Access admin = Access.require("manage:users");
        return List.of(
                Route.get(BASE, admin, this::list).doc(RouteDoc.of("List the organization's service accounts")
                        .details("Oldest first. Each shows the client secrets that work now (versions and expiry, never a "
                                + "secret) and `last_used_at`, sampled: exact to about a minute.")
                        .query(Param.LIMIT, Param.CURSOR,
                                Param.string("q", "Start of the name, case-insensitive (1-200 characters)"),
                                Param.oneOf("status", "Only accounts in this state", STATES.toArray(String[]::new)))
                        .ok("ServiceAccountPage").errors(400, "invalid_cursor")),
                Route.get(ONE, admin, this::get).doc(RouteDoc.of("One service account")
                        .path(Param.uuid("accountId", "The service account")).ok("ServiceAccountDetail")),
                Route.post(ONE + "/rotate-secret", admin, this::rotate).doc(RouteDoc.of("Rotate a service account's client secret")
                        .details("""
                                Answers the new `client_secret`, shown this once. The previous secret keeps working at \
                                /oauth2/token for `overlap_seconds` (default %d, at most %d; 0 stops it at once); a \
                                previous secret still in its overlap stops now (two secrets at most). Tokens already \
                                issued keep their lifetime. Audited as API_KEY_ROTATED."""
                                .formatted(DEFAULT_OVERLAP.toSeconds(), ServiceAccounts.MAX_OVERLAP.toSeconds()))
                        .path(Param.uuid("accountId", "The service account"))
                        .query(Param.integer("overlap_seconds", "How long the previous secret keeps working",
                                0, (int) ServiceAccounts.MAX_OVERLAP.toSeconds(), (int) DEFAULT_OVERLAP.toSeconds()))
                        .ok("ServiceAccountSecretRotated").errors(409, "service_account_disabled")));
    }

    private void list(Context ctx) {
        ListQuery query = ListQuery.of(ctx, "q", "status");
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        if (orgs.find(orgId).isEmpty()) {
            throw ApiException.notFound("Organization not found");
        }
        ServiceAccountPages.Filter filter = new ServiceAccountPages.Filter(query.text("q", 200),
                query.oneOf("status", STATES).map(s -> DirectoryRoutes.wire(ServiceAccount.Status.values(), ServiceAccount.Status::wire, s)));
        int limit = query.limit();
        Optional<ServiceAccountPages.Key> after = query.cursor(2).map(c -> new ServiceAccountPages.Key(c.instant(0), c.uuid(1)));
        List<ServiceAccountView> rows = pages.page(orgId, filter, after, limit + 1);
        boolean more = rows.size() > limit;
        List<ServiceAccountView> page = more ? rows.subList(0, limit) : rows;
        Optional<String> next = more ? Optional.of(page.get(limit - 1).account())
                .map(a -> ListQuery.cursor(List.of(a.createdAt().toString(), a.id().toString()))) : Optional.empty();
        ctx.json(DirectoryRoutes.page(page.stream().map(ServiceAccountRoutes::body).toList(), next,
                after.isEmpty() ? Optional.of(pages.count(orgId, filter)) : Optional.empty()));
    }

    private void get(Context ctx) {
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        UUID id = CoreGuards.pathUuid(ctx, "accountId");
        ctx.json(body(accounts.view(orgId, id).orElseThrow(() -> ApiException.notFound("Service account not found"))));
    }

    private void rotate(Context ctx) {
        RequestContext rc = RequestContext.of(ctx);
        Principal p = rc.requirePrincipal();
        UUID orgId = CoreGuards.pathUuid(ctx, "orgId");
        UUID id = CoreGuards.pathUuid(ctx, "accountId");
        Duration overlap = overlap(ctx);
        ServiceAccounts.Rotation rotation = db.tx(c -> {
            ServiceAccounts.Rotation r = accounts.rotateSecret(c, orgId, id, overlap);
            if (r instanceof ServiceAccounts.Rotation.Rotated rotated) {
                ServiceAccountView v = rotated.account();
                SecurityEvent.Builder event = SecurityEvent.builder(SecurityEventType.API_KEY_ROTATED, "rotate_client_secret")
                        .org(orgId).actor(p.subject(), DirectoryRoutes.actorType(p)).resource("service_account:" + id)
                        .clientIp(rc.clientIp()).userAgent(rc.userAgent().orElse(null)).requestId(rc.requestId())
                        .detail("client_id", v.account().clientId()).detail("secret_version", v.secrets().get(0).version())
                        .detail("overlap_seconds", overlap.toSeconds()).risk(0.3);
                audit.record(c, event.build(clock.instant()));
            }
            return r;
        });
        switch (rotation) {
            case ServiceAccounts.Rotation.NotFound nf -> throw ApiException.notFound("Service account not found");
            case ServiceAccounts.Rotation.Disabled d -> throw ApiException.conflict("service_account_disabled",
                    "The service account is disabled");
            case ServiceAccounts.Rotation.Rotated r -> {
                accounts.secretRotated(id);
                Map<String, Object> out = body(r.account());
                out.put("client_secret", r.clientSecret());
                ctx.json(out);
            }
        }
    }

    /** {@code overlap_seconds}: a whole number of seconds within 0..{@link ServiceAccounts#MAX_OVERLAP}. */
    private static Duration overlap(Context ctx) {
        List<String> given = ctx.queryParams("overlap_seconds");
        for (String name : ctx.queryParamMap().keySet()) {
            if (!name.equals("overlap_seconds")) {
                throw ApiException.badRequest("invalid_parameter", "Unknown query parameter '"
                        + shown(name) + "' (this route takes overlap_seconds)");
            }
        }
        if (given.isEmpty()) {
            return DEFAULT_OVERLAP;
        }
        String v = given.get(0);
        if (given.size() == 1 && v.matches("\\d{1,7}") && Long.parseLong(v) <= ServiceAccounts.MAX_OVERLAP.toSeconds()) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        throw ApiException.badRequest("invalid_parameter", "overlap_seconds must be a whole number between 0 and "
                + ServiceAccounts.MAX_OVERLAP.toSeconds());
    }

    /** A parameter name as echoed: its first 64 word characters, nothing a log or a terminal could misread. */
    private static String shown(String name) {
        String safe = name.replaceAll("[^A-Za-z0-9_.-]", "?");
        return safe.length() > 64 ? safe.substring(0, 64) : safe;
    }

    static Map<String, Object> body(ServiceAccountView v) {
        Map<String, Object> out = AccountRoutes.serviceAccountBody(v.account());
        out.put("secret_versions", v.secrets().stream().map(s -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", s.version());
            m.put("created_at", s.createdAt().toString());
            m.put("current", s.current());
            s.expiresAt().ifPresent(t -> m.put("expires_at", t.toString()));
            return m;
        }).toList());
        v.lastUsedAt().ifPresent(t -> out.put("last_used_at", t.toString()));
        return out;
    }
}
