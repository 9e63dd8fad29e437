package com.liftos.security.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.config.Config;
import com.liftos.security.org.Organizations;
import com.liftos.security.store.Db;
import com.liftos.security.store.Purge;
import com.liftos.security.subject.PersonalData;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit feature's entry point: the durable, hash-chained {@link AuditLog} every feature writes to, the seed's
 * {@link AuditTrail} API, reads and counts of stored records, verification, maintenance (signed checkpoints,
 * retention purge, pseudonymization), the audit share of a data subject's data, and the background jobs
 * (checkpoints every {@code LIFTOS_AUDIT_CHECKPOINT_SECONDS}, retention purge every 6 hours, alert delivery every
 * second). Search, export and reports over the records are the {@code compliance} feature's.
 */
public final class Audit implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Audit.class);

    private final AuditLog log;
    private final AutoCloseable writer;
    private final AuditTrail trail;
    private final ChainVerifier verifier;
    private final AuditMaintenance maintenance;
    private final AuditQuery query;
    private final AuditEventCounts counts;
    private final AuditIngestion ingestion;
    private final AuditPersonalData personalData;
    private final Optional<AlertWebhooks> alerts;
    private final ScheduledExecutorService jobs;

    private Audit(Db db, ObjectMapper json, Clock clock, SecureRandom random, Config config, AuditKey key, EventFanout events,
                  MeterRegistry metrics, Organizations orgs) {
        Config.Audit settings = config.audit();
        this.query = new AuditQuery(db, json);
        this.counts = AuditEventCounts.stored(db);
        this.alerts = settings.alertWebhookUrls().isEmpty() ? Optional.empty()
                : Optional.of(new AlertWebhooks(db, query, json, clock, settings.alertWebhookUrls(),
                        bytes(settings.alertWebhookSecret().orElseThrow()), Duration.ofMillis(settings.alertRetryBaseMillis())));
        events.add(new AuditMetrics(metrics));
        ChainAppender appender = new ChainAppender(random, alerts.map(AlertWebhooks::webhookIds).orElse(List.of()));
        Counter batches = Counter.builder("liftos_audit_commits").description("Audit group-commit transactions").register(metrics);
        GroupCommitAuditLog groupCommit = new GroupCommitAuditLog(db, events, appender, batches::increment);
        this.writer = groupCommit;
        this.log = config.features().auditEnabled() ? groupCommit : new ListenersOnly(events);
        this.trail = new AuditTrail(log, clock);
        this.ingestion = new AuditIngestion(db, appender, clock);
        this.verifier = new ChainVerifier(db, Optional.of(key));
        this.maintenance = new AuditMaintenance(db, key, log, clock);
        this.personalData = new AuditPersonalData(maintenance, json);
        this.jobs = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("audit-jobs").daemon(true).unstarted(r));
        jobs.scheduleWithFixedDelay(() -> quietly("checkpoint", maintenance::checkpoint),
                settings.checkpointSeconds(), settings.checkpointSeconds(), TimeUnit.SECONDS);
        jobs.scheduleWithFixedDelay(() -> quietly("retention purge", () -> maintenance.purgeAll(
                org -> orgs.securityConfig(org).auditRetentionDays(), Duration.ofDays(settings.systemRetentionDays()))),
                5, 360, TimeUnit.MINUTES);
        alerts.ifPresent(a -> jobs.scheduleWithFixedDelay(() -> quietly("alert delivery", a::deliverDue), 1, 1, TimeUnit.SECONDS));
    }

    /** Builds and starts the audit feature; {@code key} signs checkpoints and retention anchors (the instance keyring's). */
    public static Audit start(Db db, ObjectMapper json, Clock clock, SecureRandom random, Config config, AuditKey key,
                              EventFanout events, MeterRegistry metrics, Organizations orgs) {
        return new Audit(db, json, clock, random, config, key, events, metrics, orgs);
    }

    public AuditLog log() {
        return log;
    }

    /** Events written by other services into their organization's chain. */
    public AuditIngestion ingestion() {
        return ingestion;
    }

    /** Retention of the audit feature's tables other than the chains (which purge themselves), for housekeeping. */
    public static List<Purge> purges() {
        return List.of(AuditIngestion.keyPurge());
    }

    public AuditTrail trail() {
        return trail;
    }

    public ChainVerifier verifier() {
        return verifier;
    }

    public AuditMaintenance maintenance() {
        return maintenance;
    }

    public AuditQuery query() {
        return query;
    }

    public AuditEventCounts counts() {
        return counts;
    }

    /** The audit share of a data subject's data (GDPR export and erasure). */
    public PersonalData personalData() {
        return personalData;
    }

    /** How many alert webhooks high and critical events are delivered to. */
    public int alertWebhookCount() {
        return alerts.map(a -> a.webhookIds().size()).orElse(0);
    }

    /** Delivers due alerts now (tests; the background job does this every second). */
    public int deliverAlerts() {
        return alerts.map(AlertWebhooks::deliverDue).orElse(0);
    }

    @Override
    public void close() {
        jobs.shutdownNow();
        try {
            writer.close();
        } catch (Exception e) {
            LOG.warn("audit writer did not stop cleanly: {}", e.getClass().getSimpleName());
        }
    }

    private static void quietly(String job, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            LOG.warn("audit {} failed: {}", job, e.getClass().getSimpleName());
        }
    }

    private static byte[] bytes(char[] secret) {
        ByteBuffer b = StandardCharsets.UTF_8.encode(CharBuffer.wrap(secret));
        byte[] out = Arrays.copyOfRange(b.array(), b.position(), b.limit());
        Arrays.fill(b.array(), (byte) 0);
        return out;
    }

    /** SECURITY_AUDIT_ENABLED=false: events still reach detectors and metrics, but are not stored. */
    private record ListenersOnly(SecurityEventListener listener) implements AuditLog {
        @Override
        public void record(SecurityEvent event) {
            listener.onEvent(event);
        }

        @Override
        public void record(Connection transaction, SecurityEvent event) {
            listener.onEvent(event);
        }
    }
}
