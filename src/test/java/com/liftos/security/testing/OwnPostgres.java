package com.liftos.security.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * A PostgreSQL server a fault test owns (never the machine's shared one): the embedded binary on a fixed free port
 * with its data in {@code dataDirectory}, which {@link #stop()} and {@link #start()} keep, so the test can restart
 * the database under a running service exactly as an operator's restart would.
 */
public final class OwnPostgres implements AutoCloseable {
    private final Path dataDirectory;
    private final int port;
    private EmbeddedPostgres server;

    private OwnPostgres(Path dataDirectory, int port) {
        this.dataDirectory = dataDirectory;
        this.port = port;
    }

    /** Starts a server on a free port with its data in {@code dataDirectory} (created by initdb when empty). */
    public static OwnPostgres start(Path dataDirectory) {
        OwnPostgres pg = new OwnPostgres(dataDirectory, freePort());
        pg.start();
        return pg;
    }

    /** Starts the server again on the same port and data directory. */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        try {
            server = EmbeddedPostgres.builder().setPort(port).setDataDirectory(dataDirectory).setCleanDataDirectory(false)
                    .setRegisterShutdownHook(true).setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "100").setPGStartupWait(Duration.ofSeconds(60)).start();
        } catch (IOException e) {
            throw new UncheckedIOException("the test's own PostgreSQL did not start", e);
        }
    }

    /** Stops the server (a fast shutdown: connections are cut, committed data stays). */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            server = null;
        }
    }

    public int port() {
        return port;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** The {@code postgres} database of this server as a test schema ({@code public}); {@code jdbcParameters} e.g. {@code socketTimeout=3}. */
    public TestDatabase.Schema schema(String jdbcParameters) {
        return schemaVia(port, jdbcParameters);
    }

    /** {@link #schema} reached through {@code proxyPort} (a {@link TcpProxy} to this server). */
    public TestDatabase.Schema schemaVia(int proxyPort, String jdbcParameters) {
        // Always a query string: Schema.databaseUrl() appends the user with '&'.
        String url = "jdbc:postgresql://127.0.0.1:" + proxyPort + "/postgres?ApplicationName=liftos-fault-test"
                + (jdbcParameters.isEmpty() ? "" : "&" + jdbcParameters);
        return new TestDatabase.Schema("public", url, Optional.of("postgres"), Optional.empty());
    }

    /** A direct connection (not through any proxy) for the test's own checks. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", null);
    }

    /** A port nobody listens on now. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
