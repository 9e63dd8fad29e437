package com.liftos.security.cli;

import com.liftos.security.Setup;
import com.liftos.security.config.Config;
import com.liftos.security.config.ConfigException;
import com.liftos.security.crypto.CryptoProviders;
import com.liftos.security.http.Json;
import com.liftos.security.org.Organizations;
import com.liftos.security.store.Database;
import com.liftos.security.store.Db;
import com.liftos.security.store.Migrations;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The seed's setup_security.py: tables, the master key file and the keys in the database, the org security
 * configuration, .env.template, and the one Kubernetes Secret to create.
 */
@Command(name = "setup", mixinStandardHelpOptions = true,
        description = "Create tables, the master key file (kept when present) and the keys in the database, the organization's"
                + " default security configuration and .env.template; print the Kubernetes Secret to create.")
final class SetupCommand implements Callable<Integer> {
    @ParentCommand
    LiftosCommand parent;

    @Parameters(index = "0", arity = "0..1", paramLabel = "org-id", description = "Organization id (UUID) to configure")
    String orgId;

    @Option(names = "--env-template", paramLabel = "FILE", description = "Where to write the environment template (default: ${DEFAULT-VALUE})")
    Path envTemplate = Path.of(".env.template");

    @Override
    public Integer call() {
        Config config = parent.config();
        UUID org = null;
        if (orgId != null) {
            org = Setup.parseOrgId(orgId).orElseThrow(() -> new ConfigException(List.of("org-id: must be a UUID")));
        }
        Setup setup = new Setup(config, new SecureRandom());
        CryptoProviders.install();
        try (Database database = Database.open(config)) {
            int applied = new Migrations(database.dataSource()).migrate();
            parent.out.println(applied > 0 ? "Tables created (" + applied + " migrations applied)" : "Tables up to date");
            Db db = new Db(database.dataSource());
            Organizations orgs = new Organizations(db, Json.newMapper(), Clock.systemUTC());
            setup.provisionKeys(db, orgs).forEach(parent.out::println);
            if (org != null) {
                parent.out.println(setup.ensureOrganization(orgs, org));
            }
            parent.out.println(setup.writeEnvTemplate(envTemplate));
            setup.kubernetesSecret().forEach(parent.out::println);
        }
        return 0;
    }
}
