package com.liftos.security.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.subject.DataSubject;
import com.liftos.security.subject.PersonalData;
import com.liftos.security.subject.PersonalDataContract;
import org.junit.jupiter.api.Test;

/** The consent records pass the {@link PersonalDataContract}; the latest record per purpose decides. */
class ConsentsContractTest extends PersonalDataContract {
    private Consents consents;

    @Override
    protected PersonalData share() {
        if (consents == null) {
            consents = new Consents(db, json);
        }
        return consents;
    }

    @Override
    protected void seed(DataSubject s, String ip) {
        share();
        db.tx(c -> {
            consents.record(c, s, "marketing_analytics", true, "v1", now);
            consents.record(c, s, "marketing_analytics", false, "v2", now.plusSeconds(1));
            return null;
        });
    }

    @Override
    protected long personalRows(DataSubject s, String ip) {
        return count("SELECT count(*) FROM privacy_consents WHERE user_id = ?", s.userId());
    }

    @Test
    void theLatestRecordDecidesAndTheHistoryKeepsEveryOne() {
        share();
        assertThat(consents.granted(subject.userId(), "marketing_analytics")).isFalse();
        db.tx(c -> {
            consents.record(c, subject, "marketing_analytics", true, "v3", now.plusSeconds(2));
            return null;
        });
        assertThat(consents.granted(subject.userId(), "marketing_analytics")).isTrue();
        assertThat(consents.granted(other.userId(), "marketing_analytics")).isFalse();
        assertThat(consents.history(subject.userId()).size()).isEqualTo(3);
    }
}
