package com.liftos.security.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.subject.DataSubject;
import com.liftos.security.subject.PersonalData;
import com.liftos.security.subject.PersonalDataContract;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The vault's share passes the {@link PersonalDataContract}: the credentials a subject created are exported (never a
 * secret); erasure keeps them, as the organization's, with the creator's id as a pseudonym.
 */
class VaultPersonalDataContractTest extends PersonalDataContract {

    @Override
    protected PersonalData share() {
        return new VaultPersonalData(json);
    }

    @Override
    protected void seed(DataSubject s, String ip) {
        sql("""
                INSERT INTO vault_credentials (id, org_id, provider, key_name, version, status, created_at, created_by, rotated_at)
                VALUES (?, ?, 'shopify', ?, 1, 'active', ?, ?, ?)""", UUID.randomUUID(), s.orgId(), "key-" + s.userId(), now,
                s.userId(), now);
    }

    @Override
    protected long personalRows(DataSubject s, String ip) {
        return 0;
    }

    @Override
    protected boolean holdsPersonalData() {
        return false;
    }

    @Test
    void theExportListsTheCredentialsTheSubjectCreated() throws Exception {
        var doc = json.valueToTree(db.run(c -> share().export(c, subject)));
        assertThat(doc.at("/credentials_created/0/key_name").asText()).isEqualTo("key-" + subject.userId());
        assertThat(doc.get("credentials_created").size()).isEqualTo(1);
    }

    @Test
    void erasureKeepsTheOrganizationsCredentials() {
        db.tx(c -> share().erase(c, subject, java.util.Set.of(address)));
        assertThat(count("SELECT count(*) FROM vault_credentials WHERE created_by = ?", subject.userId())).isEqualTo(1);
    }
}
