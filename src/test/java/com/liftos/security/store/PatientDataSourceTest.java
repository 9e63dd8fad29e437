package com.liftos.security.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The pool's connection source keeps trying while the database refuses, and only then. */
class PatientDataSourceTest {
    private final Connection connection = (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {Connection.class}, (p, m, a) -> null);

    @Test
    void aRefusedConnectionIsTriedAgainUntilTheDatabaseAnswers() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        DataSource source = failing(attempts, 3, "08001");
        assertThat(new PatientDataSource(source, Duration.ofSeconds(5)).getConnection()).isSameAs(connection);
        assertThat(attempts).hasValue(4);
    }

    @Test
    void aDatabaseStartingUpIsWaitedFor() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        assertThat(new PatientDataSource(failing(attempts, 2, "57P03"), Duration.ofSeconds(5)).getConnection()).isSameAs(connection);
    }

    @Test
    void otherFailuresAreNotRetried() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> new PatientDataSource(failing(attempts, 5, "28P01"), Duration.ofSeconds(5)).getConnection())
                .isInstanceOf(SQLException.class);
        assertThat(attempts).hasValue(1);
    }

    @Test
    void patienceRunsOut() {
        AtomicInteger attempts = new AtomicInteger();
        long start = System.nanoTime();
        assertThatThrownBy(() -> new PatientDataSource(failing(attempts, Integer.MAX_VALUE, "08001"), Duration.ofMillis(300)).getConnection())
                .isInstanceOf(SQLException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(attempts.get()).isBetween(2, 6);
    }

    /** A data source failing {@code failures} times with {@code state}, then answering {@link #connection}. */
    private DataSource failing(AtomicInteger attempts, int failures, String state) {
        return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class}, (p, m, a) -> {
            if (!m.getName().equals("getConnection")) {
                throw new UnsupportedOperationException(m.getName());
            }
            if (attempts.incrementAndGet() <= failures) {
                throw new SQLException("refused", state);
            }
            return connection;
        });
    }
}
