package com.liftos.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.EventFanout;
import com.liftos.security.audit.Audit;
import com.liftos.security.audit.ComplianceEvidence;
import com.liftos.security.audit.SecurityEvent;
import com.liftos.security.auth.account.Accounts;
import com.liftos.security.auth.Auth;
import com.liftos.security.incident.Containment;
import com.liftos.security.incident.IncidentResponse;
import com.liftos.security.incident.Notifier;
import com.liftos.security.privacy.Privacy;
import com.liftos.security.vault.Caller;
import com.liftos.security.auth.password.PasswordHasher;
import com.liftos.security.auth.user.Users;
import com.liftos.security.config.Config;
import com.liftos.security.crypto.CryptoProviders;
import com.liftos.security.crypto.KeyFiles;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.EdgeFilters;
import com.liftos.security.http.Guard;
import com.liftos.security.http.HttpServer;
import com.liftos.security.http.Json;
import com.liftos.security.http.RouteTable;
import com.liftos.security.http.SystemRoutes;
import com.liftos.security.mfa.Mailer;
import com.liftos.security.mfa.Mfa;
import com.liftos.security.mfa.MfaFactors;
import com.liftos.security.mfa.SmsSender;
import com.liftos.security.org.Organizations;
import com.liftos.security.ratelimit.RateLimiter;
import com.liftos.security.ratelimit.RateLimits;
import com.liftos.security.rbac.AccessAdminRoutes;
import com.liftos.security.rbac.IpAllowList;
import com.liftos.security.rbac.RiskAssessor;
import com.liftos.security.rbac.SecurityConfigCache;
import com.liftos.security.rbac.StoredSessionFacts;
import com.liftos.security.store.Database;
import com.liftos.security.http.DatabaseHealth;
import com.liftos.security.store.Db;
import com.liftos.security.store.Migrations;
import com.liftos.security.vault.Vault;
import com.liftos.security.vault.VaultRoutes;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole service, wired with plain constructors in one place. {@link #start} opens the database, migrates,
 * creates missing keys, bootstraps the first organization and starts HTTP; {@link #close} undoes it in reverse.
 */
public final class App implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(App.class);

    private final List<AutoCloseable> resources;
    private final HttpServer http;
    private final Db db;
    private final Auth auth;
    private final RouteTable routes;

    private final Audit audit;

    private App(List<AutoCloseable> resources, HttpServer http, Db db, Auth auth, RouteTable routes, Audit audit) {
        this.resources = resources;
        this.http = http;
        this.db = db;
        this.auth = auth;
        this.routes = routes;
        this.audit = audit;
    }

    public static App start(Config config, Clock clock, PrintStream console) {
        List<AutoCloseable> resources = new ArrayList<>();
        long t0 = System.nanoTime();
        // The database (embedded start, pool, migrations) opens on its own thread while this one loads crypto and keys.
        CompletableFuture<Database> opening = CompletableFuture.supplyAsync(() -> openAndMigrate(config),
                task -> Thread.ofPlatform().name("liftos-db-open").start(task));
        // Loading the native crypto provider is slow too; it also runs beside the key checks.
        CompletableFuture<String> crypto = CompletableFuture.supplyAsync(CryptoProviders::install,
                task -> Thread.ofPlatform().name("liftos-crypto-init").start(task));
        try {
            SecureRandom random = new SecureRandom();
            KeyPair jwtKey;
            byte[] serviceKey;
            try {
                for (String line : new Setup(config, random).ensureKeys()) {
                    LOG.info(line);
                }
                jwtKey = KeyFiles.readRsaKeyPair(config.keys().jwtPrivateKey());
                KeyFiles.readPrivate(config.keys().masterKey());
                serviceKey = KeyFiles.readPrivate(config.keys().serviceKey());
            } catch (RuntimeException e) {
                opening.thenAccept(Database::close);
                throw e;
            }
            crypto.join();
            long tKeys = System.nanoTime();
            Database database = await(opening);
            resources.add(database);
            long tDb = System.nanoTime();

            ObjectMapper json = Json.newMapper();
            Db db = new Db(database.dataSource());
            EventFanout events = new EventFanout();
            resources.add(events);
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Organizations orgs = new Organizations(db, json, clock);
            Audit auditing = Audit.start(db, json, clock, random, config, events, metrics, orgs);
            resources.add(auditing);
            AuditLog audit = auditing.log();
            Users users = new Users(db, clock);
            Vault vault = Vault.open(db, audit, config.keys().masterKey(), clock, random);
            PasswordHasher hasher = Auth.hasher(config.auth(), random);

            Bootstrap.run(config.bootstrap(), db, orgs, users, hasher, audit, clock, random, console);

            SecurityConfigCache orgConfigs = new SecurityConfigCache(orgs, clock);
            RateLimiter rateLimiter = RateLimits.create(config.redisUrl(), clock);
            resources.add(rateLimiter);
            IpAllowList ipAllowList = new IpAllowList(orgConfigs, audit, clock);
            RiskAssessor risk = new RiskAssessor(new StoredSessionFacts(db), db, audit, clock);
            SystemRoutes system = new SystemRoutes(List.of(new DatabaseHealth(database), rateLimiter.health()), metrics, version());
            MfaFactors mfaFactors = Mfa.factors(db, orgs, users, vault.secrets(), serviceKey, clock, random);
            Auth auth = Auth.start(config, db, users, orgs, orgConfigs, hasher, audit, new Bodies(json), mfaFactors, ipAllowList::permits,
                    jwtKey, serviceKey, clock, random);
            resources.add(auth);
            ComplianceEvidence evidence = new ComplianceEvidence(org -> Optional.of(mfaFactors.adoption(org)), (org, now) ->
                    Optional.of(new ComplianceEvidence.RotationFigures(vault.countActive(org), vault.countDueForRotation(org), 90)));
            Optional<Mailer> mailer = Mailer.fromConfig(config.smtp());
            Mfa mfa = Mfa.start(mfaFactors, auth, users, mailer, SmsSender.fromConfig(config.mfa().sms()),
                    audit, json, orgConfigs, config.mfa(), clock);
            IncidentResponse incidents = IncidentResponse.start(db, audit, events, containment(auth, vault), orgConfigs,
                    mailer.map(m -> (Notifier) m::send), json, clock);
            Privacy privacy = new Privacy(db, audit, auditing.maintenance(), auth.sessions(), vault, incidents.incidents(), json, clock);
            RouteTable routes = RouteTable.of(system.routes(), auth.routes(), mfa.routes(), incidents.routes(), privacy.routes(),
                    new VaultRoutes(vault, json, clock).routes(),
                    new AccessAdminRoutes(db, orgs, orgConfigs, audit, json, clock,
                            user -> auth.sessions().endAllForUser(user, "roles_revoked")).routes(),
                    auditing.routes(evidence));

            List<Guard> guards = new ArrayList<>();
            guards.add(incidents.ipGuard());
            guards.add(CoreGuards.authentication(auth.authenticator()));
            guards.add(mfa.enrollmentGuard());
            if (config.features().rateLimitingEnabled()) {
                guards.add(RateLimits.guard(rateLimiter, orgConfigs, audit, clock, config.edge().ipRequestsPerHour()));
            }
            guards.add(ipAllowList.guard());
            guards.add(CoreGuards.tenantIsolation());
            guards.add(CoreGuards.permissions(audit, clock));
            guards.add(incidents.emergencyGuard());
            guards.add(risk.guard());
            guards.add(mfa.stepUpGuard());
            HttpServer http = new HttpServer(config.http(), config.features().requireHttps(), routes, guards,
                    EdgeFilters.of(config.http(), config.edge(), config.features().requireHttps()), json, metrics);
            http.start();
            resources.add(http);
            long tReady = System.nanoTime();
            LOG.info("LiftOS Security {} listening on http://{}:{} (jvm {} ms, keys {} ms, then waited {} ms for the database, http {} ms)",
                    version(), config.http().host(), http.port(),
                    java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() - (tReady - t0) / 1_000_000,
                    (tKeys - t0) / 1_000_000, (tDb - tKeys) / 1_000_000, (tReady - tDb) / 1_000_000);
            return new App(resources, http, db, auth, routes, auditing);
        } catch (RuntimeException e) {
            closeAll(resources);
            throw e;
        }
    }

    /** Incident containment through the accounts, sessions and vault of the other features. */
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

    /** The audit trail (log, verification, pseudonymization). */
    public Audit audit() {
        return audit;
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
