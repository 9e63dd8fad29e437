package com.liftos.security.compliance;

import com.liftos.security.http.Access;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.http.RouteDoc.Param;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code GET /v1/orgs/{orgId}/compliance/report} ({@code view:audit_logs}): JSON, or a printable HTML page with
 * {@code ?format=html} or {@code Accept: text/html}. Every value in the page is HTML-escaped; the only style is an
 * inline block allowed by its hash in the Content-Security-Policy (no script at all).
 */
final class ComplianceRoutes {
    private static final String STYLE = "body{font-family:system-ui,sans-serif;margin:2em;color:#111}"
            + "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #999}"
            + "table{border-collapse:collapse;margin:.3em 0}td,th{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}"
            + ".pass{color:#05620f}.attention{color:#9a3b00}@media print{body{margin:0}}";
    private static final String CSP = "default-src 'none'; style-src '" + sha256(STYLE) + "'; frame-ancestors 'none'; base-uri 'none'";

    private final ComplianceReport report;

    ComplianceRoutes(ComplianceReport report) {
        this.report = report;
    }

    public List<Route> routes() {
        return List.of(Route.get(Route.ORG_PREFIX + "/compliance/report", Access.require("view:audit_logs"), this::report)
                .doc(RouteDoc.of("The SOC 2 evidence report (Common Criteria CC6)")
                        .details("JSON, or a printable page with `format=html` or `Accept: text/html`.")
                        .query(Param.oneOf("format", "html for the printable page", "html", "json"))
                        .ok("ComplianceReport").reply(200, "The printable report", "text/html")));
    }

    private void report(Context ctx) {
        UUID org = CoreGuards.pathUuid(ctx, "orgId");
        Map<String, Object> body = report.build(org);
        String format = ctx.queryParam("format");
        String accept = ctx.header("Accept");
        boolean html = "html".equals(format) || format == null && accept != null && accept.contains("text/html");
        if (html) {
            ctx.header("Content-Security-Policy", CSP);
            ctx.contentType("text/html; charset=utf-8");
            ctx.result(html(body));
        } else {
            ctx.json(body);
        }
    }

    @SuppressWarnings("unchecked")
    static String html(Map<String, Object> report) {
        StringBuilder sb = new StringBuilder(8192);
        sb.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>SOC 2 evidence report</title><style>")
                .append(STYLE).append("</style></head><body>");
        sb.append("<h1>SOC 2 evidence report</h1><table>");
        row(sb, "Organization", report.get("org_id"));
        row(sb, "Framework", report.get("framework"));
        row(sb, "Generated at", report.get("generated_at"));
        Map<String, Object> period = (Map<String, Object>) report.get("period");
        row(sb, "Counting period", period.get("from") + " to " + period.get("to"));
        sb.append("</table>");
        for (Map<String, Object> control : (List<Map<String, Object>>) report.get("controls")) {
            String status = String.valueOf(control.get("status"));
            sb.append("<h2>").append(escape(control.get("id"))).append(" — ").append(escape(control.get("title")))
                    .append(" <span class=\"").append("pass".equals(status) ? "pass" : "attention").append("\">(")
                    .append(escape(status)).append(")</span></h2>");
            sb.append("<p>Implementation: ").append(escape(control.get("implementation"))).append("</p>");
            List<String> findings = (List<String>) control.get("findings");
            if (!findings.isEmpty()) {
                sb.append("<p>Findings:</p><ul>");
                findings.forEach(f -> sb.append("<li>").append(escape(f)).append("</li>"));
                sb.append("</ul>");
            }
            value(sb, control.get("evidence"));
        }
        sb.append("</body></html>");
        return sb.toString();
    }

    private static void row(StringBuilder sb, String label, Object value) {
        sb.append("<tr><th>").append(escape(label)).append("</th><td>");
        value(sb, value);
        sb.append("</td></tr>");
    }

    private static void value(StringBuilder sb, Object value) {
        if (value instanceof Map<?, ?> map) {
            sb.append("<table>");
            map.forEach((k, v) -> row(sb, String.valueOf(k).replace('_', ' '), v));
            sb.append("</table>");
        } else if (value instanceof List<?> list) {
            sb.append(escape(String.join(", ", list.stream().map(String::valueOf).toList())));
        } else {
            sb.append(escape(value));
        }
    }

    /** HTML-escapes text for element content and quoted attributes. */
    static String escape(Object value) {
        String s = String.valueOf(value);
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String sha256(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
