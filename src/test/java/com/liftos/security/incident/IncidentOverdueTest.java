package com.liftos.security.incident;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The overdue flag against the guide's response targets. */
class IncidentOverdueTest {
    static final Instant OPENED = Instant.parse("2026-11-22T10:00:00Z");

    static Incident incident(Severity s, Optional<Instant> contained) {
        return new Incident(UUID.randomUUID(), Optional.empty(), IncidentType.BRUTE_FORCE_ATTACK, s, contained.isPresent()
                ? Incident.Status.CONTAINED : Incident.Status.OPEN, "user:x", OPENED, OPENED.plus(s.responseTarget()), contained,
                Optional.empty(), OPENED, 1, List.of(), List.of(), List.of(), List.of(), Optional.empty());
    }

    @Test
    void targetsFollowTheGuide() {
        assertThat(Severity.CRITICAL.responseTarget()).isEqualTo(Duration.ofMinutes(15));
        assertThat(Severity.HIGH.responseTarget()).isEqualTo(Duration.ofHours(1));
        assertThat(Severity.MEDIUM.responseTarget()).isEqualTo(Duration.ofHours(4));
        assertThat(Severity.LOW.responseTarget()).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void openPastTheTargetIsOverdueContainedInTimeIsNot() {
        Incident open = incident(Severity.CRITICAL, Optional.empty());
        assertThat(open.overdue(OPENED.plusSeconds(14 * 60))).isFalse();
        assertThat(open.overdue(OPENED.plusSeconds(16 * 60))).isTrue();
        Incident inTime = incident(Severity.CRITICAL, Optional.of(OPENED.plusSeconds(10 * 60)));
        assertThat(inTime.overdue(OPENED.plus(Duration.ofDays(2)))).isFalse();
        Incident late = incident(Severity.HIGH, Optional.of(OPENED.plus(Duration.ofMinutes(90))));
        assertThat(late.overdue(OPENED.plus(Duration.ofDays(2)))).isTrue();
    }
}
