package com.liftos.security.mfa;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.subject.DataSubject;
import com.liftos.security.subject.PersonalData;
import com.liftos.security.subject.PersonalDataContract;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MFA's share passes the {@link PersonalDataContract}: which factors are on leaves, never a secret or a phone number. */
class MfaPersonalDataContractTest extends PersonalDataContract {
    static final String PHONE = "+15550001234";

    @Override
    protected PersonalData share() {
        return new MfaPersonalData(json);
    }

    @Override
    protected void seed(DataSubject s, String ip) {
        sql("""
                INSERT INTO mfa_methods (user_id, org_id, method, status, sealed_secret, created_at, enabled_at)
                VALUES (?, ?, 'totp', 'active', '\\x5345414c4544'::bytea, ?, ?)""", s.userId(), s.orgId(), now, now);
        sql("""
                INSERT INTO mfa_methods (user_id, org_id, method, status, phone_number, created_at)
                VALUES (?, ?, 'sms', 'pending', ?, ?)""", s.userId(), s.orgId(), PHONE, now);
        sql("INSERT INTO mfa_recovery_codes (user_id, code_hash, created_at) VALUES (?, '\\x01'::bytea, ?)", s.userId(), now);
        sql("INSERT INTO mfa_failures (user_id, failed_at) VALUES (?, ?)", s.userId(), now);
        sql("INSERT INTO mfa_otp_sends (user_id, channel, sent_at) VALUES (?, 'sms', ?)", s.userId(), now);
        sql("""
                INSERT INTO mfa_passkeys (id, user_id, org_id, credential_id, attested_data, sign_count, uv_initialized,
                    backup_eligible, backup_state, aaguid, name, created_at)
                VALUES (gen_random_uuid(), ?, ?, '\\x43524544494430'::bytea || uuid_send(?::uuid), '\\x434f53454b4559'::bytea, 3, true,
                    false, false, '00000000-0000-0000-0000-000000000000', 'Work key', ?)""", s.userId(), s.orgId(), s.userId(), now);
        sql("""
                INSERT INTO mfa_passkey_challenges (challenge_hash, purpose, user_id, expires_at)
                VALUES ('\\x4348414c4c454e4745'::bytea || uuid_send(?::uuid), 'register', ?, ?)""", s.userId(), s.userId(), now);
    }

    @Override
    protected long personalRows(DataSubject s, String ip) {
        long n = 0;
        for (String table : List.of("mfa_methods", "mfa_recovery_codes", "mfa_failures", "mfa_otp_sends", "mfa_otp_codes",
                "mfa_login_challenges", "mfa_passkeys", "mfa_passkey_challenges")) {
            n += count("SELECT count(*) FROM " + table + " WHERE user_id = ?", s.userId());
        }
        return n;
    }

    @Override
    protected List<String> secrets() {
        // the passkey's credential id and key (hex and base64), the challenge hash
        return List.of(PHONE, "5345414c4544", "SEALED", "43524544494430", "434f53454b4559", "CREDID0", "COSEKEY",
                "Q1JFRElEMA", "Q09TRUtFWQ", "4348414c4c454e4745");
    }

    @Test
    void theExportSaysWhichFactorsAreOn() throws Exception {
        var doc = json.valueToTree(db.run(c -> share().export(c, subject)));
        assertThat(doc.at("/mfa/enabled").asBoolean()).isTrue();
        assertThat(doc.at("/mfa/methods").size()).isEqualTo(2);
        assertThat(doc.at("/mfa/passkeys/0/name").asText()).isEqualTo("Work key");
    }
}
