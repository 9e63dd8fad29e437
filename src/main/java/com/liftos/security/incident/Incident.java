package com.liftos.security.incident;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One incident as stored, with its timeline (oldest first); {@code declaration} is present for incidents an admin
 * declared by hand.
 */
public record Incident(UUID id, Optional<UUID> orgId, IncidentType type, Severity severity, Status status, String subject,
                       Instant openedAt, Instant respondBy, Optional<Instant> containedAt, Optional<Instant> resolvedAt,
                       Instant updatedAt, int hits, List<UUID> affectedUsers, List<String> affectedKeys,
                       List<UUID> evidence, List<TimelineEntry> timeline, Optional<Declaration> declaration) {

    /** What the declarer wrote. */
    public record Declaration(String title, String description) {
        public Declaration {
            Objects.requireNonNull(title);
            Objects.requireNonNull(description);
        }
    }

    public enum Status {
        OPEN("open"), CONTAINED("contained"), RESOLVED("resolved");

        private final String wire;

        Status(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static Optional<Status> parse(String s) {
            return Arrays.stream(values()).filter(v -> v.wire.equals(s)).findFirst();
        }
    }

    public record TimelineEntry(Instant at, Optional<UUID> actorId, String action, String detailJson) {}

    public Incident {
        Objects.requireNonNull(id);
        affectedUsers = List.copyOf(affectedUsers);
        affectedKeys = List.copyOf(affectedKeys);
        evidence = List.copyOf(evidence);
        timeline = List.copyOf(timeline);
    }

    /** Not contained (or resolved) within the guide's response target for its severity. */
    public boolean overdue(Instant now) {
        Optional<Instant> handled = containedAt.or(() -> resolvedAt);
        return handled.map(respondBy::isBefore).orElseGet(() -> now.isAfter(respondBy));
    }
}
