package com.liftos.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.EventFanout;
import com.liftos.security.audit.Audit;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.audit.SecurityEventType;
import com.liftos.security.auth.AccountPersonalData;
import com.liftos.security.auth.account.Accounts;
import com.liftos.security.auth.Auth;
import com.liftos.security.auth.RiskInputs;
import com.liftos.security.auth.lifecycle.AccountMail;
import com.liftos.security.auth.session.SessionOrigins;
import com.liftos.security.compliance.Compliance;
import com.liftos.security.compliance.ComplianceEvidence;
import com.liftos.security.incident.Containment;
import com.liftos.security.auth.account.Logins;
import com.liftos.security.auth.account.OwnerNotices;
import com.liftos.security.ratelimit.Budgets;
import com.liftos.security.incident.IncidentResponse;
import com.liftos.security.incident.IpBlocklist;
import com.liftos.security.incident.Notifier;
import com.liftos.security.privacy.ErasureLevers;
import com.liftos.security.privacy.Privacy;
import com.liftos.security.privacy.PrivacyRoutes;
import com.liftos.security.privacy.Requester;
import com.liftos.security.vault.Caller;
import com.liftos.security.auth.password.PasswordHasher;
import com.liftos.security.auth.user.Users;
import com.liftos.security.config.Config;
import com.liftos.security.connection.ConnectionRoutes;
import com.liftos.security.console.ConsoleRoutes;
import com.liftos.security.connection.Connections;
import com.liftos.security.audit.AuditKey;
import com.liftos.security.crypto.CryptoProviders;
import com.liftos.security.crypto.InsecureKeyAccess;
import com.liftos.security.keys.InstanceKeys;
import com.liftos.security.keys.MasterKeyTerm;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.EdgeFilters;
import com.liftos.security.http.Guard;
import com.liftos.security.http.HttpServer;
import com.liftos.security.http.Json;
import com.liftos.security.http.OpenApiRoutes;
import com.liftos.security.http.RouteTable;
import com.liftos.security.http.SystemRoutes;
import com.liftos.security.mfa.Mailer;
import com.liftos.security.mfa.Mfa;
import com.liftos.security.mfa.MfaFactors;
import com.liftos.security.mfa.MfaPersonalData;
import com.liftos.security.mfa.SmsSender;
import com.liftos.security.org.Organizations;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.ratelimit.RateLimiter;
import com.liftos.security.ratelimit.RateLimits;
import com.liftos.security.rbac.AccessAdminRoutes;
import com.liftos.security.rbac.CustomRoleRoutes;
import com.liftos.security.rbac.CustomRoles;
import com.liftos.security.identity.Principal;
import com.liftos.security.rbac.IpAllowList;
import com.liftos.security.rbac.IpAllowListGuard;
import com.liftos.security.rbac.PermissionDenials;
import com.liftos.security.rbac.PermissionGuard;
import com.liftos.security.rbac.RiskAssessor;
import com.liftos.security.rbac.RiskGuard;
import com.liftos.security.rbac.SecurityConfigCache;
import com.liftos.security.rbac.SessionFacts;
import com.liftos.security.store.Database;
import com.liftos.security.http.DatabaseHealth;
import com.liftos.security.store.Db;
import com.liftos.security.store.Housekeeping;
import com.liftos.security.store.Purge;
import com.liftos.security.store.Migrations;
import com.liftos.security.vault.Vault;
import com.liftos.security.vault.VaultPersonalData;
import com.liftos.security.vault.VaultRoutes;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole service, wired with plain constructors in one place. {@link #start} opens the database, migrates,
 * checks the master key and loads (on a new database: creates) the keys in the database, bootstraps the first
 * organization and starts HTTP; {@link #close} undoes it in reverse.
 */
public final class App implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(App.class);

    private final List<AutoCloseable> resources;
    private final HttpServer http;
    private final Db db;
    private final Auth auth;
    private final RouteTable routes;

    private final Audit audit;
    private final Housekeeping housekeeping;
    private final InstanceKeys keys;
    private final Connections connections;

    private App(List<AutoCloseable> resources, HttpServer http, Db db, Auth auth, RouteTable routes, Audit audit,
                Housekeeping housekeeping, InstanceKeys keys, Connections connections) {
        this.resources = resources;
        this.http = http;
        this.db = db;
        this.auth = auth;
        this.routes = routes;
        this.audit = audit;
        this.housekeeping = housekeeping;
        this.keys = keys;
        this.connections = connections;
    }

    /** Where an earlier release kept its key files: imported once when present. */
    public static InstanceKeys.LegacyFiles legacyKeyFiles(Config.Keys keys) {
        return new InstanceKeys.LegacyFiles(keys.legacyServiceKey(), keys.legacyAuditSigningKey());
    }

    public static App start(Config config, Clock clock, PrintStream console) {
        List<AutoCloseable> resources = new ArrayList<>();
        long t0 = System.nanoTime();
        // The database (embedded start, pool, migrations) opens on its own thread while another loads the crypto provider.
        CompletableFuture<Database> opening = CompletableFuture.supplyAsync(() -> openAndMigrate(config),
                task -> Thread.ofPlatform().name("liftos-db-open").start(task));
        CompletableFuture<String> crypto = CompletableFuture.supplyAsync(CryptoProviders::install,
                task -> Thread.ofPlatform().name("liftos-crypto-init").start(task));
        try {
            SecureRandom random = new SecureRandom();
            try {
                crypto.join();
            } catch (RuntimeException e) {
                opening.thenAccept(Database::close);
                throw e;
            }
            Database database = await(opening);
            resources.add(database);
            long tDb = System.nanoTime();
            warnOfOwnIssuer(config);

            ObjectMapper json = Json.newMapper();
            Db db = new Db(database.dataSource());
            Organizations orgs = new Organizations(db, json, clock);
            // The master key file is the one secret an instance is given; every other key is in the database,
            // wrapped under it: created by the first instance to start, imported from an earlier release's files.
            MasterKeyTerm master = Vault.provision(db, config.keys().masterKey(), random);
            InstanceKeys keys = InstanceKeys.open(db, master, legacyKeyFiles(config.keys()), () -> orgs.count() == 0, random, LOG::info);
            byte[] serviceKey = keys.service().bytes(InsecureKeyAccess.get());
            byte[] auditKey = keys.auditSigning().bytes(InsecureKeyAccess.get());
            long tKeys = System.nanoTime();

            EventFanout events = new EventFanout();
            resources.add(events);
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Audit auditing = Audit.start(db, json, clock, random, config, AuditKey.of(auditKey), events, metrics, orgs);
            Arrays.fill(auditKey, (byte) 0);
            resources.add(auditing);
            AuditLog audit = auditing.log();
            Users users = new Users(db, clock);
            Vault vault = Vault.open(db, audit, master, clock, random);
            PasswordHasher hasher = Auth.hasher(config.auth(), random);

            Bootstrap.run(config.bootstrap(), db, orgs, users, hasher, audit, clock, random, console);

            // Built before the features that consult it: the login refuses addresses an organization blocked.
            IpBlocklist blocklist = new IpBlocklist(db, audit, clock);
            SecurityConfigCache orgConfigs = new SecurityConfigCache(orgs, clock);
            RateLimiter rateLimiter = RateLimits.create(config.redisUrl(), clock);
            resources.add(rateLimiter);
            IpAllowList ipAllowList = new IpAllowList(orgConfigs);
            RiskAssessor risk = new RiskAssessor(sessionFacts(SessionOrigins.stored(db)), auditing.counts(), clock);
            DatabaseHealth databaseHealth = new DatabaseHealth(database);
            resources.add(databaseHealth);
            SystemRoutes system = new SystemRoutes(List.of(databaseHealth, rateLimiter.health()), metrics, version());
            MfaFactors mfaFactors = Mfa.factors(db, orgs, vault.secrets(), serviceKey, clock, random);
            Optional<Mailer> mailer = Mailer.fromConfig(config.smtp());
            Budgets budgets = config.features().rateLimitingEnabled()
                    ? Budgets.on(rateLimiter, config.edge().callerBudgets()) : Budgets.off();
            Auth auth = Auth.start(config, db, users, orgs, orgConfigs, hasher, audit, new Bodies(json), mfaFactors, ipAllowList::permits,
                    (org, ip) -> IpBlocklist.normalize(ip).map(address -> blocklist.isBlockedFor(address, org)).orElse(false),
                    serviceKey, budgets, mailer.map(App::lockNotices).orElseGet(OwnerNotices::none),
                    mailer.map(m -> (AccountMail) m::send), CustomRoles.directory(db), caller -> {
                        RiskAssessor.SessionRisk r = risk.sessionRisk(caller);
                        return new RiskInputs(r.score(), r.signals(), r.loginNetwork());
                    }, clock, random);
            Arrays.fill(serviceKey, (byte) 0); // every key derived from it exists now
            resources.add(auth);
            metrics.more().counter("liftos.login.password.checks", List.of(), auth.logins(), Logins::passwordChecks);
            ComplianceEvidence evidence = new ComplianceEvidence(org -> Optional.of(mfaAdoption(users, mfaFactors, org)), (org, now) ->
                    Optional.of(new ComplianceEvidence.RotationFigures(vault.countActive(org), vault.countDueForRotation(org), 90)));
            Mfa mfa = Mfa.start(mfaFactors, auth, users, mailer, SmsSender.fromConfig(config.mfa().sms()),
                    audit, json, orgConfigs, config.mfa(), clock, random);
            IncidentResponse incidents = IncidentResponse.start(db, audit, auditing.counts(), users, events,
                    containment(auth, vault), blocklist, orgConfigs, mailer.map(m -> (Notifier) m::send), json, clock);
            Housekeeping housekeeping = Housekeeping.start(database.dataSource(), clock, purges(config.retention()),
                    Duration.ofSeconds(config.retention().purgeIntervalSeconds()));
            resources.add(housekeeping);
            // Each feature's share of a subject's data, in export order; the accounts are exported first and erased last.
            Privacy privacy = new Privacy(db, audit, orgs, new AccountPersonalData(db, json), List.of(new MfaPersonalData(json),
                    new VaultPersonalData(json), auditing.personalData(), incidents.personalData()), erasureLevers(auth, vault), json, clock);
            // Tokens of tenants' platform connections, sealed through the vault like credentials.
            Connections connections = Connections.start(db, audit, vault.secrets(), config.connections().providersFile(),
                    config.http().publicUrl(), Duration.ofMinutes(config.connections().refreshAheadMinutes()), config.connections().refreshers(), json, clock, random);
            resources.add(connections);
            Consumer<UUID> endRoles = user -> auth.sessions().endAllForUser(user, "roles_revoked");
            CustomRoles customRoles = new CustomRoles(db, users, audit, clock, endRoles);
            RouteTable routes = OpenApiRoutes.withDocument(RouteTable.of(system.routes(), auth.routes(), mfa.routes(), incidents.routes(),
                    new PrivacyRoutes(privacy, json).routes(),
                    new VaultRoutes(vault, json, clock).routes(),
                    new ConnectionRoutes(connections, json).routes(),
                    new AccessAdminRoutes(db, users, orgs, orgConfigs, audit, json, clock, endRoles, customRoles,
                            orgRateCeilings(config.edge()), config.mfa().webAuthn().fidoMetadata().isPresent()).routes(),
                    new CustomRoleRoutes(customRoles, orgs, json).routes(),
                    Compliance.routes(auditing, users, orgs, evidence, json, clock, config.features().requireHttps()),
                    new ConsoleRoutes().routes()),
                    json, version());

            List<Guard> guards = new ArrayList<>();
            guards.add(incidents.ipGuard());
            guards.add(CoreGuards.authentication(auth.authenticator()));
            guards.add(incidents.orgIpGuard());
            guards.add(mfa.enrollmentGuard());
            if (config.features().rateLimitingEnabled()) {
                guards.add(RateLimits.guard(rateLimiter, orgConfigs, audit, clock, config.edge().ipRequestsPerHour()));
            }
            guards.add(new IpAllowListGuard(ipAllowList, audit, clock));
            guards.add(CoreGuards.tenantIsolation());
            guards.add(new PermissionGuard(auditedDenials(audit, clock)));
            guards.add(incidents.emergencyGuard());
            guards.add(new RiskGuard(risk, audit, clock));
            guards.add(mfa.stepUpGuard());
            HttpServer http = new HttpServer(config.http(), config.features().requireHttps(), routes, guards,
                    EdgeFilters.of(config.http(), config.edge(), config.features().requireHttps()), json, metrics);
            http.start();
            resources.add(http);
            // Closed before the HTTP server: its graceful stop waits for open requests, and a revocation stream
            // stays open until the feed ends it.
            resources.add(auth.revocationFeed());
            long tReady = System.nanoTime();
            LOG.info("LiftOS Security {} listening on http://{}:{} (jvm {} ms, database {} ms, keys {} ms, http {} ms)",
                    version(), config.http().host(), http.port(),
                    java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() - (tReady - t0) / 1_000_000,
                    (tDb - t0) / 1_000_000, (tKeys - tDb) / 1_000_000, (tReady - tKeys) / 1_000_000);
            return new App(resources, http, db, auth, routes, auditing, housekeeping, keys, connections);
        } catch (RuntimeException e) {
            closeAll(resources);
            throw e;
        }
    }

    /** The platform's rate-limit ceilings, as security configurations state rate limits. */
    private static Map<String, SecurityConfig.RateLimit> orgRateCeilings(Config.Edge edge) {
        Map<String, SecurityConfig.RateLimit> out = new TreeMap<>();
        edge.orgRateCeilings().forEach((category, rate) -> out.put(category, new SecurityConfig.RateLimit(rate.limit(), rate.windowSeconds())));
        return out;
    }

    /** Every feature's retention rules, run by one housekeeping job (audit purges its chains itself). */
    private static List<Purge> purges(Config.Retention retention) {
        List<Purge> all = new ArrayList<>(Auth.purges(retention));
        all.add(Vault.accessLogPurge(Duration.ofDays(retention.vaultAccessLogDays())));
        all.addAll(Mfa.purges());
        all.addAll(Audit.purges());
        all.addAll(IncidentResponse.purges(Duration.ofDays(retention.incidentEvidenceDays())));
        return all;
    }

    /** Each permission refusal of the gate as a PERMISSION_DENIED event. */
    private static PermissionDenials auditedDenials(AuditLog audit, Clock clock) {
        return denial -> {
            Principal p = denial.caller();
            audit.record(SecurityEvent.builder(SecurityEventType.PERMISSION_DENIED, "authorize")
                    .org(p.orgId())
                    .actor(p.subject(), p.kind() == Principal.Kind.USER
                            ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SERVICE_ACCOUNT)
                    .resource(denial.resource())
                    .clientIp(denial.clientIp())
                    .userAgent(denial.userAgent().orElse(null))
                    .requestId(denial.requestId())
                    .success(false)
                    .detail("required", denial.required().toString())
                    .risk(0.4)
                    .build(clock.instant()));
        };
    }

    /** Incident containment through the accounts, sessions and vault of the other features. */
    /** The owner's mail when their account's unknown devices are locked out; a failed delivery is logged, never fatal. */
    private static OwnerNotices lockNotices(Mailer mailer) {
        return (owner, until, link) -> {
            try {
                mailer.send(owner.email(), "Sign-in to your LiftOS account was paused", """
                        There were too many failed sign-in attempts on your account, so sign-in from devices you have \
                        not used before is paused until %s (UTC). Devices you signed in with before are not affected.

                        If this was you, you can lift the pause now: %s
                        (the link works once, for 24 hours).

                        If it was not you, someone may be guessing your password: after signing in, change it and \
                        turn on two-factor authentication.
                        """.formatted(until.truncatedTo(java.time.temporal.ChronoUnit.SECONDS), link));
            } catch (RuntimeException e) {
                LOG.warn("account lock notice not delivered: {}", e.getClass().getSimpleName());
            }
        };
    }

    private static Containment containment(Auth auth, Vault vault) {
        return new Containment() {
            @Override
            public boolean lockUser(UUID userId, Instant until, String reason, Containment.Actor actor) {
                return auth.accounts().lock(userId, until, reason, accountActor(actor));
            }

            @Override
            public boolean unlockUser(UUID userId, Containment.Actor actor) {
                return auth.accounts().unlock(userId, accountActor(actor));
            }

            @Override
            public int endSessionsOfUser(UUID userId, String reason) {
                return auth.sessions().endAllForUser(userId, reason);
            }

            @Override
            public int endSessionsOfOrg(UUID orgId, String reason) {
                return auth.sessions().endAllForOrg(orgId, reason);
            }

            @Override
            public int revokeCredentials(UUID orgId, String reason, Containment.Actor actor) {
                return vault.revokeAll(orgId, reason, new Caller(actor.userId(), actor.userId().isPresent()
                        ? SecurityEvent.ActorType.USER : SecurityEvent.ActorType.SYSTEM, actor.clientIp(), Optional.empty(),
                        actor.requestId()));
            }

            private Accounts.Actor accountActor(Containment.Actor actor) {
                return new Accounts.Actor(actor.userId(), actor.userId().isPresent() ? SecurityEvent.ActorType.USER
                        : SecurityEvent.ActorType.SYSTEM, actor.clientIp().orElse(""), actor.requestId());
            }
        };
    }

    /** What erasure stops first: sessions (auth) and an organization's vault keys. */
    private static ErasureLevers erasureLevers(Auth auth, Vault vault) {
        return new ErasureLevers() {
            @Override
            public void endSessionsOfUser(UUID userId) {
                auth.sessions().endAllForUser(userId, "erased");
            }

            @Override
            public void endSessionsOfOrganization(UUID orgId) {
                auth.sessions().endAllForOrg(orgId, "org_erased");
            }

            @Override
            public int shredVaultKeys(UUID orgId, Requester by) {
                return vault.shredOrganization(orgId, new Caller(by.principal().map(p -> p.subject()), SecurityEvent.ActorType.USER,
                        Optional.of(by.clientIp()), by.userAgent(), Optional.of(by.requestId())));
            }
        };
    }

    /** The risk score's session signals, from the sessions auth stored. */
    private static SessionFacts sessionFacts(SessionOrigins origins) {
        return sessionId -> origins.of(sessionId).map(o -> new SessionFacts.Facts(o.loginIp(), o.newDevice()));
    }

    /** MFA adoption for the SOC 2 report: the org's active users (auth), and how many of them have a factor (MFA). */
    private static ComplianceEvidence.MfaFigures mfaAdoption(Users users, MfaFactors factors, UUID orgId) {
        List<UUID> active = users.activeUserIds(orgId);
        return new ComplianceEvidence.MfaFigures(factors.usersWithActiveFactor(active), active.size());
    }

    private static Database openAndMigrate(Config config) {
        Database database = Database.open(config);
        try {
            int applied = new Migrations(database.dataSource()).migrate();
            if (applied > 0) {
                LOG.info("applied {} database migrations", applied);
            }
            return database;
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    private static Database await(CompletableFuture<Database> opening) {
        try {
            return opening.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    public int port() {
        return http.port();
    }

    public Db db() {
        return db;
    }

    /** Identity and tokens (sessions, accounts, token verification). */
    public Auth auth() {
        return auth;
    }

    /** Every route the service answers, with its access declaration. */
    public RouteTable routes() {
        return routes;
    }

    /**
     * A shared database means a fleet, and a fleet needs one issuer: left to its default (this instance's own
     * address) the issuer differs per instance, and each refuses the others' tokens.
     */
    private static void warnOfOwnIssuer(Config config) {
        String ownAddress = "http://" + config.http().host() + ":" + config.http().port();
        if (config.databaseUrl().isPresent() && config.http().issuer().equals(ownAddress)) {
            LOG.warn("LIFTOS_PUBLIC_URL is not set: tokens are issued as {}, and other instances sharing this database will"
                    + " refuse them; give every instance the fleet's one public URL", ownAddress);
        }
    }

    /** The audit trail (log, verification, pseudonymization). */
    public Audit audit() {
        return audit;
    }

    /** Retention purges and planner statistics (run on their schedule; tests run them on demand). */
    public Housekeeping housekeeping() {
        return housekeeping;
    }

    /** Tenants' platform connections (tests run the proactive refresh pass on demand). */
    public Connections connections() {
        return connections;
    }

    /** The instance keyring's keys this instance runs with (the same on every instance of the database). */
    public InstanceKeys keys() {
        return keys;
    }

    public static String version() {
        String v = App.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public void close() {
        closeAll(resources);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("shutdown step failed: {}", e.getClass().getSimpleName());
            }
        }
        resources.clear();
    }
}
