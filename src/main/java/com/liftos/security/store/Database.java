package com.liftos.security.store;

import com.liftos.security.config.Config;
import com.liftos.security.config.DatabaseUrl;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's PostgreSQL: the server named by {@code DATABASE_URL}, or an embedded one whose data lives under
 * {@code <data dir>/postgres} and survives restarts. Owns the connection pool; {@link #close()} stops both.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    /** The longest one read from the database may wait (pgjdbc {@code socketTimeout}). */
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);
    /** How long a request waits for a connection before its 503; also how long start-up waits for the database. */
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    private final HikariDataSource pool;
    private final Optional<EmbeddedPostgres> embedded;

    private Database(HikariDataSource pool, Optional<EmbeddedPostgres> embedded) {
        this.pool = pool;
        this.embedded = embedded;
    }

    /** Opens the configured database; fails with {@link StoreException} carrying a one-line reason. */
    public static Database open(Config config) {
        if (config.databaseUrl().isPresent()) {
            return external(config.databaseUrl().get(), config.dbPoolSize());
        }
        return embedded(config.dataDir().resolve("postgres"), config.dbPoolSize());
    }

    public static Database external(DatabaseUrl url, int poolSize) {
        HikariDataSource pool = pool(url.jdbcUrl(), url.user(), url.password(), poolSize);
        return new Database(pool, Optional.empty());
    }

    public static Database embedded(Path dataDirectory, int poolSize) {
        EmbeddedPostgres pg;
        try {
            Files.createDirectories(dataDirectory.getParent());
            pg = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "on")
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
        } catch (IOException | RuntimeException e) {
            throw new StoreException("embedded PostgreSQL could not start in " + dataDirectory + ": " + oneLine(e), e);
        }
        String jdbc = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres";
        try {
            HikariDataSource pool = pool(jdbc, Optional.of("postgres"), Optional.empty(), poolSize);
            LOG.info("embedded PostgreSQL started on 127.0.0.1:{} with data in {}", pg.getPort(), dataDirectory);
            return new Database(pool, Optional.of(pg));
        } catch (RuntimeException e) {
            closeQuietly(pg);
            throw e;
        }
    }

    private static HikariDataSource pool(String jdbcUrl, Optional<String> user, Optional<String> password, int size) {
        HikariConfig hc = new HikariConfig();
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(Math.min(2, size));
        hc.setPoolName("liftos");
        hc.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        hc.setInitializationFailTimeout(CONNECTION_TIMEOUT.toMillis());
        try {
            PGSimpleDataSource pg = new PGSimpleDataSource();
            pg.setReWriteBatchedInserts(true);
            pg.setConnectTimeout(5);
            // A database that stops answering (a stalled network, a frozen host) must not hold a request, or the audit
            // and refresh writers every request waits on, forever: a read that waits this long fails the connection
            // (503). The cost: one statement silent for longer fails too (a DATABASE_URL's ?socketTimeout= overrides).
            pg.setSocketTimeout((int) SOCKET_TIMEOUT.toSeconds());
            user.ifPresent(pg::setUser);
            password.ifPresent(pg::setPassword);
            // last: what the URL names wins over the defaults above
            pg.setUrl(jdbcUrl);
            hc.setDataSource(new PatientDataSource(pg, CONNECTION_TIMEOUT));
            return new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new StoreException("database unreachable at " + redact(jdbcUrl) + ": " + oneLine(e), e);
        }
    }

    public DataSource dataSource() {
        return pool;
    }

    public boolean isEmbedded() {
        return embedded.isPresent();
    }

    /** True when a connection can be taken and answers within a second. */
    public boolean isReachable() {
        try (Connection c = pool.getConnection()) {
            return c.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        pool.close();
        embedded.ifPresent(Database::closeQuietly);
    }

    private static void closeQuietly(EmbeddedPostgres pg) {
        try {
            pg.close();
        } catch (IOException e) {
            LOG.warn("embedded PostgreSQL did not stop cleanly: {}", e.getClass().getSimpleName());
        }
    }

    private static String redact(String jdbcUrl) {
        int q = jdbcUrl.indexOf('?');
        return q < 0 ? jdbcUrl : jdbcUrl.substring(0, q);
    }

    static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return msg.replaceAll("\\s+", " ").strip();
    }
}
