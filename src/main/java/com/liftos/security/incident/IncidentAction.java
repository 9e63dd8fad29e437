package com.liftos.security.incident;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * What an admin does to an incident: change its status or severity, add a note, or pull a containment lever. Read
 * from a {@link Request} by {@link #read}, which checks each action's own fields; whether a named user belongs to the
 * organization is checked when the action runs.
 */
sealed interface IncidentAction {

    Name name();

    /** The actions' wire names. */
    enum Name {
        CONTAIN, RESOLVE, NOTE, SET_SEVERITY, LOCK_USER, UNLOCK_USER, END_SESSIONS, REVOKE_CREDENTIALS, BLOCK_IP,
        UNBLOCK_IP, EMERGENCY_MODE_ON, EMERGENCY_MODE_OFF;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Name> parse(String s) {
            return Arrays.stream(values()).filter(v -> v.wire().equals(s)).findFirst();
        }

        /** Every wire name, comma-separated (for error messages). */
        public static String all() {
            return Arrays.stream(values()).map(Name::wire).collect(Collectors.joining(", "));
        }
    }

    /** An action as asked for, every field but the name optional; {@code note} goes into the timeline of any action. */
    record Request(String action, Optional<String> note, Optional<UUID> userId, Optional<String> ip,
                   Optional<Integer> minutes, Optional<String> severity, Optional<String> scope) {}

    /**
     * Which block list entries {@code block_ip} / {@code unblock_ip} act on: the incident's organization's (the
     * default, for everybody) or the global ones (super admins only, checked when the action runs).
     */
    enum BlockScope {
        ORG, GLOBAL;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<BlockScope> parse(String s) {
            return Arrays.stream(values()).filter(v -> v.wire().equals(s)).findFirst();
        }
    }

    /** Contain or resolve. */
    record ChangeStatus(Incident.Status target) implements IncidentAction {
        @Override
        public Name name() {
            return target == Incident.Status.CONTAINED ? Name.CONTAIN : Name.RESOLVE;
        }
    }

    /** Only a timeline entry (the request's note). */
    record Note() implements IncidentAction {
        @Override
        public Name name() {
            return Name.NOTE;
        }
    }

    record SetSeverity(Severity severity) implements IncidentAction {
        @Override
        public Name name() {
            return Name.SET_SEVERITY;
        }
    }

    /** A lever another feature or this one owns (accounts, sessions, the vault, the block list, emergency mode). */
    sealed interface ContainmentAction extends IncidentAction {}

    /** For {@code minutes}, else the organization's {@code lock_minutes}. */
    record LockUser(UUID userId, Optional<Integer> minutes) implements ContainmentAction {
        @Override
        public Name name() {
            return Name.LOCK_USER;
        }
    }

    record UnlockUser(UUID userId) implements ContainmentAction {
        @Override
        public Name name() {
            return Name.UNLOCK_USER;
        }
    }

    /** One user's sessions, or every session of the organization when no user is named. */
    record EndSessions(Optional<UUID> userId) implements ContainmentAction {
        @Override
        public Name name() {
            return Name.END_SESSIONS;
        }
    }

    record RevokeCredentials() implements ContainmentAction {
        @Override
        public Name name() {
            return Name.REVOKE_CREDENTIALS;
        }
    }

    /** For {@code minutes}, else the organization's {@code ip_block_minutes}; {@code ip} is normalized. */
    record BlockIp(String ip, Optional<Integer> minutes, BlockScope scope) implements ContainmentAction {
        @Override
        public Name name() {
            return Name.BLOCK_IP;
        }
    }

    record UnblockIp(String ip, BlockScope scope) implements ContainmentAction {
        @Override
        public Name name() {
            return Name.UNBLOCK_IP;
        }
    }

    record SetEmergencyMode(boolean on) implements ContainmentAction {
        @Override
        public Name name() {
            return on ? Name.EMERGENCY_MODE_ON : Name.EMERGENCY_MODE_OFF;
        }
    }

    /** A request read into an action, or the reason it cannot be. */
    sealed interface Reading {
        record Valid(IncidentAction action) implements Reading {}

        record Invalid(String message) implements Reading {}
    }

    static Reading read(Request r) {
        Optional<Name> name = Name.parse(r.action());
        if (name.isEmpty()) {
            return new Reading.Invalid("unknown action; one of " + Name.all());
        }
        String needsUser = r.action() + " needs 'user_id' of a user of this organization";
        String needsIp = r.action() + " needs 'ip': an IPv4 or IPv6 address";
        Optional<String> ip = r.ip().flatMap(IpBlocklist::normalize);
        Optional<BlockScope> scope = r.scope().isEmpty() ? Optional.of(BlockScope.ORG) : r.scope().flatMap(BlockScope::parse);
        if (scope.isEmpty() && (name.get() == Name.BLOCK_IP || name.get() == Name.UNBLOCK_IP)) {
            return new Reading.Invalid("'scope' must be org (the default) or global");
        }
        return switch (name.get()) {
            case CONTAIN -> valid(new ChangeStatus(Incident.Status.CONTAINED));
            case RESOLVE -> valid(new ChangeStatus(Incident.Status.RESOLVED));
            case NOTE -> r.note().filter(n -> !n.isBlank()).isPresent() ? valid(new Note())
                    : new Reading.Invalid("note needs a non-empty 'note'");
            case SET_SEVERITY -> r.severity().flatMap(Severity::parse).<Reading>map(s -> valid(new SetSeverity(s)))
                    .orElse(new Reading.Invalid("set_severity needs 'severity': critical, high, medium or low"));
            case LOCK_USER -> r.userId().<Reading>map(u -> valid(new LockUser(u, r.minutes()))).orElse(new Reading.Invalid(needsUser));
            case UNLOCK_USER -> r.userId().<Reading>map(u -> valid(new UnlockUser(u))).orElse(new Reading.Invalid(needsUser));
            case END_SESSIONS -> valid(new EndSessions(r.userId()));
            case REVOKE_CREDENTIALS -> valid(new RevokeCredentials());
            case BLOCK_IP -> ip.<Reading>map(a -> valid(new BlockIp(a, r.minutes(), scope.get()))).orElse(new Reading.Invalid(needsIp));
            case UNBLOCK_IP -> ip.<Reading>map(a -> valid(new UnblockIp(a, scope.get()))).orElse(new Reading.Invalid(needsIp));
            case EMERGENCY_MODE_ON -> valid(new SetEmergencyMode(true));
            case EMERGENCY_MODE_OFF -> valid(new SetEmergencyMode(false));
        };
    }

    private static Reading valid(IncidentAction action) {
        return new Reading.Valid(action);
    }
}
