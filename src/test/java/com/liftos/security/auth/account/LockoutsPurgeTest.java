package com.liftos.security.auth.account;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.store.Purge;
import com.liftos.security.testing.TestApp;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Lockout counts: bounded (what no lock, link or window needs any more is purged, nothing else), and an attempt that
 * never reached the hash gives its place back.
 */
class LockoutsPurgeTest {
    @Test
    void countsNobodyNeedsArePurgedLocksAndLiveWindowsStay() {
        try (TestApp app = TestApp.start()) {
            Lockouts lockouts = new Lockouts(app.app().db(), new SecureRandom());
            Instant then = Instant.parse("2026-06-01T00:00:00Z");
            Lockouts.Scope stale = Lockouts.Scope.of(Optional.empty(), "guessed-" + then + "@example.test", Optional.empty());
            Lockouts.Scope locked = Lockouts.Scope.of(Optional.empty(), "locked@example.test", Optional.empty());
            Lockouts.Scope fresh = Lockouts.Scope.of(Optional.empty(), "fresh@example.test", Optional.empty());
            lockouts.reserve(stale, 10, Duration.ofMinutes(5), then);
            for (int i = 1; i <= 3; i++) {
                lockouts.reserve(locked, 3, Duration.ofMinutes(5), then);
            }
            assertThat(lockouts.failed(locked, 3, 3, Duration.ofDays(30), Duration.ofHours(24), then)).isPresent();
            Instant now = then.plus(Duration.ofDays(2));
            lockouts.reserve(fresh, 10, Duration.ofMinutes(5), now);

            int purged = app.app().db().run(c -> Lockouts.purge().purge(c, now, new Purge.Pages(0, 1_000_000)));
            assertThat(purged).isEqualTo(1);
            // the lock (30 days) still holds, the fresh count still counts
            assertThat(lockouts.reserve(locked, 3, Duration.ofMinutes(5), now)).isInstanceOf(Lockouts.Reservation.Refused.class);
            assertThat(lockouts.reserve(fresh, 10, Duration.ofMinutes(5), now))
                    .isEqualTo(new Lockouts.Reservation.Granted(2, Optional.empty()));
        }
    }

    @Test
    void aPlaceGivenBackByAnAttemptThatNeverReachedTheHashDoesNotCount() {
        try (TestApp app = TestApp.start()) {
            Lockouts lockouts = new Lockouts(app.app().db(), new SecureRandom());
            Instant now = Instant.parse("2026-06-01T00:00:00Z");
            Lockouts.Scope scope = Lockouts.Scope.of(Optional.empty(), "busy@example.test", Optional.empty());
            for (int i = 1; i <= 3; i++) {
                assertThat(lockouts.reserve(scope, 3, Duration.ofMinutes(5), now)).isEqualTo(new Lockouts.Reservation.Granted(i, Optional.empty()));
            }
            assertThat(lockouts.reserve(scope, 3, Duration.ofMinutes(5), now)).isInstanceOf(Lockouts.Reservation.Refused.class);
            // the third attempt got a busy answer instead of a hash: its place is given back, once
            lockouts.release(scope);
            assertThat(lockouts.reserve(scope, 3, Duration.ofMinutes(5), now)).isEqualTo(new Lockouts.Reservation.Granted(3, Optional.empty()));
            assertThat(lockouts.reserve(scope, 3, Duration.ofMinutes(5), now)).isInstanceOf(Lockouts.Reservation.Refused.class);
        }
    }
}
