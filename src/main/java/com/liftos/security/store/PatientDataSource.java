package com.liftos.security.store;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Where the pool gets new connections. While the database refuses them (restarting, starting up, unreachable) it
 * tries again every {@link #RETRY_EVERY} for up to {@code patience} before failing, so the pool's creator thread
 * is already connecting when the database comes back. Without it that thread sleeps in HikariCP's exponential
 * backoff (up to 5 s between attempts), and the first request after a restart waited that long for a connection:
 * 2.0 s after a 3 s outage, up to 5 s after longer ones (docs/perf/faults.md). Requests never wait here: they wait
 * for the pool, bounded by its connection timeout.
 */
final class PatientDataSource implements DataSource {
    static final Duration RETRY_EVERY = Duration.ofMillis(100);

    private final DataSource target;
    private final Duration patience;

    PatientDataSource(DataSource target, Duration patience) {
        this.target = target;
        this.patience = patience;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return patiently(target::getConnection);
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return patiently(() -> target.getConnection(username, password));
    }

    private interface Connect {
        Connection open() throws SQLException;
    }

    private Connection patiently(Connect connect) throws SQLException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                return connect.open();
            } catch (SQLException e) {
                if (!refused(e) || System.nanoTime() - deadline >= 0) {
                    throw e;
                }
                try {
                    Thread.sleep(RETRY_EVERY);
                } catch (InterruptedException interrupted) {
                    // the pool is shutting down
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** No connection could be made (class 08), or the server is starting or stopping (57P03): worth another try. */
    static boolean refused(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || "57P03".equals(state));
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return target.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        target.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        target.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return target.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return target.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return type.isInstance(this) ? type.cast(this) : target.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(this) || target.isWrapperFor(type);
    }
}
