package com.liftos.security.vault;

import com.liftos.security.testing.MutableClock;
import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.JdbcAuditLog;
import com.liftos.security.crypto.KeyFiles;
import com.liftos.security.http.Json;
import com.liftos.security.org.Organizations;
import com.liftos.security.store.Db;
import com.liftos.security.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/** A fresh schema, a master key file and helpers for vault tests against the real PostgreSQL. */
final class VaultFixture implements AutoCloseable {
    final TestDatabase.Schema schema;
    final HikariDataSource dataSource;
    final Db db;
    final Path dir;
    final Path keyFile;
    final AuditLog audit;
    final Organizations orgs;
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));

    VaultFixture(int poolSize) {
        schema = TestDatabase.fresh();
        dataSource = schema.dataSource(poolSize);
        db = new Db(dataSource);
        try {
            dir = Files.createTempDirectory("vault-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        keyFile = newRawKeyFile("master.key");
        audit = new JdbcAuditLog(db, Json.newMapper(), e -> { });
        orgs = new Organizations(db, Json.newMapper(), clock);
    }

    VaultFixture() {
        this(8);
    }

    Vault open() {
        return open(keyFile);
    }

    Vault open(Path key) {
        return Vault.open(db, audit, key, clock, new SecureRandom());
    }

    UUID newOrg() {
        return orgs.create("Org " + UUID.randomUUID()).id();
    }

    Path newRawKeyFile(String name) {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return writeKeyFile(name, Base64.getEncoder().encodeToString(k) + "\n");
    }

    Path writeKeyFile(String name, String content) {
        Path p = dir.resolve(name);
        try {
            Files.deleteIfExists(p);
            KeyFiles.writeNew(p, content.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    long count(String sql, Object... params) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    int update(String sql, Object... params) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                return ps.executeUpdate();
            }
        });
    }

    byte[] bytes(String sql, Object... params) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getBytes(1) : null;
                }
            }
        });
    }

    /** All audit rows' details and resources as one string, to search for leaked values. */
    String auditText() {
        return db.run(c -> {
            StringBuilder sb = new StringBuilder();
            try (PreparedStatement ps = c.prepareStatement("SELECT event_type, action, coalesce(resource, ''), details::text FROM audit_events");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sb.append(rs.getString(1)).append(' ').append(rs.getString(2)).append(' ').append(rs.getString(3))
                            .append(' ').append(rs.getString(4)).append('\n');
                }
            }
            return sb.toString();
        });
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
