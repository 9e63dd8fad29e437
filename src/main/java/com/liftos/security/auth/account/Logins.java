package com.liftos.security.auth.account;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.password.HashingGate;
import com.liftos.security.auth.password.PasswordHasher;
import com.liftos.security.auth.session.Client;
import com.liftos.security.auth.session.Sessions;
import com.liftos.security.auth.token.ChallengeTokens;
import com.liftos.security.auth.user.User;
import com.liftos.security.auth.user.Users;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.store.Db;
import com.liftos.security.store.Purge;
import com.liftos.security.ratelimit.Budgets;
import com.liftos.security.ratelimit.Limit;
import java.net.URI;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Password logins. An unknown email spends the same Argon2 work as a wrong password, is refused with the same
 * reason, and is locked out the same way (so a lock reveals nothing); an admin's lock and disabled accounts are
 * only revealed after a correct password. Every attempt is audited (LOGIN_SUCCESS / LOGIN_FAILURE, with the user as
 * actor when the account exists); a lockout also ACCOUNT_LOCKED and BRUTE_FORCE_ATTEMPT, its end ACCOUNT_UNLOCKED.
 */
public final class Logins {
    private final Db db;
    private final Users users;
    private final Function<UUID, SecurityConfig> orgConfigs;
    private final PasswordHasher hasher;
    private final HashingGate gate;
    private final Sessions sessions;
    private final SecondFactor secondFactor;
    private final ChallengeTokens challenges;
    private final AuditLog audit;
    private final Clock clock;
    private final NetworkPolicy network;
    private final AddressBlocks blocks;
    private final Lockouts lockouts;
    private final DeviceTokens devices;
    private final Budgets budgets;
    private final OwnerNotices notices;
    private final URI publicUrl;
    private final LongAdder passwordChecks = new LongAdder();

    /** How long an unlock link works: the owner may read the mail after the lock itself ran out. */
    static final Duration UNLOCK_LINK_LIFETIME = Duration.ofHours(24);

    /**
     * @param deviceKey  keys the device tokens' MACs (derived from the service key)
     * @param publicUrl  where the owner's browser reaches this service (unlock links); never taken from a request
     */
    public Logins(Db db, Users users, Function<UUID, SecurityConfig> orgConfigs, PasswordHasher hasher, HashingGate gate, Sessions sessions,
                  SecondFactor secondFactor, ChallengeTokens challenges, AuditLog audit, Clock clock, NetworkPolicy network,
                  AddressBlocks blocks, Budgets budgets, OwnerNotices notices, byte[] deviceKey, URI publicUrl,
                  SecureRandom random) {
        this.network = network;
        this.blocks = blocks;
        this.lockouts = new Lockouts(db, random);
        this.devices = new DeviceTokens(deviceKey, random);
        this.budgets = budgets;
        this.notices = notices;
        this.publicUrl = publicUrl;
        this.db = db;
        this.users = users;
        this.orgConfigs = orgConfigs;
        this.hasher = hasher;
        this.gate = gate;
        this.sessions = sessions;
        this.secondFactor = secondFactor;
        this.challenges = challenges;
        this.audit = audit;
        this.clock = clock;
    }

    /** A user with their stored hash; the hash never leaves this package. */
    record Credential(User user, String passwordHash) {
        @Override
        public String toString() {
            return "Credential[user=" + user.id() + "]";
        }
    }

