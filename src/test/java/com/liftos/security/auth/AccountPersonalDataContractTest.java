package com.liftos.security.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.subject.DataSubject;
import com.liftos.security.subject.PersonalData;
import com.liftos.security.subject.PersonalDataContract;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The account's share (profile, sessions, devices) passes the {@link PersonalDataContract}, and finds data subjects. */
class AccountPersonalDataContractTest extends PersonalDataContract {
    private AccountPersonalData accounts;

    @Override
    protected PersonalData share() {
        if (accounts == null) {
            accounts = new AccountPersonalData(db, json);
        }
        return accounts;
    }

    @Override
    protected void seed(DataSubject s, String ip) {
        sql("""
                INSERT INTO auth_sessions (id, user_id, org_id, device_fingerprint, client_ip, user_agent, amr, auth_time,
                    created_at, last_seen_at, idle_timeout_seconds, expires_at)
                VALUES (?, ?, ?, 'fp-1', ?, 'Browser/1', '{pwd}', ?, ?, ?, 1800, ?)""",
                UUID.randomUUID(), s.userId(), s.orgId(), ip, now, now, now, now.plusSeconds(3600));
        sql("""
                INSERT INTO known_devices (user_id, fingerprint, first_seen, last_seen, last_ip, user_agent)
                VALUES (?, 'fp-1', ?, ?, ?, 'Browser/1')""", s.userId(), now, now, ip);
    }

    @Override
    protected long personalRows(DataSubject s, String ip) {
        return count("SELECT count(*) FROM users WHERE id = ?", s.userId())
                + count("SELECT count(*) FROM auth_sessions WHERE user_id = ? OR client_ip = ?", s.userId(), ip)
                + count("SELECT count(*) FROM known_devices WHERE user_id = ? OR last_ip = ?", s.userId(), ip);
    }

    @Test
    void theExportHoldsTheProfileRolesSessionsAndDevices() throws Exception {
        String doc = json.writeValueAsString(db.run(c -> share().export(c, subject)));
        assertThat(json.readTree(doc).fieldNames()).toIterable().containsExactly("profile", "roles", "sessions", "devices");
        assertThat(doc).contains(subject.email(), address, "viewer", "Browser/1");
    }

    @Test
    void theAddressesAreThoseOfTheSessionsAndDevices() {
        Set<String> addresses = db.run(c -> share().addresses(c, subject));
        assertThat(addresses).containsExactly(address);
    }

    @Test
    void aSubjectIsFoundOnlyInItsOwnOrganization() {
        share();
        assertThat(accounts.find(subject.orgId(), subject.userId())).contains(subject);
        assertThat(accounts.find(UUID.randomUUID(), subject.userId())).isEmpty();
        Optional<DataSubject> locked = db.tx(c -> accounts.lockForErasure(c, subject.orgId(), subject.userId()));
        assertThat(locked).contains(subject);
        List<DataSubject> members = db.tx(c -> accounts.ofOrganization(c, subject.orgId()));
        assertThat(members).containsExactlyInAnyOrder(subject, other);
    }
}
