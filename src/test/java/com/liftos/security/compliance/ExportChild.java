package com.liftos.security.compliance;

import com.liftos.security.audit.AuditFilter;
import com.liftos.security.audit.AuditQuery;
import com.liftos.security.http.Json;
import com.liftos.security.store.Db;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.OutputStream;
import java.util.UUID;

/** Child process for {@link AuditExportHeapTest}: exports one organization's log to a byte counter, under a small heap. */
public final class ExportChild {
    private ExportChild() {}

    public static void main(String[] args) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(args[0]);
        if (!"-".equals(args[1])) {
            hc.setUsername(args[1]);
        }
        if (!"-".equals(args[2])) {
            hc.setPassword(args[2]);
        }
        hc.setMaximumPoolSize(2);
        try (HikariDataSource ds = new HikariDataSource(hc)) {
            long[] bytes = {0};
            OutputStream counter = new OutputStream() {
                @Override
                public void write(int b) {
                    bytes[0]++;
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    bytes[0] += len;
                }
            };
            long t0 = System.nanoTime();
            long rows = new AuditExport(new AuditQuery(new Db(ds), Json.newMapper()), Json.newMapper())
                    .export(UUID.fromString(args[3]), AuditFilter.all(), AuditExport.Format.valueOf(args[4]), counter);
            System.out.printf(java.util.Locale.ROOT, "ROWS %d BYTES %d SECONDS %.1f MAXHEAP %d%n", rows, bytes[0],
                    (System.nanoTime() - t0) / 1e9, Runtime.getRuntime().maxMemory());
        }
    }
}
