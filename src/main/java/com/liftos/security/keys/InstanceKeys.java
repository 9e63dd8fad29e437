package com.liftos.security.keys;

import com.liftos.security.crypto.Aead;
import com.liftos.security.store.Db;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The keys every instance shares besides the master key — the service key and the audit signing key — held in the
 * database ({@code keyring_keys}), each wrapped under the master key (see {@link KeyringSeal}). The master key is
 * the only secret a new instance needs besides {@code DATABASE_URL}.
 *
 * <p>{@link #open} provisions them: the first instance to start on a new database creates them, once however many
 * start at the same moment (one insert wins, every instance reads the winner back); an earlier release's key files,
 * when present, are imported instead, so nothing sealed under them breaks. A file that disagrees with the database
 * stops the instance: two instances must never run with different keys.
 */
public final class InstanceKeys {
    /** Where an earlier release kept key files; read only to import them, never needed afterwards. */
    public record LegacyFiles(Path serviceKey, Path auditSigningKey) {}

    private final Map<KeyPurpose, KeyMaterial> keys;

    private InstanceKeys(Map<KeyPurpose, KeyMaterial> keys) {
        this.keys = Map.copyOf(keys);
    }

    /**
     * The instance keys, provisioned as needed. For a key the database does not hold: the legacy file's key is
     * imported when the file exists; otherwise a new key is created when {@code mayCreate} says so (a new database,
     * or an operator's explicit choice), else this refuses with a line saying how to import the old key.
     * {@code report} receives one line per key imported or created, and per legacy file no longer needed.
     */
    public static InstanceKeys open(Db db, MasterKeyTerm master, LegacyFiles files, BooleanSupplier mayCreate,
                                    SecureRandom random, Consumer<String> report) {
        Map<KeyPurpose, Optional<KeyMaterial>> fromFiles = new EnumMap<>(KeyPurpose.class);
        fromFiles.put(KeyPurpose.SERVICE, LegacyKeyFile.read(KeyPurpose.SERVICE, files.serviceKey()));
        fromFiles.put(KeyPurpose.AUDIT_SIGNING, LegacyKeyFile.read(KeyPurpose.AUDIT_SIGNING, files.auditSigningKey()));
        // What exists at all is read before what opens under this term: another instance creating the keys between
        // the two reads then shows up in the second only, never as a key held under another term.
        Set<KeyPurpose> elsewhere = db.run(KeyringRows::present);
        Map<KeyPurpose, KeyMaterial> stored = db.run(c -> KeyringRows.open(c, master.key(), master.id()));
        elsewhere.removeAll(stored.keySet());
        if (!elsewhere.isEmpty()) {
            throw underAnotherTerm(elsewhere.iterator().next());
        }

        Map<KeyPurpose, KeyMaterial> candidates = new EnumMap<>(KeyPurpose.class);
        Map<KeyPurpose, KeyringRows.Origin> origins = new EnumMap<>(KeyPurpose.class);
        for (KeyPurpose p : KeyPurpose.values()) {
            if (stored.containsKey(p)) {
                continue;
            }
            Optional<KeyMaterial> file = fromFiles.get(p);
            if (file.isPresent()) {
                candidates.put(p, file.get());
                origins.put(p, KeyringRows.Origin.IMPORTED);
            } else if (mayCreate.getAsBoolean()) {
                candidates.put(p, p.generate(random));
                origins.put(p, KeyringRows.Origin.GENERATED);
            } else {
                throw missing(p, file(files, p));
            }
        }
        if (!candidates.isEmpty()) {
            Aead aead = new Aead(random);
            stored = db.tx(c -> {
                if (!master.holdActive(c)) {
                    throw new KeyringException("the master key was rotated while this instance started; restart it with"
                            + " MASTER_ENCRYPTION_KEY_PATH naming the new key");
                }
                for (Map.Entry<KeyPurpose, KeyMaterial> e : candidates.entrySet()) {
                    KeyringRows.insertIfNone(c, e.getKey(), master.id(),
                            KeyringSeal.wrap(aead, master.key(), master.id(), e.getKey(), e.getValue()), origins.get(e.getKey()));
                }
                return KeyringRows.open(c, master.key(), master.id());
            });
        }

        for (KeyPurpose p : KeyPurpose.values()) {
            KeyMaterial key = stored.get(p);
            if (key == null) {
                throw underAnotherTerm(p);
            }
            Optional<KeyMaterial> file = fromFiles.get(p);
            if (file.isPresent() && !file.get().equals(key)) {
                throw new KeyringException(file(files, p) + " holds a different " + p.title() + " than the database keyring,"
                        + " which every instance uses; remove the file (it is no longer read)");
            }
            KeyMaterial mine = candidates.get(p);
            if (mine == null) {
                file.ifPresent(f -> report.accept(file(files, p) + ": its " + p.title() + " is in the database keyring;"
                        + " the file is no longer read and can be deleted"));
            } else if (mine.equals(key)) {
                report.accept(origins.get(p) == KeyringRows.Origin.IMPORTED
                        ? p.title() + " imported from " + file(files, p) + " into the database keyring (wrapped under master key"
                                + " term " + master.id() + "); the file is no longer read and can be deleted"
                        : p.title() + " created in the database keyring (wrapped under master key term " + master.id() + ")");
            }
        }
        return new InstanceKeys(stored);
    }

    /** One key as stored under {@code master}'s term, without provisioning anything (read-only tools). */
    public static Optional<KeyMaterial> stored(Db db, MasterKeyTerm master, KeyPurpose purpose) {
        return Optional.ofNullable(db.run(c -> KeyringRows.open(c, master.key(), master.id())).get(purpose));
    }

    /** The HKDF input of the service-account secret and MFA code HMACs and of the JWT keyring's seal. */
    public KeyMaterial service() {
        return keys.get(KeyPurpose.SERVICE);
    }

    /** The HMAC key of audit checkpoints and retention anchors (32 bytes). */
    public KeyMaterial auditSigning() {
        return keys.get(KeyPurpose.AUDIT_SIGNING);
    }

    @Override
    public String toString() {
        return "InstanceKeys[" + keys.keySet() + ", redacted]";
    }

    private static Path file(LegacyFiles files, KeyPurpose p) {
        return switch (p) {
            case SERVICE -> files.serviceKey();
            case AUDIT_SIGNING -> files.auditSigningKey();
        };
    }

    private static KeyringException missing(KeyPurpose p, Path file) {
        return new KeyringException("this database holds an earlier release's data but its keyring has no " + p.title()
                + " and " + file + " does not exist: import the installation's key files with 'liftos keys import-files'"
                + " (LIFTOS_SERVICE_KEY_PATH naming the service key file; the audit signing key is read next to the master key),"
                + " or start over with new keys with 'liftos keys import-files --generate-missing'"
                + " (what was made with the lost key stops verifying)");
    }

    private static KeyringException underAnotherTerm(KeyPurpose p) {
        return new KeyringException("the database keyring holds the " + p.title() + " only under another master key term:"
                + " finish the master-key rotation ('liftos vault rotate-master-key') and use the master key it made active");
    }
}
