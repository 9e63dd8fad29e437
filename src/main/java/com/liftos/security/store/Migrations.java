package com.liftos.security.store;

import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;

/**
 * Flyway migrations from {@code db/migration}. Version ranges are reserved per feature so features can add
 * tables independently: 1-9 foundation, 10-19 auth, 20-29 vault, 30-39 audit, 40-49 rbac/ratelimit,
 * 50-59 mfa, 60-69 incident, 70-79 privacy.
 */
public final class Migrations {
    private final DataSource dataSource;
    private final String schema;

    /** Migrates the connection's current schema (set with {@code currentSchema} in the URL), else {@code public}. */
    public Migrations(DataSource dataSource) {
        this(dataSource, currentSchema(dataSource));
    }

    private static String currentSchema(DataSource dataSource) {
        try (java.sql.Connection c = dataSource.getConnection();
             java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT current_schema()")) {
            String schema = rs.next() ? rs.getString(1) : null;
            return schema == null ? "public" : schema;
        } catch (java.sql.SQLException e) {
            throw new StoreException("database unreachable: " + e.getSQLState(), e);
        }
    }

    public Migrations(DataSource dataSource, String schema) {
        this.dataSource = dataSource;
        this.schema = schema;
    }

    private Flyway flyway() {
        return Flyway.configure()
                .dataSource(dataSource)
                .schemas(schema)
                .defaultSchema(schema)
                .locations("classpath:db/migration")
                .outOfOrder(true)
                .load();
    }

    /** Applies pending migrations; returns how many ran. */
    public int migrate() {
        try {
            return flyway().migrate().migrationsExecuted;
        } catch (RuntimeException e) {
            throw new StoreException("migration failed: " + Database.oneLine(e), e);
        }
    }

    /** One line per known migration: version, description, state. */
    public List<String> status() {
        MigrationInfo[] all = flyway().info().all();
        return java.util.Arrays.stream(all)
                .map(m -> String.format("%-6s %-40s %s", m.getVersion(), m.getDescription(), m.getState().getDisplayName()))
                .toList();
    }
}
