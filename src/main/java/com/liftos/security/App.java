package com.liftos.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.audit.AuditLog;
import com.liftos.security.audit.EventFanout;
import com.liftos.security.audit.Audit;
import com.liftos.security.audit.ComplianceEvidence;
import com.liftos.security.auth.Argon2Parameters;
import com.liftos.security.auth.PasswordHasher;
import com.liftos.security.auth.Users;
import com.liftos.security.config.Config;
import com.liftos.security.crypto.CryptoProviders;
import com.liftos.security.crypto.KeyFiles;
import com.liftos.security.http.CoreGuards;
import com.liftos.security.http.HttpServer;
import com.liftos.security.http.Json;
import com.liftos.security.http.RouteTable;
import com.liftos.security.http.SystemRoutes;
import com.liftos.security.org.Organizations;
import com.liftos.security.store.Database;
import com.liftos.security.store.DatabaseHealth;
import com.liftos.security.store.Db;
import com.liftos.security.store.Migrations;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

    private final Audit audit;

    private App(List<AutoCloseable> resources, HttpServer http, Db db, Audit audit) {
        this.resources = resources;
        this.http = http;
        this.db = db;
        this.audit = audit;
    }

    public static App start(Config config, Clock clock, PrintStream console) {
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            SecureRandom random = new SecureRandom();
            CryptoProviders.install();

            for (String line : new Setup(config, random).ensureKeys()) {
                LOG.info(line);
            }
            KeyFiles.readRsaKeyPair(config.keys().jwtPrivateKey());
            KeyFiles.readPrivate(config.keys().masterKey());

            Database database = Database.open(config);
            resources.add(database);
            int applied = new Migrations(database.dataSource()).migrate();
            if (applied > 0) {
                LOG.info("applied {} database migrations", applied);
            }

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
            PasswordHasher hasher = new PasswordHasher(Argon2Parameters.SEED_DEFAULT, random);

            Bootstrap.run(config.bootstrap(), db, orgs, users, hasher, audit, clock, random, console);

            SystemRoutes system = new SystemRoutes(List.of(new DatabaseHealth(database)), metrics, version());
            RouteTable routes = RouteTable.of(system.routes(), auditing.routes(ComplianceEvidence.notAvailable()));

            HttpServer http = new HttpServer(config.http(), config.features().requireHttps(), routes,
                    List.of(CoreGuards.authentication((token, request) -> Optional.empty()),
                            CoreGuards.tenantIsolation(),
                            CoreGuards.permissions(audit, clock)),
                    List.of(), json, metrics);
            http.start();
            resources.add(http);
            LOG.info("LiftOS Security {} listening on http://{}:{}", version(), config.http().host(), http.port());
            return new App(resources, http, db, auditing);
        } catch (RuntimeException e) {
            closeAll(resources);
            throw e;
        }
    }

    public int port() {
        return http.port();
    }

    public Db db() {
        return db;
    }

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
