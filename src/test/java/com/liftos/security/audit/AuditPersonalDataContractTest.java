package com.liftos.security.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.subject.DataSubject;
import com.liftos.security.subject.PersonalData;
import com.liftos.security.subject.PersonalDataContract;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The audit trail's share passes the {@link PersonalDataContract}: the records about a subject are exported, and
 * erasure pseudonymizes them in place, so the chain still verifies.
 */
class AuditPersonalDataContractTest extends PersonalDataContract {
    private AuditLog log;
    private AuditMaintenance maintenance;
    private ChainVerifier verifier;

    @Override
    protected PersonalData share() {
        if (maintenance == null) {
            byte[] raw = new byte[32];
            new SecureRandom().nextBytes(raw);
            AuditKey key = AuditKey.of(raw);
            log = new JdbcAuditLog(db, json, e -> { });
            maintenance = new AuditMaintenance(db, key, log, Clock.systemUTC());
            verifier = new ChainVerifier(db, Optional.of(key));
        }
        return new AuditPersonalData(maintenance, json);
    }

    @Override
    protected void seed(DataSubject s, String ip) {
        share();
        log.record(SecurityEvent.builder(SecurityEventType.LOGIN_SUCCESS, "user_login").org(s.orgId())
                .actor(s.userId(), SecurityEvent.ActorType.USER).clientIp(ip).userAgent("Browser/1").requestId("r1")
                .detail("email", s.email()).build(now));
        log.record(SecurityEvent.builder(SecurityEventType.ROLE_ASSIGNED, "assign_role").org(s.orgId())
                .actor(java.util.UUID.randomUUID(), SecurityEvent.ActorType.USER).resource("user:" + s.userId())
                .clientIp(ip).detail("role", "viewer").build(now));
    }

    @Override
    protected long personalRows(DataSubject s, String ip) {
        return count("""
                SELECT count(*) FROM audit_events WHERE (actor_id = ? OR resource = ? OR client_ip = ?)
                  AND (client_ip IS NOT NULL OR user_agent IS NOT NULL OR personal_text IS NOT NULL)""",
                s.userId(), "user:" + s.userId(), ip);
    }

    @Override
    protected List<String> secrets() {
        return List.of("personal_salt", "personal_digest");
    }

    @Test
    void theExportHoldsTheRecordsAboutTheSubject() throws Exception {
        String doc = json.writeValueAsString(db.run(c -> share().export(c, subject)));
        assertThat(doc).contains("LOGIN_SUCCESS", "ROLE_ASSIGNED", address);
        java.util.Set<String> addresses = db.run(c -> share().addresses(c, subject));
        assertThat(addresses).containsExactly(address);
    }

    @Test
    void pseudonymizedRecordsStayInAVerifiableChain() {
        long records = count("SELECT count(*) FROM audit_events WHERE actor_id = ? OR resource = ?", subject.userId(),
                "user:" + subject.userId());
        List<PersonalData.Erased> erased = db.tx(c -> share().erase(c, subject, java.util.Set.of(address)));
        assertThat(erased).containsExactly(new PersonalData.Erased.Pseudonymized("audit_records", (int) records));
        assertThat(count("SELECT count(*) FROM audit_events WHERE actor_id = ? OR resource = ?", subject.userId(),
                "user:" + subject.userId())).isEqualTo(records);
        assertThat(verifier.verify(subject.orgId()).intact()).isTrue();
    }

    @Test
    void anOrganizationsErasurePseudonymizesTheChainThatOutlivesIt() {
        db.tx(c -> share().eraseBeyondOrganization(c, subject));
        assertThat(personalRows(subject, address)).isZero();
    }
}
