package com.liftos.security.compliance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.audit.Audit;
import com.liftos.security.auth.user.UserDirectory;
import com.liftos.security.http.Route;
import com.liftos.security.org.Organizations;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The compliance feature: what auditors and admins read out of the audit trail. Search, grouped counts, streamed
 * export and chain verification of an organization's records ({@link AuditRoutes}), and the SOC 2 evidence report
 * ({@link ComplianceRoutes}). It writes nothing but the DATA_EXPORT event of an export; the records, their counts
 * and their verification are the {@code audit} feature's.
 */
public final class Compliance {
    private Compliance() {
    }

    /**
     * The audit and compliance routes.
     *
     * @param evidence     the MFA and credential-rotation figures, from the features that own them
     * @param requireHttps whether the service refuses plain HTTP (reported under CC6.7)
     */
    public static List<Route> routes(Audit audit, UserDirectory users, Organizations orgs, ComplianceEvidence evidence,
                                     ObjectMapper json, Clock clock, boolean requireHttps) {
        List<Route> routes = new ArrayList<>(new AuditRoutes(audit.query(), new AuditExport(audit.query(), json),
                audit.verifier(), audit.log(), clock).routes());
        routes.addAll(new AuditIngestRoutes(audit.ingestion(), json).routes());
        routes.addAll(new ComplianceRoutes(new ComplianceReport(users, orgs, audit.counts(), audit.maintenance(),
                audit.verifier(), evidence, clock, requireHttps, audit.alertWebhookCount())).routes());
        return routes;
    }
}
