package com.liftos.security.backup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.flywaydb.core.api.MigrationVersion;

/**
 * What a backup needs to know about the connection's current schema, read from the PostgreSQL catalog: every
 * table with its stored (non-generated) columns, in an order where each table comes after the tables its foreign
 * keys point to; the sequences; the applied migrations. Names come from the catalog, never from a file or a
 * caller, and are quoted wherever they enter SQL.
 */
final class Catalog {
    /** Flyway's bookkeeping: the restore target has its own, so it is not copied. */
    static final String MIGRATION_HISTORY = "flyway_schema_history";
    private static final String IN_SCHEMA = "(SELECT oid FROM pg_namespace WHERE nspname = ?)";

    private final Connection c;
    private final String schema;

    private Catalog(Connection c, String schema) {
        this.c = c;
        this.schema = schema;
    }

    /** The catalog of {@code c}'s current schema. */
    static Catalog of(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_schema()")) {
            if (!rs.next() || rs.getString(1) == null) {
                throw new SQLException("the connection has no current schema", "3F000");
            }
            return new Catalog(c, rs.getString(1));
        }
    }

    /** A table and the columns COPY reads and writes (generated columns are computed again on restore). */
    record Table(String name, List<String> columns) {
        Table {
            columns = List.copyOf(columns);
        }
    }

    /** Every table of the schema but Flyway's, each after the tables its foreign keys point to. */
    List<Table> tables() throws SQLException {
        Map<String, List<String>> columns = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT k.relname, a.attname FROM pg_class k"
                + " JOIN pg_attribute a ON a.attrelid = k.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''"
                + " WHERE k.relnamespace = " + IN_SCHEMA + " AND k.relkind = 'r' AND k.relname <> ? ORDER BY k.relname, a.attnum")) {
            ps.setString(1, schema);
            ps.setString(2, MIGRATION_HISTORY);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.computeIfAbsent(rs.getString(1), t -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        }
        Map<String, Set<String>> parents = new TreeMap<>();
        columns.keySet().forEach(t -> parents.put(t, new TreeSet<>()));
        try (PreparedStatement ps = c.prepareStatement("SELECT child.relname, parent.relname FROM pg_constraint f"
                + " JOIN pg_class child ON child.oid = f.conrelid JOIN pg_class parent ON parent.oid = f.confrelid"
                + " WHERE f.contype = 'f' AND child.relnamespace = " + IN_SCHEMA + " AND parent.relnamespace = child.relnamespace")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // A self-reference needs no order: COPY checks foreign keys at the end of its statement.
                    if (parents.containsKey(rs.getString(1)) && !rs.getString(1).equals(rs.getString(2))) {
                        parents.get(rs.getString(1)).add(rs.getString(2));
                    }
                }
            }
        }
        List<Table> ordered = new ArrayList<>();
        Set<String> placed = new TreeSet<>();
        while (placed.size() < columns.size()) {
            String next = parents.entrySet().stream()
                    .filter(e -> !placed.contains(e.getKey()) && placed.containsAll(e.getValue()))
                    .map(Map.Entry::getKey).findFirst()
                    .orElseThrow(() -> new IllegalStateException("the foreign keys form a cycle; the tables cannot be ordered"));
            placed.add(next);
            ordered.add(new Table(next, columns.get(next)));
        }
        return ordered;
    }

    /**
     * Every sequence of the schema with the value {@code setval} restores, read from the sequence itself (exact, also
     * for one set with {@code is_called = false}). Sequences are not transactional: a value read after the snapshot
     * may be ahead of it, which only skips numbers after a restore.
     */
    Map<String, Manifest.SequenceValue> sequences() throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT relname FROM pg_class WHERE relnamespace = " + IN_SCHEMA
                + " AND relkind = 'S' ORDER BY relname")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        Map<String, Manifest.SequenceValue> values = new LinkedHashMap<>();
        try (Statement st = c.createStatement()) {
            for (String name : names) {
                try (ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM " + qualified(name))) {
                    rs.next();
                    values.put(name, new Manifest.SequenceValue(rs.getLong(1), rs.getBoolean(2)));
                }
            }
        }
        return values;
    }

    void setSequence(String name, Manifest.SequenceValue value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT setval(CAST(? AS regclass), ?, ?)")) {
            ps.setString(1, qualified(name));
            ps.setLong(2, value.lastValue());
            ps.setBoolean(3, value.isCalled());
            ps.executeQuery().close();
        }
    }

    /** The versions of the successfully applied migrations, lowest first; empty when the schema was never migrated. */
    List<String> migrations() throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, qualified(MIGRATION_HISTORY));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return List.of();
                }
            }
        }
        List<String> versions = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT version FROM " + qualified(MIGRATION_HISTORY) + " WHERE success AND version IS NOT NULL")) {
            while (rs.next()) {
                versions.add(rs.getString(1));
            }
        }
        versions.sort(Comparator.comparing(MigrationVersion::fromVersion));
        return List.copyOf(versions);
    }

    boolean isEmpty(String table) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT NOT EXISTS (SELECT 1 FROM " + qualified(table) + ")")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** {@code "schema"."name"} in the connection's current schema. */
    String qualified(String name) {
        return quote(schema) + "." + quote(name);
    }

    static String columnList(List<String> columns) {
        return String.join(", ", columns.stream().map(Catalog::quote).toList());
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
