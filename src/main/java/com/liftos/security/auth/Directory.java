package com.liftos.security.auth;

import com.liftos.security.auth.account.Logins;
import com.liftos.security.auth.account.SecondFactor;
import com.liftos.security.auth.session.SessionInfo;
import com.liftos.security.auth.session.SessionPages;
import com.liftos.security.auth.user.UserPages;
import com.liftos.security.org.Organization;
import com.liftos.security.org.Organizations;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The platform's organizations in pages, and an organization's members as its administrators see them: users in
 * pages (with a filter on MFA, which the MFA feature answers, so it is applied to each page the user query gives),
 * one user in full, a user's sessions in pages. Each page is read one item past its end to know whether more follow.
 */
final class Directory {
    /** Devices shown with a user: the most recently seen. */
    static final int DEVICES_SHOWN = 50;
    /** Users one page filtered on MFA reads at most; a page cut short there says where to go on (next_cursor). */
    static final int MFA_SCAN_LIMIT = 5_000;
    private static final int MFA_BATCH = 200;

    private final Organizations orgs;
    private final UserPages users;
    private final SessionPages sessions;
    private final SecondFactor factors;
    private final Logins logins;

    Directory(Organizations orgs, UserPages users, SessionPages sessions, SecondFactor factors, Logins logins) {
        this.orgs = orgs;
        this.users = users;
        this.sessions = sessions;
        this.factors = factors;
        this.logins = logins;
    }

    /** A page of items and, when more may follow, the position of its last item. */
    record Page<T, K>(List<T> items, Optional<K> next) {
        Page {
            items = List.copyOf(items);
        }
    }

    /** A listed user and whether they have an enabled second factor. */
    record Member(UserPages.Entry entry, boolean mfaEnabled) {}

    /** A user in full: the account, their factors, devices, locks and live sessions. */
    record Profile(UserPages.Entry entry, List<SecondFactor.Factor> factors, List<SessionPages.KnownDevice> devices,
                   Optional<Instant> unknownDevicesLockedUntil, long activeSessions) {}

    /** Up to {@code limit} organizations whose name starts with {@code prefix}, after {@code after}. */
    Page<Organization, Organizations.NameKey> orgs(Optional<String> prefix, Optional<Organizations.NameKey> after, int limit) {
        List<Organization> rows = orgs.page(prefix, after, limit + 1);
        if (rows.size() <= limit) {
            return new Page<>(rows, Optional.empty());
        }
        Organization last = rows.get(limit - 1);
        return new Page<>(rows.subList(0, limit), Optional.of(new Organizations.NameKey(last.name(), last.id())));
    }

    /**
     * Up to {@code limit} users after {@code after}; with {@code mfa}, only those whose having an enabled factor is
     * {@code mfa}. Such a page may hold fewer than {@code limit} users while more follow (it stops after
     * {@link #MFA_SCAN_LIMIT} users read): the caller goes on while there is a next position.
     */
    Page<Member, UserPages.Key> users(UUID orgId, UserPages.Filter filter, Optional<Boolean> mfa,
                                      Optional<UserPages.Key> after, int limit) {
        if (mfa.isEmpty()) {
            List<UserPages.Entry> rows = users.page(orgId, filter, after, limit + 1);
            boolean more = rows.size() > limit;
            List<UserPages.Entry> page = more ? rows.subList(0, limit) : rows;
            Set<UUID> enabled = factors.withEnabledFactor(page.stream().map(e -> e.user().id()).toList());
            return new Page<>(page.stream().map(e -> new Member(e, enabled.contains(e.user().id()))).toList(),
                    more ? Optional.of(page.get(page.size() - 1).key()) : Optional.empty());
        }
        List<Member> items = new ArrayList<>();
        Optional<UserPages.Key> position = after;
        int read = 0;
        while (true) {
            List<UserPages.Entry> rows = users.page(orgId, filter, position, MFA_BATCH);
            boolean exhausted = rows.size() < MFA_BATCH;
            Set<UUID> enabled = factors.withEnabledFactor(rows.stream().map(e -> e.user().id()).toList());
            for (int i = 0; i < rows.size(); i++) {
                UserPages.Entry e = rows.get(i);
                read++;
                position = Optional.of(e.key());
                boolean has = enabled.contains(e.user().id());
                if (has == mfa.get()) {
                    items.add(new Member(e, has));
                    if (items.size() == limit) {
                        boolean last = exhausted && i == rows.size() - 1;
                        return new Page<>(items, last ? Optional.empty() : position);
                    }
                }
            }
            if (exhausted) {
                return new Page<>(items, Optional.empty());
            }
            if (read >= MFA_SCAN_LIMIT) {
                return new Page<>(items, position);
            }
        }
    }

    /** User {@code userId} of {@code orgId} in full. */
    Optional<Profile> user(UUID orgId, UUID userId) {
        return users.find(orgId, userId).map(e -> new Profile(e, factors.factorsOf(userId),
                sessions.devices(userId, DEVICES_SHOWN), logins.unknownDevicesLockedUntil(userId),
                sessions.count(userId, SessionPages.State.ACTIVE)));
    }

    /** The user's session {@code sessionId}, if it is theirs. */
    Optional<SessionInfo> session(UUID userId, UUID sessionId) {
        return sessions.find(userId, sessionId);
    }

    /** How many of the user's sessions are in {@code state}. */
    long sessionCount(UUID userId, SessionPages.State state) {
        return sessions.count(userId, state);
    }

    /** Up to {@code limit} of the user's sessions in {@code state}, newest first, after {@code after}. */
    Page<SessionInfo, SessionPages.Key> sessions(UUID userId, SessionPages.State state, Optional<SessionPages.Key> after, int limit) {
        List<SessionInfo> rows = sessions.page(userId, state, after, limit + 1);
        if (rows.size() <= limit) {
            return new Page<>(rows, Optional.empty());
        }
        SessionInfo last = rows.get(limit - 1);
        return new Page<>(rows.subList(0, limit), Optional.of(new SessionPages.Key(last.createdAt(), last.id())));
    }
}
