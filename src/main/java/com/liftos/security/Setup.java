package com.liftos.security;

import com.liftos.security.auth.token.JwtAlgorithm;
import com.liftos.security.auth.token.JwtKeys;
import com.liftos.security.config.Config;
import com.liftos.security.config.ConfigLoader;
import com.liftos.security.crypto.InsecureKeyAccess;
import com.liftos.security.keys.InstanceKeys;
import com.liftos.security.keys.MasterKeyTerm;
import com.liftos.security.org.Organizations;
import com.liftos.security.store.Db;
import com.liftos.security.vault.Vault;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What the seed's {@code setup_security.py} does: keys, the organization's default security configuration, and the
 * {@code .env.template}. Tables are created by the caller's migration run. The master key is the one key file
 * (created for a new database when missing, never replaced); every other key is provisioned in the database,
 * wrapped under it, exactly as a first start does. Returns one human-readable line per step.
 */
public final class Setup {
    /** The Secret {@code deploy/kubernetes/deployment.yaml} mounts the master key from, and the file name in it. */
    public static final String KUBERNETES_SECRET = "liftos-security-master-key";
    public static final String KUBERNETES_SECRET_KEY = "master_encryption_key.txt";

    private final Config config;
    private final SecureRandom random;

    public Setup(Config config, SecureRandom random) {
        this.config = config;
        this.random = random;
    }

    /**
     * The master key file (created when missing and the database has none yet), then the keys in the database:
     * service key, audit signing key (imported from an earlier release's files when present) and a JWT signing key.
     */
    public List<String> provisionKeys(Db db, Organizations orgs) {
        List<String> report = new ArrayList<>();
        Path masterFile = config.keys().masterKey();
        boolean existed = Files.exists(masterFile);
        MasterKeyTerm master = Vault.provision(db, masterFile, random);
        report.add(existed ? "Master encryption key kept: " + masterFile
                : "Master encryption key generated (256-bit, mode 0600): " + masterFile);
        InstanceKeys keys = InstanceKeys.open(db, master, App.legacyKeyFiles(config.keys()), () -> orgs.count() == 0, random, report::add);
        byte[] serviceKey = keys.service().bytes(InsecureKeyAccess.get());
        try {
            JwtKeys jwt = new JwtKeys(db, Optional.of(config.keys().legacyJwtPrivateKey()), serviceKey, JwtAlgorithm.named(config.auth().jwtAlgorithm()).orElseThrow(),
                    Duration.ofMinutes(config.auth().accessTokenMinutes()), Clock.systemUTC(), random);
            jwt.fileKeyReport().ifPresent(report::add);
            report.add("Keys in the database, wrapped under the master key (term " + master.id() + "): service key,"
                    + " audit signing key, JWT signing keys " + String.join(", ", jwt.publishedKeyIds()));
        } finally {
            Arrays.fill(serviceKey, (byte) 0);
        }
        return report;
    }

    /**
     * How to create the one Kubernetes Secret every instance needs: the master key, under the name and file name
     * {@code deploy/kubernetes/deployment.yaml} mounts. The command reads the file, so the key is never printed.
     */
    public List<String> kubernetesSecret() {
        String file = config.keys().masterKey().toAbsolutePath().toString();
        String quoted = file.matches("[A-Za-z0-9_./-]+") ? file : "'" + file.replace("'", "'\\''") + "'";
        return List.of(
                "Kubernetes: the master key is the only key an instance needs besides DATABASE_URL; create its Secret with",
                "  kubectl create secret generic " + KUBERNETES_SECRET + " --from-file=" + KUBERNETES_SECRET_KEY + "=" + quoted,
                "  (deploy/kubernetes/deployment.yaml mounts it read-only; keep a copy of the file offline: without it nothing"
                        + " in the database can be opened)");
    }

    /** Stores the default security configuration for {@code orgId}, creating the organization when missing. */
    public String ensureOrganization(Organizations organizations, UUID orgId) {
        boolean existed = organizations.find(orgId).isPresent();
        organizations.ensure(orgId, "Organization " + orgId.toString().substring(0, 8));
        return existed ? "Organization " + orgId + " kept with its security configuration"
                : "Organization " + orgId + " created with the default security configuration";
    }

    /** Writes the environment template listing every variable with its default. */
    public String writeEnvTemplate(Path target) {
        StringBuilder sb = new StringBuilder("# LiftOS Security environment. Copy to .env and edit; the process environment wins.\n");
        for (ConfigLoader.Variable v : ConfigLoader.VARIABLES) {
            sb.append("\n# ").append(v.description()).append('\n');
            String def = v.defaultValue().replace("<data>", config.dataDir().toString());
            sb.append(v.name()).append('=').append(def).append('\n');
        }
        try {
            Path parent = target.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(target, sb.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("environment template could not be written: " + e.getMessage(), e);
        }
        return "Environment template written: " + target;
    }

    public static Optional<UUID> parseOrgId(String text) {
        try {
            return Optional.of(UUID.fromString(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
