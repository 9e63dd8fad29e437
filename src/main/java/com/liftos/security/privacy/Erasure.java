package com.liftos.security.privacy;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.identity.Principal;
import com.liftos.security.org.Organizations;
import com.liftos.security.store.Db;
import com.liftos.security.subject.DataSubject;
import com.liftos.security.subject.DataSubjects;
import com.liftos.security.subject.PersonalData;
import com.liftos.security.subject.PersonalData.Erased;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The right to erasure, for one user or a whole organization. Each feature erases its own share
 * ({@link PersonalData#erase}); the audit chain pseudonymizes instead of deleting, so it stays verifiable.
 */
public final class Erasure {
    private final Db db;
    private final AuditLog audit;
    private final Organizations orgs;
    private final DataSubjects accounts;
    private final List<PersonalData> shares;
    private final ErasureLevers levers;
    private final Clock clock;

    Erasure(Db db, AuditLog audit, Organizations orgs, DataSubjects accounts, List<PersonalData> shares, ErasureLevers levers,
            Clock clock) {
        this.db = db;
        this.audit = audit;
        this.orgs = orgs;
        this.accounts = accounts;
        this.shares = shares;
        this.levers = levers;
        this.clock = clock;
    }

    /** What a user's erasure did: rows deleted per category, and audit records pseudonymized. */
    public record UserErased(UUID userId, Map<String, Integer> deleted, int auditRecordsPseudonymized) {
        public UserErased {
            deleted = Collections.unmodifiableMap(new LinkedHashMap<>(deleted));
        }
    }

    public sealed interface UserOutcome {
        record Done(UserErased erased) implements UserOutcome {}

        /** An admin cannot erase their own account; another admin must. */
        record SelfErasure() implements UserOutcome {}

        /** The user was gone by the time the erasure locked it. */
        record NoSuchUser() implements UserOutcome {}
    }

    /**
     * Erases a user: ends their sessions first (so tokens stop verifying everywhere), then in ONE transaction every
     * feature erases its share, the account last, and DATA_ERASURE is recorded. The addresses every feature holds
     * for the user are gathered before anything is erased, so incident records and the block list forget them too.
     */
    public UserOutcome eraseUser(DataSubject subject, Requester by) {
        if (by.principal().map(Principal::subject).equals(Optional.of(subject.userId()))) {
            return new UserOutcome.SelfErasure();
        }
        levers.endSessionsOfUser(subject.userId());
        Instant now = clock.instant();
        return db.tx(c -> {
            Optional<DataSubject> locked = accounts.lockForErasure(c, subject.orgId(), subject.userId());
            if (locked.isEmpty()) {
                return new UserOutcome.NoSuchUser();
            }
            DataSubject s = locked.get();
            Set<String> addresses = new LinkedHashSet<>(accounts.addresses(c, s));
            for (PersonalData share : shares) {
                addresses.addAll(share.addresses(c, s));
            }
            Tally tally = new Tally();
            for (PersonalData share : shares) {
                tally.add(share.erase(c, s, addresses));
            }
            tally.add(accounts.erase(c, s, addresses));
            audit.record(c, by.event(SecurityEventType.DATA_ERASURE, "gdpr_erasure", s.orgId(), s.userId())
                    .detail("deleted", tally.deleted).detail("audit_records_pseudonymized", tally.pseudonymized).risk(0.5).build(now));
            return new UserOutcome.Done(new UserErased(s.userId(), tally.deleted, tally.pseudonymized));
        });
    }

    /** What an organization's erasure did. */
    public record OrganizationErased(UUID orgId, boolean erased, int dataKeysShredded, int auditRecordsPseudonymized) {}

    public sealed interface OrganizationOutcome {
        record Done(OrganizationErased erased) implements OrganizationOutcome {}

        record NotSuperAdmin() implements OrganizationOutcome {}

        /** The caller's own organization cannot be erased. */
        record OwnOrganization() implements OrganizationOutcome {}

        record NoSuchOrganization() implements OrganizationOutcome {}
    }

    /**
     * Erases a whole organization (super admins only): crypto-shreds its vault data keys first, so no credential of
     * the org can ever be decrypted again, then erases what outlives the organization (its users' records in the
     * audit chain, pseudonymized) and deletes the org; everything else cascades with it. Recorded in the system
     * chain: the org's own chain stays as it was, pseudonymized.
     */
    public OrganizationOutcome eraseOrganization(UUID orgId, Requester by) {
        Optional<Principal> caller = by.principal().filter(Principal::isSuperAdmin);
        if (caller.isEmpty()) {
            return new OrganizationOutcome.NotSuperAdmin();
        }
        Principal p = caller.get();
        if (p.orgId().equals(orgId)) {
            return new OrganizationOutcome.OwnOrganization();
        }
        if (orgs.find(orgId).isEmpty()) {
            return new OrganizationOutcome.NoSuchOrganization();
        }
        levers.endSessionsOfOrganization(orgId);
        int keys = levers.shredVaultKeys(orgId, by);
        Instant now = clock.instant();
        return db.tx(c -> {
            int pseudonymized = 0;
            for (DataSubject s : accounts.ofOrganization(c, orgId)) {
                pseudonymized += pseudonymized(beyondOrganization(c, s));
            }
            boolean erased = orgs.delete(c, orgId);
            audit.record(c, SecurityEvent.builder(SecurityEventType.DATA_ERASURE, "erase_organization")
                    .actor(p.subject(), SecurityEvent.ActorType.USER).resource("org:" + orgId).clientIp(by.clientIp())
                    .requestId(by.requestId()).detail("data_keys_shredded", keys)
                    .detail("audit_records_pseudonymized", pseudonymized).risk(0.7).build(now));
            return new OrganizationOutcome.Done(new OrganizationErased(orgId, erased, keys, pseudonymized));
        });
    }

    private List<Erased> beyondOrganization(Connection c, DataSubject s) throws SQLException {
        List<Erased> all = new ArrayList<>(accounts.eraseBeyondOrganization(c, s));
        for (PersonalData share : shares) {
            all.addAll(share.eraseBeyondOrganization(c, s));
        }
        return all;
    }

    private static int pseudonymized(List<Erased> steps) {
        return steps.stream().filter(e -> e instanceof Erased.Pseudonymized).mapToInt(Erased::rows).sum();
    }

    /** Rows deleted per category (in the order the features report them) and pseudonymized records. */
    private static final class Tally {
        final Map<String, Integer> deleted = new LinkedHashMap<>();
        int pseudonymized;

        void add(List<Erased> steps) {
            for (Erased e : steps) {
                switch (e) {
                    case Erased.Deleted d -> deleted.merge(d.category(), d.rows(), Integer::sum);
                    case Erased.Pseudonymized p -> pseudonymized += p.rows();
                }
            }
        }
    }
}
