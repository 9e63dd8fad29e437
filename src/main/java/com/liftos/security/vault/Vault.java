package com.liftos.security.vault;

import com.liftos.security.audit.AuditLog;
import com.liftos.security.keys.MasterKeyTerm;
import com.liftos.security.store.Db;
import com.liftos.security.store.Purge;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The credential vault: platform credentials sealed with envelope encryption (master key → per-organization data
 * key → AES-256-GCM per credential version), rotated, revoked, revealed with every access counted and audited.
 * Names follow the seed's {@code enhanced_credential_manager}.
 *
 * <p>Guarantees: no operation returns, logs or audits a credential value except {@link #getCredentials}, whose
 * result holds it in {@link SecretFields}; every ciphertext opens only in the row, version and organization it
 * was sealed for; versions of one credential strictly increase without gaps under concurrent writers.
 */
public interface Vault {
    /** The seed's key rotation schedule for API keys. */
    Duration ROTATION_PERIOD = Duration.ofDays(90);
    /** Sealed versions kept per credential (the current one and four before it). */
    int KEPT_VERSIONS = 5;
    String DEFAULT_KEY_NAME = "default";

    /**
     * Opens the vault on {@code db}: loads the master key file and refuses (with {@link MasterKeyMismatchException})
     * when it is not the key this database was sealed with.
     */
    static Vault open(Db db, AuditLog audit, Path masterKeyFile, Clock clock, SecureRandom random) {
        return open(db, audit, unlock(db, masterKeyFile, random), clock, random);
    }

    /** Opens the vault with a master key already checked by {@link #unlock} or {@link #provision}. */
    static Vault open(Db db, AuditLog audit, MasterKeyTerm master, Clock clock, SecureRandom random) {
        return new VaultService(db, audit, new Keyring(db, master, clock, random), clock);
    }

    /**
     * Loads the master key file (a passphrase is derived once, with the installation's salt) and checks it against
     * the database's key check values: the first start of a database registers it as term 1; afterwards it must be
     * the active term, else {@link MasterKeyMismatchException} (one line naming the file) before anything is
     * written with it.
     */
    static MasterKeyTerm unlock(Db db, Path masterKeyFile, SecureRandom random) {
        return Keyring.unlock(db, masterKeyFile, random);
    }

    /**
     * As {@link #unlock}, creating a missing key file (32 random bytes, mode 0600) when the database has no master key
     * yet: what a first start does. A missing file on a database that has one is refused.
     */
    static MasterKeyTerm provision(Db db, Path masterKeyFile, SecureRandom random) {
        return Keyring.provision(db, masterKeyFile, random);
    }

    /**
     * The reveal log's retention rule, for {@code store.Housekeeping}: usage analytics and access counts then cover
     * the last {@code retention}.
     */
    static Purge accessLogPurge(Duration retention) {
        return Purge.olderThan("vault_access_log", retention,
                "DELETE FROM vault_access_log WHERE ctid >= ?::tid AND ctid < ?::tid AND accessed_at < ?");
    }

    /** Stores (creates, or replaces with version + 1) the credential {@code provider}/{@code keyName}. */
    VaultResult<Stored> storeCredentialsInVault(UUID orgId, String provider, String keyName, Map<String, String> credentials, Caller by);

    /**
     * Decrypts the current version; audited (API_KEY_ACCESSED) whatever the outcome, and as SENSITIVE_DATA_ACCESS
     * on the caller's first reveal of this version from its address in 15 minutes, before the result is returned;
     * then counted in the access log. When the audit
     * write fails it throws, nothing is revealed and nothing is counted.
     */
    VaultResult<Revealed> getCredentials(UUID orgId, String provider, String keyName, Caller by);

    /** Seals new values as version + 1 of an existing, active credential. */
    VaultResult<CredentialMetadata> rotateCredentials(UUID orgId, String provider, String keyName, Map<String, String> newCredentials, Caller by);

    /** Revokes and destroys every sealed version; idempotent. */
    VaultResult<CredentialMetadata> revokeApiKey(UUID orgId, String provider, String keyName, String reason, Caller by);

    Optional<CredentialMetadata> metadata(UUID orgId, String provider, String keyName);

    /**
     * The credential's kept sealed versions (at most {@link #KEPT_VERSIONS}), newest first, as metadata only; empty
     * when there is no such credential, an empty list when it was revoked (its versions were destroyed).
     */
    Optional<List<CredentialVersion>> versions(UUID orgId, String provider, String keyName);

    /**
     * Rolls an active credential back to its kept earlier version {@code version}: the earlier values are opened
     * and sealed again as a new current version (version + 1; history stays append-only, so the rollback itself
     * can be undone), recording {@code reason} and the version restored. Its rotation clock restarts from the
     * earlier version's creation, since the values are that old. Audited (API_KEY_ROTATED, action
     * {@code rollback_credentials}) in the same transaction. Invalid when {@code version} is not earlier than the
     * current one; NotFound when the credential or that version is not kept; IntegrityFailure when it does not open.
     */
    VaultResult<CredentialMetadata> rollbackCredentials(UUID orgId, String provider, String keyName, int version, String reason, Caller by);

    /** Metadata of the org's credentials; with {@code rotationDueOnly}, only active ones past their rotation date. */
    List<CredentialMetadata> listApiKeys(UUID orgId, boolean rotationDueOnly);

    /** Reveal statistics over the last {@code days} (1..366) days, optionally for one provider. */
    UsageAnalytics getUsageAnalytics(UUID orgId, Optional<String> provider, int days);

    /** Incident containment: revokes every active credential of the org; returns how many. */
    int revokeAll(UUID orgId, String reason, Caller by);

    /**
     * Crypto-shredding for organization erasure: destroys every data key of the org, after which none of its
     * credentials (nor secrets sealed through {@link #secrets()}) can ever be decrypted. Returns the keys destroyed.
     */
    int shredOrganization(UUID orgId, Caller by);

    /** Active credentials of the org past their rotation date (for the SOC 2 report). */
    long countDueForRotation(UUID orgId);

    /** How many of the organization's credentials are active (not revoked). */
    long countActive(UUID orgId);

    /** Envelope encryption for other features' small secrets (e.g. TOTP seeds). */
    Secrets secrets();
}
