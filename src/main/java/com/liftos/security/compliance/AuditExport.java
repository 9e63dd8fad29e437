package com.liftos.security.compliance;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.audit.AuditFilter;
import com.liftos.security.audit.AuditQuery;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes an organization's matching audit records to a stream as CSV (RFC 4180, with spreadsheet formula injection
 * neutralized) or JSON Lines, record by record as the database cursor yields them: memory stays flat whatever the
 * size of the log.
 */
public final class AuditExport {
    static final List<String> CSV_HEADER = List.of("seq", "event_id", "timestamp", "type", "org_id", "actor_id", "actor_type",
            "action", "resource", "client_ip", "user_agent", "success", "details", "request_id", "risk_score", "risk_level",
            "pseudonymized", "hash");

    /** Export formats. */
    public enum Format {
        CSV("csv"), JSONL("jsonl");

        private final String wire;

        Format(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    private final AuditQuery query;
    private final ObjectMapper json;

    public AuditExport(AuditQuery query, ObjectMapper json) {
        this.query = query;
        this.json = json;
    }

    /**
     * Streams every matching record, oldest first, to {@code out}, and flushes it.
     *
     * @return the number of records written
     * @throws UncheckedIOException when {@code out} fails (the client went away)
     */
    public long export(UUID org, AuditFilter filter, Format format, OutputStream out) {
        long count = switch (format) {
            case CSV -> query.forEach(org, filter, new CsvSink(out));
            case JSONL -> {
                JsonlSink sink = new JsonlSink(out);
                long n = query.forEach(org, filter, sink);
                sink.close();
                yield n;
            }
        };
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("export stream failed", e);
        }
        return count;
    }

    private final class CsvSink implements AuditQuery.RecordSink {
        private final OutputStream out;
        private final StringBuilder line = new StringBuilder(512);

        CsvSink(OutputStream out) {
            this.out = out;
        }

        @Override
        public void begin() throws IOException {
            out.write((String.join(",", CSV_HEADER) + "\r\n").getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void accept(Map<String, Object> r) throws IOException {
            line.setLength(0);
            for (int i = 0; i < CSV_HEADER.size(); i++) {
                if (i > 0) {
                    line.append(',');
                }
                Object v = r.get(CSV_HEADER.get(i));
                line.append(Csv.cell(v instanceof Map<?, ?> ? json.writeValueAsString(v) : v));
            }
            line.append("\r\n");
            out.write(line.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    private final class JsonlSink implements AuditQuery.RecordSink {
        private final OutputStream out;
        private JsonGenerator generator;

        JsonlSink(OutputStream out) {
            this.out = out;
        }

        @Override
        public void begin() throws IOException {
            generator = json.getFactory().createGenerator(out);
            generator.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        }

        @Override
        public void accept(Map<String, Object> r) throws IOException {
            json.writeValue(generator, r);
            generator.writeRaw('\n');
        }

        void close() {
            if (generator == null) {
                return;
            }
            try {
                generator.close();
            } catch (IOException e) {
                throw new UncheckedIOException("export stream failed", e);
            }
        }
    }

    /** RFC 4180 cells, with spreadsheet formula injection neutralized. */
    static final class Csv {
        private Csv() {}

        static String cell(Object value) {
            if (value == null) {
                return "";
            }
            String s = value.toString();
            if (!s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0 && !(value instanceof Number)) {
                s = "'" + s;
            }
            if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
                return '"' + s.replace("\"", "\"\"") + '"';
            }
            return s;
        }
    }
}
