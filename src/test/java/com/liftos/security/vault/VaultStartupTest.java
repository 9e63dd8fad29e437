package com.liftos.security.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.liftos.security.cli.LiftosCommand;
import com.liftos.security.crypto.KeyFiles;
import com.liftos.security.testing.TestApp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A wrong master key stops the service at start, with one line, before anything is written with it. */
class VaultStartupTest {

    @Test
    void serviceRefusesToStartWithAWrongMasterKey() throws Exception {
        try (TestApp first = TestApp.start()) {
            String admin = first.loginAdmin();
            assertThat(first.putJson("/v1/orgs/" + first.adminOrgId() + "/credentials/klaviyo",
                    first.body(Map.of("api_key", "pk_startup")), admin).statusCode()).isEqualTo(201);
            long before = rows(first);

            Path wrong = Files.createTempDirectory("wrong-key").resolve("master.key");
            byte[] k = new byte[32];
            new java.security.SecureRandom().nextBytes(k);
            KeyFiles.writeNew(wrong, (Base64.getEncoder().encodeToString(k) + "\n").getBytes(StandardCharsets.US_ASCII));

            assertThatThrownBy(() -> TestApp.startSharing(first, Map.of("MASTER_ENCRYPTION_KEY_PATH", wrong.toString()), Clock.systemUTC()))
                    .isInstanceOf(MasterKeyMismatchException.class).hasMessageContaining("does not match this database");

            // the real CLI: one line on stderr, non-zero exit
            Map<String, String> env = new HashMap<>();
            env.put("DATABASE_URL", first.schema().databaseUrl());
            env.put("LIFTOS_DATA_DIR", first.dataDir().toString());
            env.put("LIFTOS_HTTP_PORT", "0");
            env.put("MASTER_ENCRYPTION_KEY_PATH", wrong.toString());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = LiftosCommand.execute(new String[] {"serve"}, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(code).isEqualTo(LiftosCommand.FAILURE);
            String stderr = err.toString(StandardCharsets.UTF_8);
            assertThat(stderr.lines()).singleElement().asString()
                    .startsWith("liftos: master encryption key").contains("does not match this database");
            assertThat(rows(first)).isEqualTo(before);
        }
    }

    private static long rows(TestApp app) {
        return app.app().db().run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT (SELECT count(*) FROM vault_keks) * 1000000 + (SELECT count(*) FROM vault_wrapped_keys) * 1000 "
                            + "+ (SELECT count(*) FROM vault_credential_versions)");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
