package com.liftos.security.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a backup file holds, written as {@code manifest.json} (format {@value #FORMAT}, version
 * {@value #FORMAT_VERSION}): when it was taken, the schema it was taken from (highest migration and every applied
 * one), each table with its columns, row count and the SHA-256 of its COPY data, each sequence's value, and the
 * PBKDF2 parameters of the installation's master key (not secret: restore needs them to derive a passphrase key
 * before the database that holds them is back; see {@link BackupKey}).
 *
 * <pre>{"format":"liftos-backup","format_version":2,"created_at":"2026-…Z","schema_version":"80",
 *  "migrations":["1","10",…],"tables":[{"name":"organizations","columns":["id",…],"rows":3,"sha256":"…"},…],
 *  "sequences":{"audit_events_id_seq":{"last_value":42,"is_called":true},…},
 *  "master_key_kdf":{"salt":"base64…","iterations":600000}}</pre>
 */
public record Manifest(Instant createdAt, List<String> migrations, List<TableData> tables, Map<String, SequenceValue> sequences,
                       MasterKeyKdf masterKeyKdf) {
    public static final String FORMAT = "liftos-backup";
    public static final int FORMAT_VERSION = 2;
    private static final int MAX_KDF_ITERATIONS = 10_000_000;
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One table's data: COPY text of {@code columns}, {@code rows} rows, whose bytes hash to {@code sha256}. */
    public record TableData(String name, List<String> columns, long rows, String sha256) {
        public TableData {
            columns = List.copyOf(columns);
            if (rows < 0 || !SHA256_HEX.matcher(sha256).matches()) {
                throw new IllegalArgumentException("invalid table entry");
            }
        }
    }

    public record SequenceValue(long lastValue, boolean isCalled) {}

    /** The PBKDF2 salt (base64) and iterations a passphrase master key is derived with; bounded so a forged file cannot stall a restore. */
    public record MasterKeyKdf(String salt, int iterations) {
        public MasterKeyKdf {
            byte[] raw = java.util.Base64.getDecoder().decode(salt);
            if (raw.length < 16 || raw.length > 64 || iterations < 1 || iterations > MAX_KDF_ITERATIONS) {
                throw new IllegalArgumentException("invalid master key parameters");
            }
        }

        public byte[] saltBytes() {
            return java.util.Base64.getDecoder().decode(salt);
        }
    }

    public Manifest {
        migrations = List.copyOf(migrations);
        tables = List.copyOf(tables);
        sequences = Map.copyOf(sequences);
    }

    /** The highest applied migration, e.g. {@code 70}; "none" for an unmigrated schema. */
    public String schemaVersion() {
        return migrations.isEmpty() ? "none" : migrations.getLast();
    }

    public long totalRows() {
        return tables.stream().mapToLong(TableData::rows).sum();
    }

    public Optional<TableData> table(String name) {
        return tables.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("format_version", FORMAT_VERSION);
        root.put("created_at", createdAt.toString());
        root.put("schema_version", schemaVersion());
        ArrayNode m = root.putArray("migrations");
        migrations.forEach(m::add);
        ArrayNode t = root.putArray("tables");
        for (TableData table : tables) {
            ObjectNode o = t.addObject();
            o.put("name", table.name());
            ArrayNode cols = o.putArray("columns");
            table.columns().forEach(cols::add);
            o.put("rows", table.rows());
            o.put("sha256", table.sha256());
        }
        ObjectNode s = root.putObject("sequences");
        new java.util.TreeMap<>(sequences).forEach((name, v) -> s.putObject(name).put("last_value", v.lastValue()).put("is_called", v.isCalled()));
        root.putObject("master_key_kdf").put("salt", masterKeyKdf.salt()).put("iterations", masterKeyKdf.iterations());
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("manifest could not be written", e);
        }
    }

    /** The manifest in {@code json}; empty when it is not a manifest of this format and version. */
    static Optional<Manifest> parse(byte[] json) {
        try {
            JsonNode root = JSON.readTree(new String(json, StandardCharsets.UTF_8));
            if (root == null || !FORMAT.equals(root.path("format").asText()) || root.path("format_version").asInt() != FORMAT_VERSION) {
                return Optional.empty();
            }
            List<String> migrations = new ArrayList<>();
            root.path("migrations").forEach(v -> migrations.add(v.asText()));
            List<TableData> tables = new ArrayList<>();
            for (JsonNode t : root.path("tables")) {
                List<String> columns = new ArrayList<>();
                t.path("columns").forEach(c -> columns.add(c.asText()));
                tables.add(new TableData(t.path("name").asText(), columns, t.path("rows").asLong(-1), t.path("sha256").asText()));
            }
            Map<String, SequenceValue> sequences = new LinkedHashMap<>();
            root.path("sequences").fields().forEachRemaining(e -> sequences.put(e.getKey(),
                    new SequenceValue(e.getValue().path("last_value").asLong(), e.getValue().path("is_called").asBoolean())));
            return Optional.of(new Manifest(Instant.parse(root.path("created_at").asText()), migrations, tables, sequences,
                    kdf(root).orElseThrow(() -> new IllegalArgumentException("no master key parameters"))));
        } catch (JsonProcessingException | DateTimeParseException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Only the master key parameters of {@code json}, read before its signature is checked (the key that checks it
     * depends on them); empty when absent or out of bounds.
     */
    static Optional<MasterKeyKdf> masterKeyKdf(byte[] json) {
        try {
            JsonNode root = JSON.readTree(new String(json, StandardCharsets.UTF_8));
            return root == null ? Optional.empty() : kdf(root);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<MasterKeyKdf> kdf(JsonNode root) {
        JsonNode k = root.path("master_key_kdf");
        if (!k.path("salt").isTextual() || !k.path("iterations").canConvertToInt()) {
            return Optional.empty();
        }
        return Optional.of(new MasterKeyKdf(k.path("salt").asText(), k.path("iterations").asInt()));
    }
}
