package com.liftos.security.compliance;

import com.liftos.security.audit.AuditFilter;
import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.AuditQuery;
import com.liftos.security.audit.ChainStatus;
import com.liftos.security.audit.ChainVerifier;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.RequestContext;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.http.RouteDoc.Param;
import com.liftos.security.identity.Principal;
import io.javalin.http.Context;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The audit API: search ({@code view:audit_logs}), grouped counts, streamed export ({@code export:data} and
 * {@code view:audit_logs}, recorded as DATA_EXPORT and BULK_DATA_ACCESS) and chain verification.
 *
 * <p>Filters (query parameters, all optional): {@code type} (comma-separated event types, e.g.
 * {@code login_failure}), {@code actor} (UUID), {@code success} (true/false), {@code since} / {@code until}
 * (ISO-8601 instant, or a look-back such as {@code 24h}, {@code 7d}, {@code 30m}), {@code min_risk} (0..1 or
 * low/medium/high/critical), {@code provider}. Search pages with {@code limit} (1..1000, default 100) and
 * {@code cursor} (the {@code next_cursor} of the previous page).
 */
final class AuditRoutes {
    private static final Pattern LOOK_BACK = Pattern.compile("(\\d{1,6})([mhd])");
    private static final Pattern PROVIDER = Pattern.compile("[a-z0-9_]{1,40}");

    private final AuditQuery query;
    private final AuditExport exports;
    private final ChainVerifier verifier;
    private final AuditLog audit;
    private final Clock clock;

    AuditRoutes(AuditQuery query, AuditExport exports, ChainVerifier verifier, AuditLog audit, Clock clock) {
        this.query = query;
        this.exports = exports;
        this.verifier = verifier;
        this.audit = audit;
        this.clock = clock;
    }

    public List<Route> routes() {
        Param[] filters = {
                Param.string("type", "Comma-separated event types, e.g. `login_failure,account_locked`"),
                Param.uuid("actor", "The user or service account that acted"),
                Param.bool("success", "Only successes (true) or failures (false)"),
                Param.string("since", "From: an ISO-8601 instant, or a look-back such as `30m`, `24h`, `7d`"),
                Param.string("until", "To: an ISO-8601 instant, or a look-back"),
                Param.string("min_risk", "Lowest risk: a number in [0,1], or low, medium, high, critical"),
                Param.pattern("provider", "Events about this provider's credentials", "^[a-z0-9_]{1,40}$")};
        return List.of(
                Route.get(Route.ORG_PREFIX + "/audit", Access.require("view:audit_logs"), this::search)
                        .doc(RouteDoc.of("Search the organization's audit trail").details("Newest first.").query(filters)
                                .query(Param.integer("limit", "Events per page", 1, 1000, 100),
                                        Param.pattern("cursor", "The `next_cursor` of the previous page", "^[0-9]{1,18}$"))
                                .ok("AuditPage").errors(400, "invalid_cursor")),
                Route.get(Route.ORG_PREFIX + "/audit/summary", Access.require("view:audit_logs"), this::summary)
                        .doc(RouteDoc.of("Counts of matching audit events by group, largest first").query(filters)
                                .query(Param.oneOf("group_by", "What to count by (default type)", "type", "provider", "actor",
                                        "success", "risk_level", "action"))
                                .ok("AuditSummary")),
                Route.get(Route.ORG_PREFIX + "/audit/export", Access.require("export:data", "view:audit_logs")
                        .rateCategory(Access.RateCategory.SENSITIVE).maxRisk(0.3), this::export)
                        .doc(RouteDoc.of("Export every matching audit event, streamed")
                                .details("Oldest first. Audited as DATA_EXPORT and BULK_DATA_ACCESS before the first byte.")
                                .query(filters).query(Param.oneOf("format", "csv (default) or jsonl", "csv", "jsonl", "ndjson"))
                                .reply(200, "CSV", "text/csv").reply(200, "One JSON event per line", "application/x-ndjson")),
                Route.post(Route.ORG_PREFIX + "/audit/verify", Access.require("view:audit_logs")
                        .rateCategory(Access.RateCategory.SENSITIVE), this::verify)
                        .doc(RouteDoc.of("Verify the organization's audit hash chain")
                                .details("`intact`, or the first modified, deleted, inserted or reordered record.")
                                .ok("ChainVerification")));
    }

