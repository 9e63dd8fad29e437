package com.liftos.security.testing;

import com.liftos.security.config.DatabaseUrl;
import com.liftos.security.store.Db;
import com.liftos.security.store.Migrations;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A real PostgreSQL for tests: the server of {@code TEST_DATABASE_URL} when set, else one embedded server per
 * test JVM. Each {@link #fresh()} call gets its own schema, migrated, so test classes never see each other's rows.
 */
public final class TestDatabase {
    private static String baseUrl;
    private static Optional<String> user = Optional.empty();
    private static Optional<String> password = Optional.empty();
    private static EmbeddedPostgres embedded;

    private TestDatabase() {}

    private static synchronized void init() {
        if (baseUrl != null) {
            return;
        }
        String external = System.getenv("TEST_DATABASE_URL");
        if (external != null && !external.isBlank()) {
            DatabaseUrl url = DatabaseUrl.parse(external);
            baseUrl = url.jdbcUrl();
            user = url.user();
            password = url.password();
            return;
        }
        try {
            Path dir = Files.createTempDirectory("liftos-test-pg");
            embedded = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(true)
                    .setServerConfig("max_connections", "300").setServerConfig("fsync", "off").start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    embedded.close();
                } catch (IOException ignored) {
                    // the JVM is exiting; the temp directory is the OS's to clean
                }
            }));
            baseUrl = "jdbc:postgresql://127.0.0.1:" + embedded.getPort() + "/postgres";
            user = Optional.of("postgres");
        } catch (IOException e) {
            throw new IllegalStateException("embedded PostgreSQL for tests did not start", e);
        }
    }

    /** A new, migrated schema; the returned URL selects it with {@code currentSchema}. */
    public static Schema fresh() {
        init();
        String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(baseUrl, user.orElse(null), password.orElse(null));
             Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create test schema", e);
        }
        String url = baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        return new Schema(schema, url, user, password);
    }

    /** An existing schema of the test server (benchmarks that reuse a large data set). */
    public static Schema existing(String schema) {
        init();
        if (!schema.matches("t_[0-9a-f]{16}")) {
            throw new IllegalArgumentException("not a test schema name");
        }
        return new Schema(schema, baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema, user, password);
    }

    /** One test schema. {@link #databaseUrl()} is a DATABASE_URL value the service accepts. */
    public record Schema(String name, String jdbcUrl, Optional<String> user, Optional<String> password) {

        public String databaseUrl() {
            String sep = "&";
            return jdbcUrl + user.map(u -> sep + "user=" + u).orElse("") + password.map(p -> sep + "password=" + p).orElse("");
        }

        /** A pooled, migrated data source on this schema; close it when done. */
        public HikariDataSource dataSource(int poolSize) {
            HikariConfig hc = new HikariConfig();
            hc.setJdbcUrl(jdbcUrl);
            user.ifPresent(hc::setUsername);
            password.ifPresent(hc::setPassword);
            hc.setMaximumPoolSize(poolSize);
            HikariDataSource ds = new HikariDataSource(hc);
            new Migrations(ds).migrate();
            return ds;
        }

        public Db db(DataSource ds) {
            return new Db(ds);
        }
    }
}
