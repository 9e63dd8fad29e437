package com.liftos.security.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class VaultConcurrencyTest {

    @Test
    void fiftyConcurrentRotationsOfOneCredentialLoseNothing() throws Exception {
        try (VaultFixture fx = new VaultFixture(20)) {
            Vault vault = fx.open();
            UUID org = fx.newOrg();
            assertThat(vault.storeCredentialsInVault(org, "klaviyo", "default", Map.of("api_key", "pk_v0"), Caller.system()))
                    .isInstanceOf(VaultResult.Ok.class);
            int n = 50;
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(n);
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String value = "pk_rot" + i;
                results.add(pool.submit(() -> {
                    start.await();
                    VaultResult<CredentialMetadata> r = vault.rotateCredentials(org, "klaviyo", "default", Map.of("api_key", value), Caller.system());
                    return ((VaultResult.Ok<CredentialMetadata>) r).value().version();
                }));
            }
            start.countDown();
            List<Integer> versions = new ArrayList<>();
            for (Future<Integer> f : results) {
                versions.add(f.get());
            }
            pool.shutdown();
            // strictly increasing, no gaps, no duplicates: exactly 2..51
            assertThat(versions).doesNotHaveDuplicates().hasSize(n);
            assertThat(versions.stream().sorted().toList()).isEqualTo(java.util.stream.IntStream.rangeClosed(2, n + 1).boxed().toList());
            CredentialMetadata m = vault.metadata(org, "klaviyo", "default").orElseThrow();
            assertThat(m.version()).isEqualTo(n + 1);
            // the audit trail has one rotation per version, and the revealed value is the one sealed last
            List<Integer> audited = fx.db.run(c -> {
                List<Integer> v = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT (details->>'version')::int FROM audit_events "
                        + "WHERE event_type = 'API_KEY_ROTATED' AND org_id = ? ORDER BY id")) {
                    ps.setObject(1, org);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            v.add(rs.getInt(1));
                        }
                    }
                }
                return v;
            });
            assertThat(audited).isSorted().hasSize(n);
            String last = ((VaultResult.Ok<Revealed>) vault.getCredentials(org, "klaviyo", "default", Caller.system())).value()
                    .fields().revealValues().get("api_key");
            assertThat(last).startsWith("pk_rot");
            assertThat(fx.count("SELECT count(*) FROM vault_credential_versions WHERE credential_id = ?", m.id())).isEqualTo(Vault.KEPT_VERSIONS);
        }
    }
}
