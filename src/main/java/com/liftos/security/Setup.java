package com.liftos.security;

import com.liftos.security.config.Config;
import com.liftos.security.config.ConfigLoader;
import com.liftos.security.crypto.KeyFiles;
import com.liftos.security.org.Organizations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What the seed's {@code setup_security.py} does: key files (kept when present), the organization's default
 * security configuration, and the {@code .env.template}. Tables are created by the caller's migration run.
 * Returns one human-readable line per step.
 */
public final class Setup {
    private final Config config;
    private final SecureRandom random;

    public Setup(Config config, SecureRandom random) {
        this.config = config;
        this.random = random;
    }

    /** Creates missing key files; never replaces existing ones. */
    public List<String> ensureKeys() {
        List<String> report = new ArrayList<>();
        try {
            Config.Keys keys = config.keys();
            if (Files.exists(keys.jwtPrivateKey())) {
                report.add("JWT signing key kept: " + keys.jwtPrivateKey());
                if (!Files.exists(keys.jwtPublicKey())) {
                    KeyPair existing = KeyFiles.readRsaKeyPair(keys.jwtPrivateKey());
                    KeyFiles.writeNew(keys.jwtPublicKey(), KeyFiles.publicKeyPem(existing));
                    report.add("JWT public key written: " + keys.jwtPublicKey());
                }
            } else {
                KeyPair pair = KeyFiles.generateRsa(random);
                KeyFiles.writeNew(keys.jwtPrivateKey(), KeyFiles.privateKeyPem(pair));
                Files.deleteIfExists(keys.jwtPublicKey());
                KeyFiles.writeNew(keys.jwtPublicKey(), KeyFiles.publicKeyPem(pair));
                report.add("JWT signing key pair generated (RSA-2048, mode 0600): " + keys.jwtPrivateKey());
            }
            if (Files.exists(keys.serviceKey())) {
                report.add("Service key kept: " + keys.serviceKey());
            } else {
                writeRandomKey(keys.serviceKey());
                report.add("Service key generated (256-bit, mode 0600): " + keys.serviceKey());
            }
            if (Files.exists(keys.masterKey())) {
                report.add("Master encryption key kept: " + keys.masterKey());
            } else {
                writeRandomKey(keys.masterKey());
                report.add("Master encryption key generated (256-bit, mode 0600): " + keys.masterKey());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("key files could not be written: " + e.getMessage(), e);
        }
        return report;
    }

    private void writeRandomKey(Path file) throws IOException {
        byte[] key = new byte[32];
        random.nextBytes(key);
        KeyFiles.writeNew(file, (Base64.getEncoder().encodeToString(key) + "\n").getBytes(StandardCharsets.US_ASCII));
        java.util.Arrays.fill(key, (byte) 0);
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
