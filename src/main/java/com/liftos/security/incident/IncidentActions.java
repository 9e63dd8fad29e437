package com.liftos.security.incident;

import com.liftos.security.auth.user.UserDirectory;
import com.liftos.security.incident.IncidentAction.BlockIp;
import com.liftos.security.incident.IncidentAction.BlockScope;
import com.liftos.security.incident.IncidentAction.ChangeStatus;
import com.liftos.security.incident.IncidentAction.ContainmentAction;
import com.liftos.security.incident.IncidentAction.EndSessions;
import com.liftos.security.incident.IncidentAction.LockUser;
import com.liftos.security.incident.IncidentAction.Note;
import com.liftos.security.incident.IncidentAction.RevokeCredentials;
import com.liftos.security.incident.IncidentAction.SetEmergencyMode;
import com.liftos.security.incident.IncidentAction.SetSeverity;
import com.liftos.security.incident.IncidentAction.UnblockIp;
import com.liftos.security.incident.IncidentAction.UnlockUser;
import com.liftos.security.org.SecurityConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Carries out an admin's action on an incident: status and severity on the incident itself, containment through
 * the other features' levers ({@link Containment}), the block list and emergency mode. A lever that names a user
 * only acts on a user of the incident's organization; the block list's entries are the incident organization's,
 * global ones only for super admins.
 */
final class IncidentActions {
    private static final String REASON = "incident_containment";
    private static final int MAX_MINUTES = 60 * 24 * 365;

    private final IncidentStore store;
    private final Containment containment;
    private final IpBlocklist blocklist;
    private final EmergencyMode emergency;
    private final UserDirectory users;
    private final Function<UUID, SecurityConfig> configs;

    IncidentActions(IncidentStore store, Containment containment, IpBlocklist blocklist, EmergencyMode emergency,
                    UserDirectory users, Function<UUID, SecurityConfig> configs) {
        this.store = store;
        this.containment = containment;
        this.blocklist = blocklist;
        this.emergency = emergency;
        this.users = users;
        this.configs = configs;
    }

    /** What an action did (the response's and the timeline's {@code result}), or why it was refused. */
    sealed interface Result {
        record Applied(Map<String, Object> result) implements Result {}

        /** Not valid as asked (a bad value, nothing to change). */
        record Refused(String message) implements Result {}

        /** Beyond what the responder may do (a global block by an organization's admin). */
        record Forbidden(String message) implements Result {}

        /** {@code unblock_ip} of an address with no entry in the scope asked for; nothing changed. */
        record NotBlocked(String message) implements Result {}
    }

    Result run(UUID orgId, Incident incident, IncidentAction action, Optional<String> note, Incidents.Responder by, Instant now) {
        Map<String, Object> result = new LinkedHashMap<>();
        switch (action) {
            case ChangeStatus s -> {
                if (incident.status() == Incident.Status.RESOLVED || incident.status() == s.target()) {
                    return new Result.Refused("incident is already " + incident.status().wire());
                }
                store.setStatus(incident.id(), s.target(), now);
            }
            case Note n -> {
                // the note itself goes into the timeline
            }
            case SetSeverity s -> {
                store.setSeverity(incident.id(), s.severity(), now);
                result.put("previous_severity", incident.severity().wire());
            }
            case ContainmentAction c -> {
                return contain(orgId, incident.id(), c, note, by, now);
            }
        }
        return new Result.Applied(result);
    }

    private Result contain(UUID orgId, UUID incidentId, ContainmentAction action, Optional<String> note,
                           Incidents.Responder by, Instant now) {
        Containment.Actor actor = by.actor();
        Map<String, Object> result = new LinkedHashMap<>();
        Optional<UUID> named = switch (action) {
            case LockUser l -> Optional.of(l.userId());
            case UnlockUser u -> Optional.of(u.userId());
            case EndSessions e -> e.userId();
            default -> Optional.empty();
        };
        if (named.isPresent() && !users.isMember(orgId, named.get())) {
            return new Result.Refused(action.name().wire() + " needs 'user_id' of a user of this organization");
        }
        switch (action) {
            case LockUser l -> {
                int minutes = l.minutes().orElseGet(() -> thresholds(orgId).lockMinutes());
                if (minutes < 1 || minutes > MAX_MINUTES) {
                    return minutesOutOfRange();
                }
                containment.lockUser(l.userId(), now.plus(Duration.ofMinutes(minutes)), REASON, actor);
                result.put("locked_minutes", minutes);
            }
            case UnlockUser u -> containment.unlockUser(u.userId(), actor);
            case EndSessions e -> result.put("sessions_ended", e.userId().isPresent()
                    ? containment.endSessionsOfUser(e.userId().get(), REASON) : containment.endSessionsOfOrg(orgId, REASON));
            case RevokeCredentials r -> result.put("credentials_revoked", containment.revokeCredentials(orgId, REASON, actor));
            case BlockIp b -> {
                int minutes = b.minutes().orElseGet(() -> thresholds(orgId).ipBlockMinutes());
                if (minutes < 1 || minutes > MAX_MINUTES) {
                    return minutesOutOfRange();
                }
                if (b.scope() == BlockScope.GLOBAL && !by.superAdmin()) {
                    return new Result.Forbidden("Only a super admin may block an address globally");
                }
                blocklist.block(b.ip(), scope(b.scope(), orgId), Duration.ofMinutes(minutes), REASON, Optional.of(incidentId),
                        Optional.of(orgId), actor);
                result.put("blocked_minutes", minutes);
                result.put("scope", b.scope().wire());
            }
            case UnblockIp u -> {
                if (u.scope() == BlockScope.GLOBAL && !by.superAdmin()) {
                    return new Result.Forbidden("Only a super admin may lift a global block");
                }
                if (!blocklist.unblock(u.ip(), scope(u.scope(), orgId), Optional.of(orgId), actor)) {
                    return notBlocked(u, by);
                }
                result.put("unblocked", true);
                result.put("scope", u.scope().wire());
            }
            case SetEmergencyMode m -> result.put("changed", m.on()
                    ? emergency.enable(orgId, note.orElse("incident " + incidentId), actor) : emergency.disable(orgId, actor));
        }
        named.ifPresent(user -> result.put("user_id", user.toString()));
        return new Result.Applied(result);
    }

    private static IpBlocklist.Scope scope(BlockScope asked, UUID orgId) {
        return asked == BlockScope.GLOBAL ? new IpBlocklist.Scope.Global() : new IpBlocklist.Scope.Org(orgId);
    }

    /** Nothing to lift in the scope asked for; an organization's admin learns that a global block is not theirs to lift. */
    private Result notBlocked(UnblockIp u, Incidents.Responder by) {
        if (u.scope() == BlockScope.ORG && blocklist.isBlocked(u.ip())) {
            return by.superAdmin() ? new Result.NotBlocked("The address is blocked globally, not for this organization: use scope global")
                    : new Result.Forbidden("The address is blocked globally; only a super admin may lift that block");
        }
        return new Result.NotBlocked(u.scope() == BlockScope.ORG ? "The address is not blocked for this organization"
                : "The address is not blocked globally");
    }

    private SecurityConfig.IncidentThresholds thresholds(UUID orgId) {
        return configs.apply(orgId).incidentThresholds();
    }

    private static Result minutesOutOfRange() {
        return new Result.Refused("minutes must be between 1 and " + MAX_MINUTES);
    }
}
