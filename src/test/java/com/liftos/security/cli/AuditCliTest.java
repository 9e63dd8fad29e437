package com.liftos.security.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.TestApp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@code liftos audit verify} against a service's real data directory (signing key) and database. */
class AuditCliTest {

    record Run(int code, String out, String err) {}

    static Run run(TestApp app, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = Map.of("LIFTOS_DATA_DIR", app.dataDir().toString(), "DATABASE_URL", app.schema().databaseUrl());
        int code = LiftosCommand.execute(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void verifyReportsIntactThenTheFirstTamperedRecord() {
        try (TestApp app = TestApp.start()) {
            String admin = app.loginAdmin();
            UUID org = app.adminOrgId();
            app.postJson("/v1/auth/login", app.body(Map.of("email", TestApp.ADMIN_EMAIL, "password", "Wrong-Password-1!")));
            assertThat(admin).isNotBlank();
            assertThat(app.app().audit().maintenance().checkpoint()).isPositive();

            Run intact = run(app, "audit", "verify");
            assertThat(intact.code()).as(intact.out() + intact.err()).isZero();
            assertThat(intact.out()).contains("org " + org + ": intact").contains("signed checkpoints verified");
            assertThat(intact.err()).isEmpty();

            Run one = run(app, "audit", "verify", "--org", org.toString());
            assertThat(one.code()).isZero();
            assertThat(one.out()).contains("intact");

            app.app().db().run(c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE audit_events SET success = NOT success WHERE chain = ? AND seq = 2")) {
                    ps.setObject(1, org);
                    return ps.executeUpdate();
                }
            });
            Run tampered = run(app, "audit", "verify", "--org", org.toString());
            assertThat(tampered.code()).isEqualTo(LiftosCommand.FAILURE);
            assertThat(tampered.out()).contains("TAMPERED").contains("modified at seq 2");

            Run bad = run(app, "audit", "verify", "--org", "not-a-uuid");
            assertThat(bad.code()).isEqualTo(LiftosCommand.CONFIG_ERROR);
            assertThat(bad.err()).contains("--org");
        }
    }
}
