package com.liftos.security.auth.session;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.token.AccessTokens;
import com.liftos.security.auth.token.TokenState;
import com.liftos.security.auth.user.User;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.ratelimit.Budgets;
import com.liftos.security.store.Db;
import com.liftos.security.store.Purge;
import com.liftos.security.identity.RoleDirectory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * User sessions and their refresh-token families. {@link #open} is the one way to hand a user a token pair
 * (password login here; the MFA step calls it with its own {@code amr}).
 *
 * <p>Refresh tokens carry their session (family) and 256 secret bits ({@link RefreshTokens}); only their SHA-256 is
 * stored (a high-entropy secret needs no slow hash). Each refresh retires the presented token and issues its
 * successor; a retired token presented again revokes the whole family (RFC 9700 §4.14.2) — unless it is a replay:
 * presented again within the reuse interval, from the session's device, while the successor is unused, it gets that
 * same successor (a client whose answer was lost retries with the token it still has). Rotations are
 * group-committed ({@link Rotations}); of concurrent refreshes with one token exactly one rotates it.
 *
 * <p>Retired tokens are purged ({@link #purges}) once the retention for them has passed; the family tag in every
 * token keeps such a token recognisable as reuse for as long as its session row exists.
 */
public final class Sessions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
    /**
     * TOKEN_REFRESHED is written for a session's first rotation in this time, and for every rotation from an
     * address other than the session's own. Auditing every rotation cut refresh throughput by about 90 %
     * (bench/auth.sh refresh, builds alternated on a shared two-core host: 68 and 96/s against 672-1,098/s without
     * the event): each event is an audit chain append the refresh waits for, and a distinct-address count by the
     * incident detector over the user's events of the last hour, which grows with them. A client refreshes about
     * once per access-token lifetime (60 min), so in normal use every rotation is still audited.
     */
    static final Duration REFRESH_AUDIT_EVERY = Duration.ofMinutes(15);

    /** What the user's roles grant, custom roles read afresh: at sign-in and at every refresh. */
    private final RoleDirectory roles;
    private final Db db;
    private final Function<UUID, SecurityConfig> orgConfigs;
    private final AccessTokens tokens;
    private final TokenState state;
    private final AuditLog audit;

    private final Clock clock;
    private final Duration refreshLifetime;
    private final RefreshPolicy policy;
    private final RefreshTokens refreshTokens;
    private final boolean limitRefuses;
    /** SECURITY_DEVICE_FINGERPRINTING_ENABLED: when off, no new-device flags and refresh tokens are not bound to a device. */
    private final boolean fingerprintDevices;
    private final Rotations rotations;
    private final Budgets budgets;
    private final BiPredicate<UUID, String> addressAllowed;

    /**
     * How refresh tokens behave.
     *
     * @param lifetime                refresh token lifetime (sliding with each rotation) and session absolute lifetime
     * @param reuseInterval           how long after a rotation the retired token may be replayed (zero: never)
     * @param hangAfterCommitDeviceId fault injection for tests only ({@code LIFTOS_TEST_HANG_AFTER_REFRESH_COMMIT}): a
     *                                refresh sent with this {@code device_id} never answers once its rotation committed
     */
    public record RefreshPolicy(Duration lifetime, Duration reuseInterval, Optional<String> hangAfterCommitDeviceId) {
        public RefreshPolicy {
            if (reuseInterval.isNegative()) {
                throw new IllegalArgumentException("reuse interval must not be negative");
            }
        }
    }

    /**
     * {@code serviceKeyFile}: keys the refresh tokens' family tags and successors ({@link RefreshTokens});
     * {@code addressAllowed}: whether an organization accepts requests from an address (its IP allow-list and its
     * blocks), asked of every refresh as of every login.
     */
    public Sessions(Db db, Function<UUID, SecurityConfig> orgConfigs, AccessTokens tokens, TokenState state, AuditLog audit, Clock clock,
                    SecureRandom random, RefreshPolicy policy, byte[] serviceKeyFile, boolean limitRefuses, boolean fingerprintDevices,
                    Budgets budgets, RoleDirectory roles, BiPredicate<UUID, String> addressAllowed) {
        this.roles = roles;
        this.addressAllowed = addressAllowed;
        this.fingerprintDevices = fingerprintDevices;
        this.budgets = budgets;
        this.db = db;
        this.orgConfigs = orgConfigs;
        this.tokens = tokens;
        this.state = state;
        this.audit = audit;
        this.clock = clock;
        this.refreshLifetime = policy.lifetime();
        this.policy = policy;
        this.refreshTokens = new RefreshTokens(serviceKeyFile, random);
        this.limitRefuses = limitRefuses;
        this.rotations = new Rotations(db.dataSource(), clock, refreshLifetime, REFRESH_AUDIT_EVERY, policy.reuseInterval());
    }

    /**
     * The retention rules of sessions and refresh tokens, for {@code store.Housekeeping}:
     * <ul>
     *   <li>a retired token's row goes {@code retiredTokens} after its rotation: its family tag keeps it recognisable
     *   as reuse, and nothing else needs it (rows of tokens issued before V16, which carry no family, stay with their
     *   session);</li>
     *   <li>a session (with every token of its family) goes {@code sessions} after it ended, expired or went idle; a
     *   token of it is then merely unknown, as its family has nothing left to revoke.</li>
     * </ul>
     */
    public static List<Purge> purges(Duration sessions, Duration retiredTokens) {
        return List.of(
                // Sessions first: their tokens go with them, and the vacuum after the tokens' own purge covers those too.
                Purge.olderThan("auth_sessions", sessions, """
                        DELETE FROM auth_sessions WHERE ctid >= ?::tid AND ctid < ?::tid
                          AND (ended_at < ? OR expires_at < ? OR last_seen_at + make_interval(secs => idle_timeout_seconds) < ?)"""),
                Purge.olderThan("refresh_tokens", retiredTokens, """
                        DELETE FROM refresh_tokens WHERE ctid >= ?::tid AND ctid < ?::tid
                          AND status = 'rotated' AND carries_family AND used_at < ?"""));
    }

    /** Writes the rotations already queued, then stops taking more. */
    @Override
    public void close() {
        rotations.close();
    }

    /** A new session: its tokens, how it was authenticated ({@code amr}) and what was noticed about the device. */
    public record Opened(TokenPair tokens, List<String> amr, boolean newDevice, boolean ipChanged, double riskScore) {
        public Opened {
            amr = List.copyOf(amr);
        }
    }

    /** The organization's {@code max_concurrent_sessions} is reached and the deployment refuses new logins. */
    public static final class SessionLimitReached extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SessionLimitReached() {
            super("session limit reached", null, false, false);
        }
    }

    /**
     * Opens a session for {@code user} authenticated by {@code amr} and returns its token pair. Enforces the
     * organization's session limit (ending the oldest sessions, or throwing {@link SessionLimitReached} when so
     * configured), records the device, and audits NEW_DEVICE for a device not seen before for this user.
     */
    public Opened open(User user, List<String> amr, Client presented) {
        Client client = fingerprintDevices ? presented : presented.unfingerprinted();
        Instant now = clock.instant();
        UUID sid = UUID.randomUUID();
        String refresh = refreshTokens.first(sid);
        record Created(boolean newDevice, boolean ipChanged, double risk, List<UUID> ended) {}
        SecurityConfig cfg = orgConfigs.apply(user.orgId());
        // Four round trips: lock the user (and record the login time and the device), read what the lock now
        // guards, insert the session with its refresh token, commit. Concurrent logins of one user queue on the
        // lock, so each sees the sessions the previous one opened when it counts them against the limit.
        Created created = db.tx(c -> {
            boolean newDevice = lockUserAndRememberDevice(c, user.id(), client, now);
            Prior prior = prior(c, user.id(), now, cfg.maxConcurrentSessions() - 1);
            List<UUID> endedByLimit = prior.beyondLimit();
            if (!endedByLimit.isEmpty()) {
                if (limitRefuses) {
                    throw new SessionLimitReached();
                }
                for (UUID old : endedByLimit) {
                    end(c, old, "session_limit", now);
                    audit.record(c, SecurityEvent.builder(SecurityEventType.SESSION_REVOKED, "session_limit")
                            .org(user.orgId()).actor(user.id(), SecurityEvent.ActorType.USER).resource("session:" + old)
                            .clientIp(client.ip()).requestId(client.requestId()).detail("session_id", old.toString())
                            .detail("max_concurrent_sessions", cfg.maxConcurrentSessions()).build(now));
                }
            }
            boolean ipChanged = prior.lastIp().map(ip -> !ip.equals(client.ip())).orElse(false);
            double risk = Math.min(1.0, 0.1 + (newDevice ? 0.3 : 0) + (ipChanged ? 0.2 : 0));
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH session AS (
                        INSERT INTO auth_sessions (id, user_id, org_id, device_fingerprint, device_id, client_ip, user_agent,
                            amr, auth_time, created_at, last_seen_at, idle_timeout_seconds, expires_at, new_device, ip_changed,
                            risk_score)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        RETURNING id)
                    INSERT INTO refresh_tokens (token_hash, session_id, parent_hash, status, created_at, expires_at, carries_family)
                    SELECT ?, id, NULL, 'active', ?, ?, true FROM session""")) {
                Timestamp ts = Timestamp.from(now);
                Timestamp expires = Timestamp.from(now.plus(refreshLifetime));
                ps.setObject(1, sid);
                ps.setObject(2, user.id());
                ps.setObject(3, user.orgId());
                ps.setString(4, client.device().fingerprint());
                ps.setString(5, client.device().deviceId().orElse(null));
                ps.setString(6, client.ip());
                ps.setString(7, client.userAgent().orElse(null));
                ps.setArray(8, c.createArrayOf("text", amr.toArray()));
                ps.setTimestamp(9, ts);
                ps.setTimestamp(10, ts);
                ps.setTimestamp(11, ts);
                ps.setInt(12, cfg.sessionTimeoutMinutes() * 60);
                ps.setTimestamp(13, expires);
                ps.setBoolean(14, newDevice);
                ps.setBoolean(15, ipChanged);
                ps.setDouble(16, risk);
                ps.setBytes(17, hash(refresh));
                ps.setTimestamp(18, ts);
                ps.setTimestamp(19, expires);
                ps.executeUpdate();
            }
            if (newDevice) {
                audit.record(c, SecurityEvent.builder(SecurityEventType.NEW_DEVICE, "login_new_device")
                        .org(user.orgId()).actor(user.id(), SecurityEvent.ActorType.USER).resource("user:" + user.id())
                        .clientIp(client.ip()).userAgent(client.userAgent().orElse(null)).requestId(client.requestId())
                        .detail("session_id", sid.toString()).detail("device_fingerprint", client.device().fingerprint())
                        .detail("network_prefix", client.device().networkPrefix()).risk(risk).build(now));
            }
            return new Created(newDevice, ipChanged, risk, endedByLimit);
        });
        afterEnding(created.ended());
        AccessTokens.Issued at = issueFor(user, sid, now, amr);
        return new Opened(new TokenPair(at.token(), at.issuedAt(), at.expiresAt(), refresh, now.plus(refreshLifetime), sid, at.jti()),
                amr, created.newDevice(), created.ipChanged(), created.risk());
    }

    /**
     * Rotates {@code refreshToken}. Rotations of concurrent callers are written together (see {@link Rotations});
     * of concurrent presentations of one token exactly one rotates it and the rest see a retired token: a replay
     * (within the reuse interval, same device, successor unused) gets the same successor, anything else revokes the
     * family. A rotation is audited (TOKEN_REFRESHED, through the audit log's group commit) before it returns:
     * a session's first in {@link #REFRESH_AUDIT_EVERY}, any from another address than the session's, every replay.
     */
    public RefreshOutcome refresh(String refreshToken, Client caller) {
        Client client = fingerprintDevices ? caller : caller.unfingerprinted();
        Optional<UUID> family = refreshTokens.family(refreshToken);
        // A token of the earlier format names no family: one lookup finds it, and its successor has the new format.
        Optional<UUID> sid = family.isPresent() ? family
                : RefreshTokens.earlierFormat(refreshToken) ? sessionOfStoredToken(hash(refreshToken)) : Optional.empty();
        if (sid.isEmpty()) {
            return new RefreshOutcome.Invalid();
        }
        // The family's budget is drawn before the database; only a token whose family tag verifies names one.
        Optional<Budgets.Refusal> throttled = family.flatMap(budgets::takeRefresh);
        if (throttled.isPresent()) {
            throttled.get().event("refresh").ifPresent(b -> audit.record(b.resource("session:" + family.get())
                    .clientIp(client.ip()).userAgent(client.userAgent().orElse(null)).requestId(client.requestId())
                    .actor(null, SecurityEvent.ActorType.ANONYMOUS).build(clock.instant())));
            return new RefreshOutcome.Throttled(throttled.get().retryAfterSeconds());
        }
        String next = refreshTokens.successor(sid.get(), refreshToken);
        Optional<Rotations.Found> found = rotations.rotate(
                new Rotations.Rotation(hash(refreshToken), hash(next), client.device().fingerprint(), client.ip()));
        if (found.isEmpty()) {
            // It names a family but is no longer stored: a retired token purged after its retention.
            return family.isPresent() ? purgedTokenPresented(family.get(), client) : new RefreshOutcome.Invalid();
        }
        Rotations.Found f = found.get();
        if ((f.rotated() || f.replayed()) && !addressAllowed.test(f.user().orgId(), client.ip())) {
            return addressRefused(f, client);
        }
        if (f.rotated()) {
            hangIfMarked(caller);
            auditRefresh(f, client, "refresh");
            return answer(f, next, f.at().plus(refreshLifetime));
        }
        if (f.replayed()) {
            auditRefresh(f, client, "refresh_replayed");
            return answer(f, next, f.replay().flatMap(Rotations.Replay::successorExpiresAt).orElseThrow());
        }
        return refused(f, client);
    }

    private RefreshOutcome answer(Rotations.Found f, String refreshToken, Instant refreshExpiresAt) {
        AccessTokens.Issued token = issueFor(f.user(), f.sid(), f.authTime(), f.amr());
        return new RefreshOutcome.Rotated(new TokenPair(token.token(), token.issuedAt(), token.expiresAt(), refreshToken,
                refreshExpiresAt, f.sid(), token.jti()));
    }

    /** TOKEN_REFRESHED for a sampled rotation, and for every replay. */
    private void auditRefresh(Rotations.Found f, Client client, String action) {
        boolean replay = !f.rotated();
        if (!replay && !f.auditDue()) {
            return;
        }
        SecurityEvent.Builder b = SecurityEvent.builder(SecurityEventType.TOKEN_REFRESHED, action)
                .org(f.user().orgId()).actor(f.user().id(), SecurityEvent.ActorType.USER).resource("session:" + f.sid())
                .clientIp(client.ip()).userAgent(client.userAgent().orElse(null)).requestId(client.requestId())
                .detail("session_id", f.sid().toString());
        if (replay) {
            b.detail("reuse_interval_seconds", policy.reuseInterval().toSeconds());
        }
        audit.record(b.build(f.at()));
    }

    /**
     * Fault injection for tests ({@code LIFTOS_TEST_HANG_AFTER_REFRESH_COMMIT}): the marked refresh has committed its
     * rotation and now never answers, so a test can kill the process between commit and answer.
     */
    private void hangIfMarked(Client caller) {
        if (policy.hangAfterCommitDeviceId().isEmpty() || !caller.device().deviceId().equals(policy.hangAfterCommitDeviceId())) {
            return;
        }
        LOG.warn("LIFTOS_TEST_HANG_AFTER_REFRESH_COMMIT: a marked refresh committed and will never be answered");
        while (true) {
            LockSupport.park(this);
        }
    }

    /**
     * A token whose family tag verifies but whose row is gone: a retired token purged after its retention (every
     * token handed out was stored first). Reuse, as long as its session is on record.
     */
    private RefreshOutcome purgedTokenPresented(UUID sid, Client client) {
        record Family(UUID userId, UUID orgId) {}
        Instant now = clock.instant();
        Optional<Family> known = db.tx(c -> {
            Optional<Family> fam;
            try (PreparedStatement ps = c.prepareStatement("SELECT user_id, org_id FROM auth_sessions WHERE id = ?")) {
                ps.setObject(1, sid);
                try (ResultSet rs = ps.executeQuery()) {
                    fam = rs.next() ? Optional.of(new Family(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class))) : Optional.empty();
                }
            }
            if (fam.isPresent()) {
                end(c, sid, "refresh_token_reuse", now);
                audit.record(c, reuseEvent(fam.get().userId(), fam.get().orgId(), sid, client, now).detail("token_purged", true).build(now));
            }
            return fam;
        });
        if (known.isEmpty()) {
            return new RefreshOutcome.Invalid();
        }
        afterEnding(List.of(sid));
        return new RefreshOutcome.ReuseDetected();
    }

    private static SecurityEvent.Builder reuseEvent(UUID userId, UUID orgId, UUID sid, Client client, Instant now) {
        return SecurityEvent.builder(SecurityEventType.SUSPICIOUS_ACTIVITY, "refresh_token_reuse")
                .org(orgId).actor(userId, SecurityEvent.ActorType.USER).resource("session:" + sid)
                .clientIp(client.ip()).userAgent(client.userAgent().orElse(null)).requestId(client.requestId())
                .success(false).detail("session_id", sid.toString()).detail("session_revoked", true).risk(0.9);
    }

    /**
     * A refresh from an address the session's organization does not accept (outside its allow-list, or blocked): no
     * tokens, and the session ends, since the rotation committed and its successor must never be handed out; the user
     * signs in again from an accepted address, where the login asks the same question.
     */
    private RefreshOutcome addressRefused(Rotations.Found f, Client client) {
        Instant now = f.at();
        db.tx(c -> {
            end(c, f.sid(), "address_not_allowed", now);
            audit.record(c, SecurityEvent.builder(SecurityEventType.SUSPICIOUS_ACTIVITY, "refresh_address_refused")
                    .org(f.user().orgId()).actor(f.user().id(), SecurityEvent.ActorType.USER).resource("session:" + f.sid())
                    .clientIp(client.ip()).userAgent(client.userAgent().orElse(null)).requestId(client.requestId())
                    .success(false).detail("session_id", f.sid().toString()).detail("session_revoked", true).risk(0.6)
                    .build(now));
            return null;
        });
        afterEnding(List.of(f.sid()));
        return new RefreshOutcome.AddressRefused();
    }

    /** Why a presented refresh token did not rotate, with what that requires: revocation, audit, or nothing. */
    private RefreshOutcome refused(Rotations.Found f, Client client) {
        UUID userId = f.user().id();
        UUID orgId = f.user().orgId();
        UUID sid = f.sid();
        Instant now = f.at();
        if (f.status() != Rotations.TokenStatus.ACTIVE) {
            db.tx(c -> {
                if (!f.ended()) {
                    end(c, sid, "refresh_token_reuse", now);
                }
                audit.record(c, reuseEvent(userId, orgId, sid, client, now).build(now));
                return null;
            });
            afterEnding(List.of(sid));
            return new RefreshOutcome.ReuseDetected();
        }
        if (f.ended() || f.expired()) {
            if (!f.ended()) {
                db.tx(c -> end(c, sid, "idle_timeout", now));
                afterEnding(List.of(sid));
            }
            return new RefreshOutcome.Invalid();
        }
        if (!f.deviceMatches()) {
            audit.record(SecurityEvent.builder(SecurityEventType.SUSPICIOUS_ACTIVITY, "refresh_device_mismatch")
                    .org(orgId).actor(userId, SecurityEvent.ActorType.USER).resource("session:" + sid)
                    .clientIp(client.ip()).userAgent(client.userAgent().orElse(null)).requestId(client.requestId())
                    .success(false).detail("session_id", sid.toString())
                    .detail("device_fingerprint", client.device().fingerprint()).risk(0.7).build(now));
            return new RefreshOutcome.DeviceMismatch();
        }
        db.tx(c -> end(c, sid, "user_disabled", now));
        afterEnding(List.of(sid));
        return new RefreshOutcome.Invalid();
    }

    /**
     * The session (family) a refresh token belongs to, for revocation (RFC 7009): the one it names, or, for a token of
     * the earlier format, the one stored with it.
     */
    public Optional<UUID> sessionOfRefreshToken(String refreshToken) {
        Optional<UUID> family = refreshTokens.family(refreshToken);
        return family.isPresent() ? family : sessionOfStoredToken(hash(refreshToken));
    }

    private Optional<UUID> sessionOfStoredToken(byte[] h) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT session_id FROM refresh_tokens WHERE token_hash = ?")) {
                ps.setBytes(1, h);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getObject(1, UUID.class)) : Optional.empty();
                }
            }
        });
    }

    /** Ends one session (its access tokens stop verifying everywhere at once); false when already ended or unknown. */
    public boolean end(UUID sessionId, String reason) {
        Instant now = clock.instant();
        boolean ended = db.tx(c -> end(c, sessionId, reason, now));
        afterEnding(List.of(sessionId));
        return ended;
    }

    /** Ends every live session of a user; returns how many. */
    public int endAllForUser(UUID userId, String reason) {
        return endWhere("user_id", userId, reason);
    }

    /** Ends every live session of an organization (incident containment); returns how many. */
    public int endAllForOrg(UUID orgId, String reason) {
        return endWhere("org_id", orgId, reason);
    }

    /** Ends every live session of a user inside the caller's transaction; the caller then calls {@link #afterEnding}. */
    public List<UUID> endAllForUser(Connection c, UUID userId, String reason) throws SQLException {
        return endWhere(c, "user_id", userId, reason, clock.instant());
    }

    /** After the ending transaction committed: every instance stops honouring these sessions before this returns. */
    public void afterEnding(List<UUID> ended) {
        state.sessionsEnded(ended);
    }

    private int endWhere(String column, UUID id, String reason) {
        Instant now = clock.instant();
        List<UUID> ended = db.tx(c -> endWhere(c, column, id, reason, now));
        afterEnding(ended);
        return ended.size();
    }

    private List<UUID> endWhere(Connection c, String column, UUID id, String reason, Instant now) throws SQLException {
        List<UUID> ids = new ArrayList<>();
        try (PreparedStatement ps = "org_id".equals(column)
                ? c.prepareStatement("SELECT id FROM auth_sessions WHERE org_id = ? AND ended_at IS NULL FOR UPDATE")
                : c.prepareStatement("SELECT id FROM auth_sessions WHERE user_id = ? AND ended_at IS NULL FOR UPDATE")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                }
            }
        }
        for (UUID sid : ids) {
            end(c, sid, reason, now);
        }
        return ids;
    }

    /** Tokens first, then the session: the order a rotation locks them in, so the two cannot deadlock. */
    private boolean end(Connection c, UUID sid, String reason, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE refresh_tokens SET status = 'revoked' WHERE session_id = ? AND status = 'active'")) {
            ps.setObject(1, sid);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE auth_sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setString(2, reason);
            ps.setObject(3, sid);
            return ps.executeUpdate() > 0;
        }
    }

    /** A user's sessions, live first, newest first. */
    public List<SessionInfo> list(UUID userId, boolean includeEnded) {
        return db.run(c -> {
            List<SessionInfo> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + SessionPages.COLUMNS
                    + " FROM auth_sessions WHERE user_id = ? AND (? OR ended_at IS NULL)"
                    + " ORDER BY ended_at IS NOT NULL, created_at DESC LIMIT 200")) {
                ps.setObject(1, userId);
                ps.setBoolean(2, includeEnded);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(SessionPages.read(rs));
                    }
                }
            }
            return out;
        });
    }

    /** A session of {@code userId}, if it is theirs. */
    public Optional<SessionInfo> find(UUID userId, UUID sessionId) {
        return list(userId, true).stream().filter(s -> s.id().equals(sessionId)).findFirst();
    }

    private AccessTokens.Issued issueFor(User user, UUID sid, Instant authTime, List<String> amr) {
        return tokens.issue(user.id(), user.orgId(), Optional.of(user.email()), user.roles(),
                roles.permissionsOf(user.orgId(), user.roles()).toStrings(), Optional.of(sid), Optional.empty(), authTime, amr);
    }

    /**
     * Takes the user's row lock (the UPDATE of the login time holds it to commit) and records the device; true
     * when the device is new for this user. Without fingerprinting every client is one device, never new.
     */
    private boolean lockUserAndRememberDevice(Connection c, UUID userId, Client client, Instant now) throws SQLException {
        if (!fingerprintDevices) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE users SET last_login_at = ? WHERE id = ?")) {
                ps.setTimestamp(1, Timestamp.from(now));
                ps.setObject(2, userId);
                ps.executeUpdate();
            }
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                WITH locked AS (UPDATE users SET last_login_at = ? WHERE id = ? RETURNING id),
                device AS (
                    INSERT INTO known_devices (user_id, fingerprint, first_seen, last_seen, last_ip, user_agent)
                    SELECT id, ?, ?, ?, ?, ? FROM locked
                    ON CONFLICT (user_id, fingerprint) DO UPDATE SET last_seen = EXCLUDED.last_seen, last_ip = EXCLUDED.last_ip
                    RETURNING (xmax = 0) AS new_device)
                SELECT new_device FROM device""")) {
            // The device row is written from the locked user row, so every login takes the two locks in one order.
            Timestamp ts = Timestamp.from(now);
            ps.setTimestamp(1, ts);
            ps.setObject(2, userId);
            ps.setString(3, client.device().fingerprint());
            ps.setTimestamp(4, ts);
            ps.setTimestamp(5, ts);
            ps.setString(6, client.ip());
            ps.setString(7, client.userAgent().orElse(null));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** What a new login is measured against: the address of the user's last session, and the live sessions past the newest {@code keep}, oldest first. */
    private record Prior(Optional<String> lastIp, List<UUID> beyondLimit) {}

    private static Prior prior(Connection c, UUID userId, Instant now, int keep) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT (SELECT client_ip FROM auth_sessions WHERE user_id = ? ORDER BY created_at DESC LIMIT 1),
                       ARRAY(SELECT id FROM (
                           SELECT id, created_at, opened_seq FROM auth_sessions
                           WHERE user_id = ? AND ended_at IS NULL AND expires_at > ?
                             AND last_seen_at + make_interval(secs => idle_timeout_seconds) > ?
                           ORDER BY created_at DESC, opened_seq DESC OFFSET ?) beyond
                           ORDER BY created_at, opened_seq)""")) {
            Timestamp ts = Timestamp.from(now);
            ps.setObject(1, userId);
            ps.setObject(2, userId);
            ps.setTimestamp(3, ts);
            ps.setTimestamp(4, ts);
            ps.setInt(5, Math.max(0, keep));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Optional<String> lastIp = Optional.ofNullable(rs.getString(1));
                UUID[] beyond = (UUID[]) rs.getArray(2).getArray();
                return new Prior(lastIp, List.of(beyond));
            }
        }
    }

    static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

}