    private void search(Context ctx) {
        UUID org = CoreGuards.pathUuid(ctx, "orgId");
        AuditFilter filter = filter(ctx);
        int limit = intParam(ctx, "limit", 100, 1, 1000);
        Optional<Long> cursor = Optional.ofNullable(ctx.queryParam("cursor")).map(c -> {
            if (!c.matches("\\d{1,18}")) {
                throw ApiException.badRequest("invalid_cursor", "cursor must be the next_cursor of a previous page");
            }
            return Long.parseLong(c);
        });
        AuditQuery.Page page = query.search(org, filter, cursor, limit);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("events", page.events());
        body.put("next_cursor", page.nextCursor().map(String::valueOf).orElse(null));
        ctx.json(body);
    }

    private void summary(Context ctx) {
        UUID org = CoreGuards.pathUuid(ctx, "orgId");
        AuditFilter filter = filter(ctx);
        String by = Optional.ofNullable(ctx.queryParam("group_by")).orElse("type");
        AuditQuery.GroupBy groupBy = Arrays.stream(AuditQuery.GroupBy.values())
                .filter(g -> g.wire().equals(by)).findFirst()
                .orElseThrow(() -> ApiException.badRequest("invalid_parameter",
                        "group_by must be one of type, provider, actor, success, risk_level, action"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("group_by", groupBy.wire());
        body.put("filters", filter.describe());
        body.put("groups", query.summarize(org, filter, groupBy));
        ctx.json(body);
    }

    private void export(Context ctx) {
        UUID org = CoreGuards.pathUuid(ctx, "orgId");
        AuditFilter filter = filter(ctx);
        String f = Optional.ofNullable(ctx.queryParam("format")).orElse("csv");
        AuditExport.Format format = switch (f) {
            case "csv" -> AuditExport.Format.CSV;
            case "jsonl", "ndjson" -> AuditExport.Format.JSONL;
            default -> throw ApiException.badRequest("invalid_parameter", "format must be csv or jsonl");
        };
        RequestContext rc = RequestContext.of(ctx);
        Principal p = rc.requirePrincipal();
        // Recorded (durably) before the first byte leaves: an export can fail half-way, never go unaudited. A whole
        // log read at once is also the seed's BULK_DATA_ACCESS.
        audit.recordAll(java.util.stream.Stream.of(SecurityEventType.DATA_EXPORT, SecurityEventType.BULK_DATA_ACCESS)
                .map(type -> SecurityEvent.builder(type, "audit_export").org(org)
                        .actor(p.subject(), actorType(p)).resource("audit_log").clientIp(rc.clientIp())
                        .userAgent(rc.userAgent().orElse(null)).requestId(rc.requestId())
                        .detail("format", format.wire()).detail("filters", filter.describe())
                        .risk(0.4).build(clock.instant())).toList());
        ctx.status(200);
        ctx.contentType(format == AuditExport.Format.CSV ? "text/csv; charset=utf-8" : "application/x-ndjson");
        ctx.header("Content-Disposition", "attachment; filename=\"audit-" + org + "." + format.wire() + "\"");
        try {
            OutputStream out = new BufferedOutputStream(ctx.res().getOutputStream(), 64 * 1024);
            exports.export(org, filter, format, out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("client went away during export", e);
        }
    }

    private void verify(Context ctx) {
        UUID org = CoreGuards.pathUuid(ctx, "orgId");
        ctx.json(describe(verifier.verify(org)));
    }

    /** The wire form of a verification result (also used by the compliance report). */
    public static Map<String, Object> describe(ChainStatus status) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("chain", status.systemChain() ? "system" : status.chain().toString());
        body.put("status", status.intact() ? "intact" : "tampered");
        body.put("records_checked", status.recordsChecked());
        switch (status) {
            case ChainStatus.Intact i -> {
                body.put("anchor_seq", i.anchorSeq());
                body.put("head_seq", i.headSeq());
                body.put("checkpoints_verified", i.checkpointsVerified());
                body.put("last_checkpoint_seq", i.lastCheckpointSeq());
                body.put("pseudonymized_records", i.pseudonymizedRecords());
            }
            case ChainStatus.Tampered t -> {
                Map<String, Object> problem = new LinkedHashMap<>();
                problem.put("kind", t.problem().wire());
                problem.put("seq", t.seq());
                problem.put("event_id", t.eventId().map(UUID::toString).orElse(null));
                problem.put("message", t.message());
                body.put("first_problem", problem);
            }
        }
        return body;
    }

    static SecurityEvent.ActorType actorType(Principal p) {
        return p.kind() == Principal.Kind.USER ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SERVICE_ACCOUNT;
    }

    AuditFilter filter(Context ctx) {
        Set<SecurityEventType> types = Optional.ofNullable(ctx.queryParam("type")).map(t -> Arrays.stream(t.split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).map(AuditRoutes::type).collect(Collectors.toSet())).orElse(Set.of());
        Optional<UUID> actor = Optional.ofNullable(ctx.queryParam("actor")).map(a -> {
            try {
                return UUID.fromString(a);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("invalid_parameter", "actor must be a user or service account id (UUID)");
            }
        });
        Optional<Boolean> success = Optional.ofNullable(ctx.queryParam("success")).map(s -> switch (s) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ApiException.badRequest("invalid_parameter", "success must be true or false");
        });
        Optional<Instant> since = Optional.ofNullable(ctx.queryParam("since")).map(s -> time("since", s));
        Optional<Instant> until = Optional.ofNullable(ctx.queryParam("until")).map(s -> time("until", s));
        Optional<Double> minRisk = Optional.ofNullable(ctx.queryParam("min_risk")).map(AuditRoutes::risk);
        Optional<String> provider = Optional.ofNullable(ctx.queryParam("provider")).map(p -> {
            if (!PROVIDER.matcher(p).matches()) {
                throw ApiException.badRequest("invalid_parameter", "provider must be a provider id such as meta or stripe");
            }
            return p;
        });
        return new AuditFilter(types, actor, success, since, until, minRisk, provider);
    }

    private static SecurityEventType type(String name) {
        return Arrays.stream(SecurityEventType.values()).filter(t -> t.wire().equals(name)).findFirst()
                .orElseThrow(() -> ApiException.badRequest("invalid_parameter", "type must be event types such as login_failure (see the documentation)"));
    }

    private Instant time(String name, String value) {
        var m = LOOK_BACK.matcher(value);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return clock.instant().minus(d);
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("invalid_parameter", name + " must be an ISO-8601 instant (2026-01-31T00:00:00Z) or a look-back like 24h or 7d");
        }
    }

    private static double risk(String value) {
        return switch (value) {
            case "low" -> 0.0;
            case "medium" -> 0.3;
            case "high" -> 0.6;
            case "critical" -> 0.8;
            default -> {
                try {
                    double d = Double.parseDouble(value);
                    if (d >= 0 && d <= 1) {
                        yield d;
                    }
                } catch (NumberFormatException e) {
                    // fall through to the error below
                }
                throw ApiException.badRequest("invalid_parameter", "min_risk must be a number in [0,1] or low, medium, high, critical");
            }
        };
    }

    private static int intParam(Context ctx, String name, int def, int min, int max) {
        String v = ctx.queryParam(name);
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.badRequest("invalid_parameter", name + " must be a whole number between " + min + " and " + max);
    }
}
