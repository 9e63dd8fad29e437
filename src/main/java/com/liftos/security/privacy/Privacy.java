package com.liftos.security.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.org.Organizations;
import com.liftos.security.store.Db;
import com.liftos.security.subject.DataSubject;
import com.liftos.security.subject.DataSubjects;
import com.liftos.security.subject.PersonalData;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * GDPR data-subject rights: export (portability), erasure ({@link Erasure}), consent records and the
 * processing-lawfulness check. Each feature exports and erases its own share of a subject's data
 * ({@link PersonalData}); this class only orchestrates, in one transaction, and audits every activity
 * (DATA_EXPORT, DATA_ERASURE, DATA_PROCESSING).
 */
public final class Privacy {
    private static final Pattern TEXT_VERSION = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final Db db;
    private final AuditLog audit;
    private final DataSubjects accounts;
    private final Consents consents;
    /** Every share but the account's, in export order. */
    private final List<PersonalData> shares;
    private final Erasure erasure;
    private final Clock clock;

    /**
     * @param accounts the feature holding the accounts (exported first, erased last)
     * @param features the other features' shares of a subject's data, in export order
     */
    public Privacy(Db db, AuditLog audit, Organizations orgs, DataSubjects accounts, List<PersonalData> features,
                   ErasureLevers levers, ObjectMapper json, Clock clock) {
        this.db = db;
        this.audit = audit;
        this.accounts = accounts;
        this.consents = new Consents(db, json);
        List<PersonalData> all = new ArrayList<>();
        all.add(consents);
        all.addAll(features);
        this.shares = List.copyOf(all);
        this.erasure = new Erasure(db, audit, orgs, accounts, shares, levers, clock);
        this.clock = clock;
    }

    /** The user {@code userId} of {@code orgId}, if there is one: every right below is about such a subject. */
    public Optional<DataSubject> subject(UUID orgId, UUID userId) {
        return accounts.find(orgId, userId);
    }

    public Erasure erasure() {
        return erasure;
    }

    /**
     * The data-portability document of one subject, every feature's share of it, never a secret or hash; recorded
     * as DATA_EXPORT with the categories it holds and, since every category of one person's data is read at once, as
     * the seed's BULK_DATA_ACCESS with the item count per category.
     */
    public Map<String, Object> export(DataSubject subject, Requester by) {
        Map<String, Object> doc = db.run(c -> {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("format", "liftos-gdpr-export/1");
            d.put("exported_at", clock.instant().toString());
            d.putAll(accounts.export(c, subject));
            for (PersonalData share : shares) {
                d.putAll(share.export(c, subject));
            }
            return d;
        });
        Map<String, Integer> items = new LinkedHashMap<>();
        doc.forEach((category, value) -> {
            if (value instanceof JsonNode n && n.isArray()) {
                items.put(category, n.size());
            }
        });
        audit.recordAll(List.of(
                by.event(SecurityEventType.DATA_EXPORT, "gdpr_export", subject.orgId(), subject.userId())
                        .detail("categories", List.copyOf(doc.keySet())).build(clock.instant()),
                by.event(SecurityEventType.BULK_DATA_ACCESS, "gdpr_export", subject.orgId(), subject.userId())
                        .detail("categories", List.copyOf(doc.keySet())).detail("items", items).build(clock.instant())));
        return doc;
    }

    /** Every consent record of the subject (oldest first), and the latest one per purpose. */
    public record ConsentHistory(JsonNode history, Map<String, JsonNode> current) {}

    public ConsentHistory consents(DataSubject subject) {
        JsonNode history = consents.history(subject.userId());
        Map<String, JsonNode> current = new TreeMap<>();
        for (JsonNode row : history) {
            current.put(row.path("purpose").asText(), row);
        }
        return new ConsentHistory(history, current);
    }

    /** A grant or withdrawal as asked for; every part is checked. */
    public record ConsentChoice(Optional<String> purpose, Optional<Boolean> granted, Optional<String> textVersion) {}

    public sealed interface ConsentOutcome {
        record Recorded(String purpose, boolean granted, String textVersion, Instant recordedAt) implements ConsentOutcome {}

        /** Every problem with the choice, one line each. */
        record Invalid(List<String> problems) implements ConsentOutcome {}
    }

    /** Records a consent for a consent-based purpose, with the version of the text the subject saw; audited. */
    public ConsentOutcome recordConsent(DataSubject subject, ConsentChoice choice, Requester by) {
        List<String> problems = new ArrayList<>();
        Optional<LawfulBasis> basis = choice.purpose().flatMap(ProcessingPurposes::basis);
        if (basis.isEmpty()) {
            problems.add("purpose must be one of " + String.join(", ", ProcessingPurposes.REGISTRY.keySet()));
        } else if (basis.get() != LawfulBasis.CONSENT) {
            problems.add("purpose rests on " + basis.get().wire() + ", not on consent");
        }
        if (choice.granted().isEmpty()) {
            problems.add("granted (true or false) is required");
        }
        if (choice.textVersion().filter(v -> TEXT_VERSION.matcher(v).matches()).isEmpty()) {
            problems.add("text_version is required: 1-64 letters, digits, '.', '_' or '-'");
        }
        if (!problems.isEmpty()) {
            return new ConsentOutcome.Invalid(problems);
        }
        String purpose = choice.purpose().orElseThrow();
        boolean granted = choice.granted().orElseThrow();
        String textVersion = choice.textVersion().orElseThrow();
        Instant now = clock.instant();
        db.tx(c -> {
            consents.record(c, subject, purpose, granted, textVersion, now);
            audit.record(c, by.event(SecurityEventType.DATA_PROCESSING, granted ? "consent_granted" : "consent_withdrawn",
                    subject.orgId(), subject.userId()).detail("purpose", purpose).detail("text_version", textVersion).build(now));
            return null;
        });
        return new ConsentOutcome.Recorded(purpose, granted, textVersion, now);
    }

    public sealed interface ProcessingOutcome {
        /** {@code activity} as recorded: letters, digits, '.', '_', '-', at most 64. */
        record Allowed(String purpose, LawfulBasis basis, String activity) implements ProcessingOutcome {}

        record ConsentRequired(String purpose) implements ProcessingOutcome {}

        record UnknownPurpose() implements ProcessingOutcome {}
    }

    /**
     * The guide's {@code process_user_data}: refused for a consent-based purpose without current consent; every
     * decision on a known purpose is recorded (DATA_PROCESSING).
     */
    public ProcessingOutcome process(DataSubject subject, Optional<String> purpose, Optional<String> activity, Requester by) {
        Optional<LawfulBasis> basis = purpose.flatMap(ProcessingPurposes::basis);
        if (basis.isEmpty()) {
            return new ProcessingOutcome.UnknownPurpose();
        }
        String p = purpose.orElseThrow();
        String recorded = activity.map(a -> a.replaceAll("[^A-Za-z0-9._-]", "")).orElse("unspecified");
        if (recorded.length() > 64) {
            recorded = recorded.substring(0, 64);
        }
        boolean allowed = basis.get() != LawfulBasis.CONSENT || consents.granted(subject.userId(), p);
        audit.record(by.event(SecurityEventType.DATA_PROCESSING, "process_user_data", subject.orgId(), subject.userId())
                .success(allowed).detail("purpose", p).detail("lawful_basis", basis.get().wire())
                .detail("activity", recorded).detail("allowed", allowed).build(clock.instant()));
        return allowed ? new ProcessingOutcome.Allowed(p, basis.get(), recorded) : new ProcessingOutcome.ConsentRequired(p);
    }
}
