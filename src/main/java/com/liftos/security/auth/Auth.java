package com.liftos.security.auth;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.auth.account.Accounts;
import com.liftos.security.auth.account.Logins;
import com.liftos.security.auth.account.AddressBlocks;
import com.liftos.security.auth.account.NetworkPolicy;
import com.liftos.security.auth.account.OwnerNotices;
import com.liftos.security.ratelimit.Budgets;
import com.liftos.security.auth.account.SecondFactor;
import com.liftos.security.auth.lifecycle.AccountMail;
import com.liftos.security.auth.lifecycle.Lifecycle;
import com.liftos.security.auth.oauth.ClientCredentials;
import com.liftos.security.auth.oauth.ServiceAccountPages;
import com.liftos.security.auth.oauth.ServiceAccounts;
import com.liftos.security.auth.password.Argon2Parameters;
import com.liftos.security.auth.password.HashingGate;
import com.liftos.security.auth.password.PasswordHasher;
import com.liftos.security.auth.session.SessionPages;
import com.liftos.security.auth.session.Sessions;
import com.liftos.security.auth.token.AccessTokens;
import com.liftos.security.auth.token.ChallengeTokens;
import com.liftos.security.auth.token.JwtAlgorithm;
import com.liftos.security.auth.token.JwtKeys;
import com.liftos.security.auth.token.KeyDerivation;
import com.liftos.security.auth.token.RevocationFeed;
import com.liftos.security.auth.token.TokenState;
import com.liftos.security.auth.token.TokenVerifier;
import com.liftos.security.auth.user.UserPages;
import com.liftos.security.auth.user.Users;
import com.liftos.security.config.Config;
import com.liftos.security.http.BearerAuthenticator;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.Route;
import com.liftos.security.identity.Principal;
import com.liftos.security.org.Organizations;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.store.Db;
import com.liftos.security.store.Purge;
import com.liftos.security.identity.RoleDirectory;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * The identity feature's entry point: built once in {@code App}, it hands out the bearer authenticator, the
 * routes, and the services other features use ({@link #sessions()} to open or end sessions, {@link #logins()},
 * {@link #tokenResponder()} to answer a grant the way every grant is answered).
 *
 * <p>The feature's parts, each an HTTP-free package with a small public face, depend on each other in one
 * direction: {@code password} and {@code user} and {@code token} at the bottom, then {@code session}, then
 * {@code account} and {@code oauth}; this package holds the HTTP side ({@code *Routes}) and the grant boundary
 * ({@link Grant}, {@link TokenResponder}).
 */
public final class Auth implements AutoCloseable {
    private final JwtKeys keys;
    private final AccessTokens accessTokens;
    private final TokenState state;
    private final TokenVerifier verifier;
    private final Sessions sessions;
    private final Logins logins;
    private final ChallengeTokens challenges;
    private final Accounts accounts;
    private final ServiceAccounts serviceAccounts;
    private final TokenResponder responder;
    private final Lifecycle lifecycle;
    private final List<Route> routes = new ArrayList<>();

    private Auth(JwtKeys keys, AccessTokens accessTokens, TokenState state, Sessions sessions, Logins logins,
                 ChallengeTokens challenges, Accounts accounts, ServiceAccounts serviceAccounts, TokenResponder responder,
                 Lifecycle lifecycle) {
        this.keys = keys;
        this.accessTokens = accessTokens;
        this.state = state;
        this.verifier = new TokenVerifier(accessTokens, state);
        this.sessions = sessions;
        this.logins = logins;
        this.challenges = challenges;
        this.accounts = accounts;
        this.serviceAccounts = serviceAccounts;
        this.responder = responder;
        this.lifecycle = lifecycle;
    }

    /** The Argon2 hasher the configuration asks for (new hashes; older ones are upgraded at login). */
    public static PasswordHasher hasher(Config.Auth settings, SecureRandom random) {
        return new PasswordHasher(new Argon2Parameters(settings.argon2MemoryKiB(), settings.argon2Iterations(),
                settings.argon2Parallelism()), random);
    }

    /**
     * {@code orgConfigs}: the organizations' security configurations as a login reads them (cached);
     * {@code mail}: the mailer of invitations, password resets and email changes (absent when mail is off).
     */
    public static Auth start(Config config, Db db, Users users, Organizations orgs, Function<UUID, SecurityConfig> orgConfigs,
                             PasswordHasher hasher, AuditLog audit,
                             Bodies bodies, SecondFactor secondFactor, NetworkPolicy network, AddressBlocks blocks,
                             byte[] serviceKey, Budgets budgets, OwnerNotices notices, Optional<AccountMail> mail,
                             RoleDirectory roles, RiskInputs.Source risk, Clock clock, SecureRandom random) {
        Config.Auth settings = config.auth();
        Duration accessLifetime = Duration.ofMinutes(settings.accessTokenMinutes());
        JwtKeys keys = new JwtKeys(db, Optional.of(config.keys().legacyJwtPrivateKey()), serviceKey, JwtAlgorithm.named(config.auth().jwtAlgorithm()).orElseThrow(), accessLifetime, clock, random);
        AccessTokens accessTokens = new AccessTokens(keys, config.http().issuer(), accessLifetime, clock);
        TokenState state = new TokenState(db, clock, accessLifetime);
        state.awaitListening(Duration.ofSeconds(5));
        Sessions sessions = new Sessions(db, orgConfigs, accessTokens, state, audit, clock, random,
                new Sessions.RefreshPolicy(Duration.ofDays(settings.refreshTokenDays()),
                        Duration.ofSeconds(settings.refreshReuseIntervalSeconds()), settings.testHangAfterRefreshCommit()),
                serviceKey, settings.sessionLimitRefuses(), config.features().deviceFingerprintingEnabled(), budgets, roles,
                (org, ip) -> network.permits(org, ip) && !blocks.blocks(org, ip));
        int concurrency = settings.hashConcurrency() > 0 ? settings.hashConcurrency() : HashingGate.fromHeap(settings.argon2MemoryKiB());
        HashingGate gate = new HashingGate(concurrency, Duration.ofSeconds(10));
        ChallengeTokens challenges = new ChallengeTokens(keys, config.http().issuer(), clock);
        Logins logins = new Logins(db, users, orgConfigs, hasher, gate, sessions, secondFactor, challenges, audit, clock, network,
                blocks, budgets, notices, KeyDerivation.derive(serviceKey, "liftos/device-token/v1"), config.http().publicUrl(), random);
        Accounts accounts = new Accounts(db, users, orgs, sessions, logins, hasher, gate, audit, clock);
        ServiceAccounts serviceAccounts = new ServiceAccounts(db, KeyDerivation.derive(serviceKey, "liftos/client-secret/v1"),
                clock, random, state);
        ClientCredentials clientCredentials = new ClientCredentials(serviceAccounts, accessTokens, network, audit, clock, budgets);
        TokenResponder responder = new TokenResponder(settings.refreshCookie(), clock);
        Lifecycle lifecycle = Lifecycle.start(db, users, orgs, orgConfigs, accounts, sessions, hasher, gate, audit, mail,
                config.http().publicUrl(), new Lifecycle.Lifetimes(Duration.ofHours(settings.invitationHours()),
                        Duration.ofMinutes(settings.passwordResetMinutes()), Duration.ofHours(settings.emailChangeHours())),
                clock, random);
        Auth auth = new Auth(keys, accessTokens, state, sessions, logins, challenges, accounts, serviceAccounts, responder,
                lifecycle);
        auth.routes.addAll(new AuthRoutes(logins, sessions, accounts, challenges, auth.verifier, responder, audit, bodies,
                clock).routes());
        auth.routes.addAll(new AccountRoutes(db, users, orgs, hasher, gate, audit, bodies, clock, accounts, serviceAccounts, roles).routes());
        UserPages userPages = new UserPages(db);
        auth.routes.addAll(new DirectoryRoutes(new Directory(orgs, userPages, new SessionPages(db), secondFactor, logins), userPages, orgs,
                sessions, audit, clock, roles).routes());
        auth.routes.addAll(new ServiceAccountRoutes(db, serviceAccounts, new ServiceAccountPages(db, clock), orgs, audit, clock).routes());
        auth.routes.addAll(new OAuthRoutes(clientCredentials, accessTokens, auth.verifier, state, sessions, responder, audit, risk, clock)
                .routes());
        auth.routes.addAll(new LifecycleRoutes(lifecycle, orgs, bodies, clock).routes());
        auth.routes.addAll(new RevocationRoutes(state.feed()).routes());
        auth.routes.addAll(new DiscoveryRoutes(keys, config.http().issuer(), config.http().publicUrl()).routes());
        return auth;
    }

    /** The identity tables' retention rules (sessions, refresh tokens, revocations), for {@code store.Housekeeping}. */
    public static List<Purge> purges(Config.Retention retention) {
        List<Purge> all = new ArrayList<>(Sessions.purges(Duration.ofDays(retention.sessionDays()),
                Duration.ofHours(retention.retiredRefreshTokenHours())));
        all.addAll(TokenState.purges());
        all.addAll(Logins.purges());
        all.addAll(Lifecycle.purges());
        return List.copyOf(all);
    }

    /** Verifies a bearer access token: signature, claims, revocation and session liveness. */
    public BearerAuthenticator authenticator() {
        return (token, request) -> verify(token);
    }

    public Optional<Principal> verify(String token) {
        return verifier.principal(token);
    }

    public List<Route> routes() {
        return List.copyOf(routes);
    }

    /** The revocation feed verifiers subscribe to ({@code GET /v1/revocations/stream}). */
    public RevocationFeed revocationFeed() {
        return state.feed();
    }

    /** Answers a grant: the token response every grant path shares (login, MFA step, refresh, client credentials). */
    public TokenResponder tokenResponder() {
        return responder;
    }

    /** Disable/enable, lock/unlock, password change. */
    public Accounts accounts() {
        return accounts;
    }

    public ServiceAccounts serviceAccounts() {
        return serviceAccounts;
    }

    public Sessions sessions() {
        return sessions;
    }

    public Logins logins() {
        return logins;
    }

    public ChallengeTokens challenges() {
        return challenges;
    }

    public AccessTokens accessTokens() {
        return accessTokens;
    }

    public JwtKeys keys() {
        return keys;
    }

    /** Invitations, password resets, profile and email changes. */
    public Lifecycle lifecycle() {
        return lifecycle;
    }

    @Override
    public void close() {
        lifecycle.close();
        sessions.close();
        state.close();
    }
}