    Optional<Credential> credential(String email) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + Users.COLUMNS + ", password_hash FROM users WHERE lower(email) = ?")) {
                ps.setString(1, email.toLowerCase(Locale.ROOT));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Credential(Users.read(rs), rs.getString(10))) : Optional.empty();
                }
            }
        });
    }

    Optional<Credential> credential(UUID userId) {
        return db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + Users.COLUMNS + ", password_hash FROM users WHERE id = ?")) {
                ps.setObject(1, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Credential(Users.read(rs), rs.getString(10))) : Optional.empty();
                }
            }
        });
    }

    /** Checks a password with the uniform cost; true only for an existing user whose password matches. */
    boolean checkPassword(Optional<Credential> cred, char[] password) {
        passwordChecks.increment();
        return gate.run(() -> {
            if (cred.isEmpty()) {
                hasher.burn(password);
                return false;
            }
            return hasher.verify(password, cred.get().passwordHash());
        });
    }

    /**
     * A password login. Before the password is hashed: the caller's sign-in budgets (failures per address, per
     * account and address; a device that signed in to the account before is not held to the address's) and a
     * place in the account's lockout count (per known device, else shared by unknown devices). The failure that
     * reaches the threshold locks and tells the owner; a right password clears the count.
     *
     * @param deviceToken the device token from an earlier sign-in ({@link LoginOutcome.Authenticated#deviceToken()})
     */
    public LoginOutcome login(String email, char[] password, Client client, Optional<String> deviceToken) {
        Instant now = clock.instant();
        Optional<Credential> cred = email.length() > 320 ? Optional.empty() : credential(email);
        Optional<User> found = cred.map(Credential::user);
        SecurityConfig cfg = found.map(u -> orgConfigs.apply(u.orgId())).orElseGet(SecurityConfig::defaults);
        SecurityConfig.IncidentThresholds t = cfg.incidentThresholds();
        Optional<String> device = found.flatMap(u -> deviceToken.flatMap(token -> devices.deviceOf(token, u.id(), now)));
        Lockouts.Scope scope = Lockouts.Scope.of(found.map(User::id), email, device);
        Limit perAccountAndAddress = perAccountAndAddress(cfg);
        Optional<Budgets.Refusal> throttled = budgets.signInRefusal(client.ip(), scope.accountKey(), perAccountAndAddress, device.isPresent());
        if (throttled.isPresent()) {
            recordThrottled(found, client, throttled.get(), now);
            return new LoginOutcome.Throttled(throttled.get().retryAfterSeconds());
        }
        Lockouts.Reservation reservation = lockouts.reserve(scope, t.failedLoginsPerUser(),
                Duration.ofMinutes(t.failedLoginWindowMinutes()), now);
        if (!(reservation instanceof Lockouts.Reservation.Granted granted)) {
            return refuse(found, client, LoginOutcome.Reason.ACCOUNT_LOCKED, now, Optional.of(scope));
        }
        found.ifPresent(u -> granted.expiredLock().ifPresent(until -> recordExpiry(u, scope, until, now)));
        boolean ok;
        try {
            ok = checkPassword(cred, password);
        } catch (HashingGate.Busy e) {
            lockouts.release(scope);
            throw e;
        }
        if (!ok) {
            budgets.signInFailed(client.ip(), scope.accountKey(), perAccountAndAddress, device.isPresent());
            Optional<Lockouts.Locked> locked = lockouts.failed(scope, granted.attempt(), t.failedLoginsPerUser(),
                    Duration.ofMinutes(t.lockMinutes()), UNLOCK_LINK_LIFETIME, now);
            LoginOutcome refused = refuse(found, client, LoginOutcome.Reason.INVALID_CREDENTIALS, now, Optional.empty());
            if (locked.isPresent() && found.isPresent()) {
                onLocked(found.get(), scope, locked.get(), granted.attempt(), client, now);
            }
            return refused;
        }
        lockouts.succeeded(scope);
        User user = cred.get().user();
        if (user.status() != User.Status.ACTIVE) {
            return refuse(Optional.of(user), client, LoginOutcome.Reason.ACCOUNT_DISABLED, now);
        }
        if (user.lockedUntil().filter(now::isBefore).isPresent()) {
            return refuse(Optional.of(user), client, LoginOutcome.Reason.ACCOUNT_LOCKED, now);
        }
        if (!network.permits(user.orgId(), client.ip())) {
            return refuse(Optional.of(user), client, LoginOutcome.Reason.NETWORK_NOT_ALLOWED, now);
        }
        if (blocks.blocks(user.orgId(), client.ip())) {
            return refuse(Optional.of(user), client, LoginOutcome.Reason.ADDRESS_BLOCKED, now);
        }
        if (hasher.needsRehash(cred.get().passwordHash())) {
            String upgraded = gate.run(() -> hasher.hash(password));
            storeRehash(user.id(), upgraded);
        }
        SecurityConfig.PasswordPolicy policy = orgConfigs.apply(user.orgId()).passwordPolicy();
        if (policy.maxAgeDays() > 0 && !now.isBefore(user.passwordChangedAt().plus(Duration.ofDays(policy.maxAgeDays())))) {
            return new LoginOutcome.PasswordChangeRequired(user, challenges.issue(ChallengeTokens.Purpose.PASSWORD_CHANGE, user.id()));
        }
        List<String> methods = secondFactor.methodsFor(user);
        if (!methods.isEmpty()) {
            return new LoginOutcome.MfaRequired(user, methods, challenges.issue(ChallengeTokens.Purpose.MFA, user.id()));
        }
        Sessions.Opened opened;
        try {
            opened = sessions.open(user, List.of("pwd"), client);
        } catch (Sessions.SessionLimitReached e) {
            return refuse(Optional.of(user), client, LoginOutcome.Reason.SESSION_LIMIT, now);
        }
        String token = signedIn(user, opened, client);
        return secondFactor.requiredByOrg(user) ? new LoginOutcome.MfaEnrollmentRequired(user, opened, token)
                : new LoginOutcome.Authenticated(user, opened, token);
    }

    /**
     * Records LOGIN_SUCCESS (the login time was stored with the session) and returns a new device token for the
     * signing-in device; the MFA step calls this after its own {@link Sessions#open}. Written through the audit
     * log's group commit, durable before the tokens are returned.
     */
    public String signedIn(User user, Sessions.Opened opened, Client client) {
        return signedIn(user, opened, client, Optional.empty());
    }

    /** {@link #signedIn(User, Sessions.Opened, Client)} naming the second factor or passwordless {@code method} in the event. */
    public String signedIn(User user, Sessions.Opened opened, Client client, String method) {
        return signedIn(user, opened, client, Optional.of(method));
    }

    private String signedIn(User user, Sessions.Opened opened, Client client, Optional<String> method) {
        SecurityEvent.Builder b = SecurityEvent.builder(SecurityEventType.LOGIN_SUCCESS, "login")
                .org(user.orgId()).actor(user.id(), SecurityEvent.ActorType.USER).resource("user:" + user.id())
                .clientIp(client.ip()).userAgent(client.userAgent().orElse(null)).requestId(client.requestId())
                .detail("session_id", opened.tokens().sessionId().toString()).detail("amr", opened.amr())
                .detail("new_device", opened.newDevice()).detail("ip_changed", opened.ipChanged())
                .risk(opened.riskScore());
        method.ifPresent(m -> b.detail("method", m));
        audit.record(b.build(clock.instant()));
        return devices.issue(user.id(), clock.instant());
    }

    /**
     * A sign-in proven without the password by {@code method} (a passkey with user verification, checked by the MFA
     * feature): the checks that follow a right password (account disabled or locked by an admin, the org's networks,
     * blocked addresses), then a session with {@code amr} and LOGIN_SUCCESS, as a password login has. A refusal is
     * audited as LOGIN_FAILURE naming the method.
     */
    public LoginOutcome signInWithoutPassword(User user, List<String> amr, String method, Client client) {
        Instant now = clock.instant();
        Optional<String> m = Optional.of(method);
        if (user.status() != User.Status.ACTIVE) {
            return refuse(Optional.of(user), client, LoginOutcome.Reason.ACCOUNT_DISABLED, now, Optional.empty(), m);
        }
        if (user.lockedUntil().filter(now::isBefore).isPresent()) {
            return refuse(Optional.of(user), client, LoginOutcome.Reason.ACCOUNT_LOCKED, now, Optional.empty(), m);
        }
        if (!network.permits(user.orgId(), client.ip())) {
            return refuse(Optional.of(user), client, LoginOutcome.Reason.NETWORK_NOT_ALLOWED, now, Optional.empty(), m);
        }
        if (blocks.blocks(user.orgId(), client.ip())) {
            return refuse(Optional.of(user), client, LoginOutcome.Reason.ADDRESS_BLOCKED, now, Optional.empty(), m);
        }
        Sessions.Opened opened;
        try {
            opened = sessions.open(user, amr, client);
        } catch (Sessions.SessionLimitReached e) {
            return refuse(Optional.of(user), client, LoginOutcome.Reason.SESSION_LIMIT, now, Optional.empty(), m);
        }
        return new LoginOutcome.Authenticated(user, opened, signedIn(user, opened, client, m));
    }

    /** A lock lifted by the owner's unlock link (ACCOUNT_UNLOCKED, by link); false for an unknown, used or expired link. */
    public boolean unlockByLink(String token, Client client) {
        Instant now = clock.instant();
        Optional<UUID> userId = lockouts.unlockByToken(token, now);
        userId.flatMap(users::find).ifPresent(u -> audit.record(SecurityEvent.builder(SecurityEventType.ACCOUNT_UNLOCKED, "unlock_account")
                .org(u.orgId()).actor(u.id(), SecurityEvent.ActorType.USER).resource("user:" + u.id())
                .clientIp(client.ip()).userAgent(client.userAgent().orElse(null)).requestId(client.requestId())
                .detail("by", "unlock_link").detail("scope", "unknown_devices").build(now)));
        return userId.isPresent();
    }

    /**
     * The end of the password-guessing lock on {@code userId}'s devices that have not signed in before, if one holds
     * now (devices that have are never locked by failures from elsewhere).
     */
    public Optional<Instant> unknownDevicesLockedUntil(UUID userId) {
        return lockouts.lockedUntil(userId, clock.instant());
    }

    /**
     * Whether the MFA step of {@code user}'s login may check a code from this client: the same sign-in budgets as
     * the password (per address, per account and address); the seconds to wait when not.
     */
    public OptionalLong secondFactorRefusal(User user, Client client) {
        SecurityConfig cfg = orgConfigs.apply(user.orgId());
        return budgets.signInRefusal(client.ip(), "u:" + user.id(), perAccountAndAddress(cfg), false)
                .map(r -> {
                    recordThrottled(Optional.of(user), client, r, clock.instant());
                    return OptionalLong.of(r.retryAfterSeconds());
                }).orElseGet(OptionalLong::empty);
    }

    /**
     * Whether {@code user}'s organization refuses the client's address (outside its IP ranges, or blocked), asked
     * again at the MFA step: the address may have changed, or been blocked, since the password. A refusal is
     * audited as the password step audits it (LOGIN_FAILURE with the reason).
     */
    public Optional<LoginOutcome.Reason> addressRefusal(User user, Client client) {
        Optional<LoginOutcome.Reason> reason = !network.permits(user.orgId(), client.ip()) ? Optional.of(LoginOutcome.Reason.NETWORK_NOT_ALLOWED)
                : blocks.blocks(user.orgId(), client.ip()) ? Optional.of(LoginOutcome.Reason.ADDRESS_BLOCKED) : Optional.empty();
        reason.ifPresent(r -> refuse(Optional.of(user), client, r, clock.instant()));
        return reason;
    }

    /** A wrong code at the MFA step counts against the sign-in budgets. */
    public void secondFactorFailed(User user, Client client) {
        budgets.signInFailed(client.ip(), "u:" + user.id(), perAccountAndAddress(orgConfigs.apply(user.orgId())), false);
    }

    /**
     * Whether a passwordless sign-in may be checked from this client, before anyone is named: the address's budgets
     * as for a password attempt (failures per day, and the default {@code auth} limit on failures per address under
     * one shared account key); the seconds to wait when not.
     */
    public OptionalLong passwordlessRefusal(Client client) {
        return budgets.signInRefusal(client.ip(), PASSWORDLESS_KEY, perAccountAndAddress(SecurityConfig.defaults()), false)
                .map(r -> {
                    recordThrottled(Optional.empty(), client, r, clock.instant());
                    return OptionalLong.of(r.retryAfterSeconds());
                }).orElseGet(OptionalLong::empty);
    }

    /** A refused passwordless sign-in counts against the address's sign-in budgets. */
    public void passwordlessFailed(Client client) {
        budgets.signInFailed(client.ip(), PASSWORDLESS_KEY, perAccountAndAddress(SecurityConfig.defaults()), false);
    }

    private static final String PASSWORDLESS_KEY = "passwordless";

    /** The retention rules of the login's own tables (lockout counts nobody needs any more). */
    public static List<Purge> purges() {
        return List.of(Lockouts.purge());
    }

    /** Password hashes checked by logins so far (every attempt that got past the budgets and the lockout). */
    public long passwordChecks() {
        return passwordChecks.sum();
    }

    private static Limit perAccountAndAddress(SecurityConfig cfg) {
        SecurityConfig.RateLimit l = cfg.apiRateLimits().getOrDefault("auth", SecurityConfig.DEFAULT_RATE_LIMITS.get("auth"));
        return Limit.perSeconds(l.limit(), l.window());
    }

    /** The failure that reached the threshold locked {@code scope}: audit it, tell the owner (unknown-device locks). */
    private void onLocked(User user, Lockouts.Scope scope, Lockouts.Locked locked, int attempts, Client client, Instant now) {
        SecurityEvent.Builder lock = SecurityEvent.builder(SecurityEventType.ACCOUNT_LOCKED, "lock_account")
                .org(user.orgId()).actor(null, SecurityEvent.ActorType.SYSTEM).resource("user:" + user.id())
                .clientIp(client.ip()).requestId(client.requestId()).success(true)
                .detail("reason", "brute_force_protection").detail("scope", scope.wire())
                .detail("locked_until", locked.until().toString()).risk(0.7);
        SecurityEvent.Builder attack = SecurityEvent.builder(SecurityEventType.BRUTE_FORCE_ATTEMPT, "login_lockout")
                .org(user.orgId()).actor(user.id(), SecurityEvent.ActorType.USER).resource("user:" + user.id())
                .clientIp(client.ip()).userAgent(client.userAgent().orElse(null)).requestId(client.requestId())
                .success(false).detail("failed_attempts", attempts).detail("locked_until", locked.until().toString())
                .detail("scope", scope.wire()).risk(0.8);
        audit.recordAll(List.of(lock.build(now), attack.build(now)));
        locked.unlockToken().ifPresent(token -> notices.accountLocked(user, locked.until(),
                URI.create(publicUrl + "/v1/auth/unlock?token=" + token)));
    }

    /** A lock found expired by the next attempt: ACCOUNT_UNLOCKED by expiry, at the time it ran out. */
    private void recordExpiry(User user, Lockouts.Scope scope, Instant lockedUntil, Instant now) {
        audit.record(SecurityEvent.builder(SecurityEventType.ACCOUNT_UNLOCKED, "unlock_account")
                .org(user.orgId()).actor(null, SecurityEvent.ActorType.SYSTEM).resource("user:" + user.id())
                .detail("by", "expiry").detail("scope", scope.wire()).detail("locked_until", lockedUntil.toString()).build(now));
    }

    private void recordThrottled(Optional<User> user, Client client, Budgets.Refusal refusal, Instant now) {
        refusal.event("login").ifPresent(b -> {
            b.clientIp(client.ip()).userAgent(client.userAgent().orElse(null)).requestId(client.requestId());
            user.ifPresentOrElse(u -> b.org(u.orgId()).actor(u.id(), SecurityEvent.ActorType.USER),
                    () -> b.actor(null, SecurityEvent.ActorType.ANONYMOUS));
            audit.record(b.build(now));
        });
    }

    private LoginOutcome refuse(Optional<User> user, Client client, LoginOutcome.Reason reason, Instant now) {
        return refuse(user, client, reason, now, Optional.empty(), Optional.empty());
    }

    private LoginOutcome refuse(Optional<User> user, Client client, LoginOutcome.Reason reason, Instant now,
                                Optional<Lockouts.Scope> lockout) {
        return refuse(user, client, reason, now, lockout, Optional.empty());
    }

    /**
     * Audits LOGIN_FAILURE with {@code reason} (the user as actor when the account exists; {@code lockout}: the
     * lockout scope that refused it) and refuses.
     */
    private LoginOutcome refuse(Optional<User> user, Client client, LoginOutcome.Reason reason, Instant now,
                                Optional<Lockouts.Scope> lockout, Optional<String> method) {
        SecurityEvent.Builder b = SecurityEvent.builder(SecurityEventType.LOGIN_FAILURE, "login")
                .clientIp(client.ip()).userAgent(client.userAgent().orElse(null)).requestId(client.requestId())
                .success(false).detail("reason", reason.audited()).risk(0.3);
        lockout.ifPresent(l -> b.detail("lockout", l.wire()));
        method.ifPresent(m -> b.detail("method", m));
        user.ifPresent(u -> b.org(u.orgId()).actor(u.id(), SecurityEvent.ActorType.USER).resource("user:" + u.id()));
        if (user.isEmpty()) {
            b.actor(null, SecurityEvent.ActorType.ANONYMOUS);
        }
        audit.record(b.build(now));
        return new LoginOutcome.Refused(reason);
    }

    /** Replaces the stored hash with one of the current parameters (same password, so its age is kept). */
    void storeRehash(UUID userId, String hash) {
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, hash);
                ps.setTimestamp(2, Timestamp.from(clock.instant()));
                ps.setObject(3, userId);
                return ps.executeUpdate();
            }
        });
    }

}
