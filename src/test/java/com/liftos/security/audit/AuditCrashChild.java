package com.liftos.security.audit;

import com.liftos.security.store.Db;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Child process for {@link AuditDurabilityTest}: 16 threads record events through the group-commit log and print
 * {@code ACK <event id>} the moment {@code record} returns — the point at which a request handler would answer.
 * Runs until killed.
 */
public final class AuditCrashChild {
    private AuditCrashChild() {}

    public static void main(String[] args) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(args[0]);
        if (!"-".equals(args[1])) {
            hc.setUsername(args[1]);
        }
        if (!"-".equals(args[2])) {
            hc.setPassword(args[2]);
        }
        hc.setMaximumPoolSize(4);
        HikariDataSource ds = new HikariDataSource(hc);
        GroupCommitAuditLog log = new GroupCommitAuditLog(new Db(ds), e -> { }, new ChainAppender(new SecureRandom(), List.of()));
        UUID org = UUID.fromString(args[3]);
        PrintStream out = new PrintStream(System.out, false, java.nio.charset.StandardCharsets.UTF_8);
        for (int t = 0; t < 16; t++) {
            int thread = t;
            Thread.ofPlatform().start(() -> {
                for (int i = 0; ; i++) {
                    SecurityEvent e = SecurityEvent.builder(SecurityEventType.LOGIN_FAILURE, "login")
                            .org(thread % 2 == 0 ? org : null).detail("n", i).success(false).risk(0.3).build(Instant.now());
                    log.record(e);
                    synchronized (out) {
                        out.println("ACK " + e.eventId());
                        out.flush();
                    }
                }
            });
        }
    }
}
