package com.liftos.security.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @Test
    void defaultsBindToLoopbackAndUseTheEmbeddedDatabase() {
        Config c = ConfigLoader.load(Map.of());
        assertThat(c.http().host()).isEqualTo("127.0.0.1");
        assertThat(c.http().port()).isEqualTo(8080);
        assertThat(c.databaseUrl()).isEmpty();
        assertThat(c.keys().masterKey()).isEqualTo(Path.of("./data/keys/master_encryption_key.txt"));
        assertThat(c.features().auditEnabled()).isTrue();
        assertThat(c.features().requireHttps()).isFalse();
    }

    @Test
    void acceptsTheSeedsAsyncpgUrlAndPlainForms() {
        DatabaseUrl a = DatabaseUrl.parse("postgresql+asyncpg://user:p%40ss@db.example:6543/liftos");
        assertThat(a.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/liftos");
        assertThat(a.user()).contains("user");
        assertThat(a.password()).contains("p@ss");
        assertThat(a.toString()).doesNotContain("p@ss");
        assertThat(DatabaseUrl.parse("postgresql://h/db").jdbcUrl()).isEqualTo("jdbc:postgresql://h:5432/db");
        assertThat(DatabaseUrl.parse("postgres://h:1/db?sslmode=require").jdbcUrl()).isEqualTo("jdbc:postgresql://h:1/db?sslmode=require");
        assertThat(DatabaseUrl.parse("jdbc:postgresql://h/db").jdbcUrl()).isEqualTo("jdbc:postgresql://h/db");
    }

    @Test
    void malformedUrlsAreRefusedWithoutEchoingThem() {
        for (String bad : new String[] {"mysql://u:canary@h/db", "postgresql://u:canary@/db", "postgresql://u:canary@h", "canary"}) {
            assertThatThrownBy(() -> DatabaseUrl.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("canary"));
        }
    }

    @Test
    void collectsEveryProblemWithItsVariableName() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(
                "LIFTOS_HTTP_PORT", "70000",
                "LIFTOS_TRUSTED_PROXIES", "10.0.0.0/8,not-a-cidr",
                "LIFTOS_BOOTSTRAP_ADMIN_EMAIL", "nobody",
                "DATABASE_URL", "oracle://x")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(4)
                        .anySatisfy(p -> assertThat(p).startsWith("LIFTOS_HTTP_PORT:"))
                        .anySatisfy(p -> assertThat(p).startsWith("LIFTOS_TRUSTED_PROXIES:"))
                        .anySatisfy(p -> assertThat(p).startsWith("LIFTOS_BOOTSTRAP_ADMIN_EMAIL:"))
                        .anySatisfy(p -> assertThat(p).startsWith("DATABASE_URL:")));
    }

    @Test
    void secretsAreNotInToString() {
        Config c = ConfigLoader.load(Map.of("SMTP_PASSWORD", "smtpCanary", "LIFTOS_BOOTSTRAP_ADMIN_PASSWORD", "adminCanary!1A",
                "DATABASE_URL", "postgresql://u:dbCanary@h/db"));
        assertThat(c.toString()).doesNotContain("smtpCanary").doesNotContain("adminCanary").doesNotContain("dbCanary");
    }

    @Test
    void readsDotEnvFiles(@TempDir Path dir) throws Exception {
        Path f = dir.resolve(".env");
        Files.writeString(f, "# comment\nexport LIFTOS_HTTP_PORT=9090\nLIFTOS_ISSUER=\"issuer.example\"\n\nbroken line\n");
        assertThat(ConfigLoader.readDotEnv(f)).containsEntry("LIFTOS_HTTP_PORT", "9090").containsEntry("LIFTOS_ISSUER", "issuer.example");
    }

    @Test
    void orgRateLimitCeilingsHaveDefaultsAndRefuseMalformedValues() {
        assertThat(ConfigLoader.load(Map.of()).edge().orgRateCeilings()).containsEntry("auth", new Config.Edge.Rate(50, 300))
                .containsEntry("api", new Config.Edge.Rate(10_000, 3600)).containsEntry("sensitive", new Config.Edge.Rate(100, 60));
        assertThat(ConfigLoader.load(Map.of("LIFTOS_ORG_RATE_LIMIT_CEILINGS", "api=5/60")).edge().orgRateCeilings())
                .containsOnlyKeys("api").containsEntry("api", new Config.Edge.Rate(5, 60));
        for (String bad : new String[] {"api=0/60", "api=5/0", "api=5/86401", "bogus=1/1", "api=1/1,api=2/2", "api"}) {
            assertThatThrownBy(() -> ConfigLoader.load(Map.of("LIFTOS_ORG_RATE_LIMIT_CEILINGS", bad))).as(bad)
                    .hasMessageContaining("LIFTOS_ORG_RATE_LIMIT_CEILINGS");
        }
    }

    @Test
    void retentionAndReuseIntervalHaveDefaultsAndBounds() {
        Config c = ConfigLoader.load(Map.of());
        assertThat(c.auth().refreshReuseIntervalSeconds()).isEqualTo(5);
        assertThat(c.auth().testHangAfterRefreshCommit()).isEmpty();
        assertThat(c.retention()).isEqualTo(new Config.Retention(600, 90, 24, 400, 365));
        assertThat(ConfigLoader.load(Map.of("LIFTOS_REFRESH_REUSE_INTERVAL_SECONDS", "0")).auth().refreshReuseIntervalSeconds()).isZero();
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("LIFTOS_REFRESH_REUSE_INTERVAL_SECONDS", "-1",
                "LIFTOS_RETIRED_REFRESH_TOKEN_RETENTION_HOURS", "0", "LIFTOS_PURGE_INTERVAL_SECONDS", "1")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(3));
        // the fault-injection switch is for tests: no template or documentation table offers it
        assertThat(ConfigLoader.VARIABLES).noneMatch(v -> v.name().startsWith("LIFTOS_TEST_"));
    }

    @Test
    void thePublicUrlIsConfiguredOrFromTheListenerAndNeverAnythingButHttp() {
        assertThat(ConfigLoader.load(Map.of()).http().publicUrl()).hasToString("http://127.0.0.1:8080");
        assertThat(ConfigLoader.load(Map.of("LIFTOS_PUBLIC_URL", "https://security.example.com/liftos/")).http().publicUrl())
                .hasToString("https://security.example.com/liftos");
        assertThat(ConfigLoader.load(Map.of("LIFTOS_PUBLIC_URL", "https://security.example.com:8443")).http().publicUrl())
                .hasToString("https://security.example.com:8443");
        for (String bad : new String[] {"javascript:alert(1)", "ftp://example.com", "https://user:pw@example.com",
                "https://example.com/?next=evil", "https://example.com/#x", "not a url", "//example.com"}) {
            assertThatThrownBy(() -> ConfigLoader.load(Map.of("LIFTOS_PUBLIC_URL", bad))).as(bad)
                    .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
                            .asString().startsWith("LIFTOS_PUBLIC_URL"));
        }
    }

    /** OpenID Connect Discovery: the issuer is a URL, the public URL unless configured, never a bare name. */
    @Test
    void theIssuerIsAnHttpUrl() {
        assertThat(ConfigLoader.load(Map.of()).http().issuer()).isEqualTo("http://127.0.0.1:8080");
        assertThat(ConfigLoader.load(Map.of("LIFTOS_PUBLIC_URL", "https://security.example.com/")).http().issuer())
                .isEqualTo("https://security.example.com");
        assertThat(ConfigLoader.load(Map.of("LIFTOS_PUBLIC_URL", "https://a.example.com", "LIFTOS_ISSUER", "https://id.example.com/")).http()
                .issuer()).isEqualTo("https://id.example.com");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("LIFTOS_ISSUER", "liftos.com")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
                        .asString().startsWith("LIFTOS_ISSUER"));
    }

    @Test
    void cidrMatching() {
        assertThat(Cidr.parse("10.1.0.0/16").orElseThrow().contains("10.1.200.3")).isTrue();
        assertThat(Cidr.parse("10.1.0.0/16").orElseThrow().contains("10.2.0.1")).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").orElseThrow().contains("203.0.113.9")).isTrue();
        assertThat(Cidr.parse("2001:db8::/32").orElseThrow().contains("2001:db8:1::1")).isTrue();
        assertThat(Cidr.parse("2001:db8::/32").orElseThrow().contains("10.0.0.1")).isFalse();
        assertThat(Cidr.isValid("example.com")).isFalse();
        assertThat(Cidr.isValid("10.0.0.0/33")).isFalse();
    }
}
