package com.liftos.security.incident;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.subject.DataSubject;
import com.liftos.security.subject.PersonalData;
import com.liftos.security.subject.PersonalDataContract;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Incident response's share passes the {@link PersonalDataContract}: erasure forgets the subject's addresses in
 * incident subjects, timelines and the block list; nothing is exported.
 */
class IncidentPersonalDataContractTest extends PersonalDataContract {

    @Override
    protected PersonalData share() {
        return new IncidentPersonalData();
    }

    @Override
    protected boolean exports() {
        return false;
    }

    @Override
    protected void seed(DataSubject s, String ip) {
        UUID incident = UUID.randomUUID();
        sql("""
                INSERT INTO incidents (id, org_id, type, severity, status, subject, opened_at, respond_by, updated_at, affected_users)
                VALUES (?, ?, 'credential_stuffing', 'high', 'contained', ?, ?, ?, ?, ARRAY[?::uuid])""",
                incident, s.orgId(), "ip:" + ip, now, now.plusSeconds(3600), now, s.userId());
        sql("INSERT INTO incident_timeline (incident_id, at, action, detail) VALUES (?, ?, 'block_ip', ?::jsonb)",
                incident, now, "{\"ip\": \"" + ip + "\", \"minutes\": 60}");
        sql("INSERT INTO blocked_ips (ip, blocked_until, reason, incident_id, created_at) VALUES (?, ?, 'credential_stuffing', ?, ?)",
                ip, now.plusSeconds(3600), incident, now);
    }

    @Override
    protected long personalRows(DataSubject s, String ip) {
        return count("SELECT count(*) FROM incidents WHERE subject = ?", "ip:" + ip)
                + count("SELECT count(*) FROM incident_timeline WHERE strpos(detail::text, ?) > 0", ip)
                + count("SELECT count(*) FROM blocked_ips WHERE ip = ?", ip);
    }

    @Test
    void theIncidentsStayWithTheAddressReplaced() {
        db.tx(c -> share().erase(c, subject, Set.of(address)));
        assertThat(count("SELECT count(*) FROM incidents WHERE subject LIKE 'ip:erased:%' AND org_id = ?", subject.orgId()))
                .isEqualTo(1);
        assertThat(count("SELECT count(*) FROM incident_timeline WHERE detail->>'ip' = 'erased'")).isPositive();
    }
}
