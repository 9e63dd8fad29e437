package com.liftos.security.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Plain JDBC with transactions: {@link #tx} runs a function in one transaction and commits, or rolls back on any
 * exception. SQL exceptions surface as {@link StoreException}; callers keep their SQL parameterized.
 */
public final class Db {
    private final DataSource dataSource;

    public Db(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Work inside one transaction. */
    @FunctionalInterface
    public interface TxWork<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs {@code work} in a READ COMMITTED transaction. */
    public <T> T tx(TxWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } catch (Error e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("database error: " + e.getSQLState(), e);
        }
    }

    /** A deadlock or serialization failure: the transaction was rolled back whole and may simply run again. */
    public static boolean retryable(SQLException e) {
        return "40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState());
    }

    /** Runs {@code work} with an auto-commit connection (single statements, reads). */
    public <T> T run(TxWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException("database error: " + e.getSQLState(), e);
        }
    }
}
