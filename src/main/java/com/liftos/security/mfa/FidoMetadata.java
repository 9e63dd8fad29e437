package com.liftos.security.mfa;

import com.liftos.security.config.ConfigException;
import com.webauthn4j.anchor.TrustAnchorRepository;
import com.webauthn4j.converter.util.ObjectConverter;
import com.webauthn4j.data.attestation.authenticator.AAGUID;
import com.webauthn4j.metadata.data.MetadataBLOB;
import com.webauthn4j.metadata.data.MetadataBLOBFactory;
import com.webauthn4j.metadata.data.MetadataBLOBPayloadEntry;
import com.webauthn4j.metadata.data.toc.AuthenticatorStatus;
import com.webauthn4j.metadata.data.toc.StatusReport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FIDO Metadata Service (MDS3): the authenticator models the FIDO Alliance lists, each with the root certificates its
 * attestation chains to and its status reports. The BLOB (a JWS) comes from a file the operator downloads, since the
 * service makes no outbound request; it is trusted only when its signature verifies with the first certificate of
 * its {@code x5c} header and that chain ends at the configured root (the FIDO MDS root, GlobalSign Root CA - R3, by
 * default). Revocation of the BLOB's signing chain is not checked (CRLs would need the network); the operator's
 * download is the freshness.
 *
 * <p>The file is read at start (a BLOB that does not verify stops the start, {@link ConfigException}) and again when
 * its modification time or size changes, looked at on each registration that needs it; a changed file that does not
 * verify, or whose serial number {@code no} is lower than the loaded one's (a rollback to hide a revocation), is
 * logged and the last good BLOB stays in force.
 */
final class FidoMetadata {
    private static final Logger LOG = LoggerFactory.getLogger(FidoMetadata.class);
    static final String DEFAULT_ROOT = "/fido/mds-root-globalsign-r3.pem";

    /** Status reports that refuse a model whatever the allow-list says (MDS3 §3.1.4 "security notification"). */
    static final Set<AuthenticatorStatus> REFUSED = Set.of(AuthenticatorStatus.REVOKED,
            AuthenticatorStatus.ATTESTATION_KEY_COMPROMISE, AuthenticatorStatus.USER_VERIFICATION_BYPASS,
            AuthenticatorStatus.USER_KEY_REMOTE_COMPROMISE, AuthenticatorStatus.USER_KEY_PHYSICAL_COMPROMISE);

    /** What the metadata says of one authenticator model. */
    sealed interface Model {
        /** Listed, no security notification: its attestation roots. */
        record Listed(Set<TrustAnchor> roots) implements Model {}

        /** Listed with a status report in {@link #REFUSED}. */
        record Refused(AuthenticatorStatus status) implements Model {}

        /** Not in the BLOB, or no BLOB is configured. */
        record Unknown() implements Model {}
    }

    /** A verified BLOB's models by AAGUID. */
    private record Loaded(int serial, LocalDate nextUpdate, Map<UUID, MetadataBLOBPayloadEntry> entries,
                          Optional<FileKey> file) {}

    private record FileKey(Instant modified, long size) {}

    private final Optional<Path> path;
    private final TrustAnchor root;
    private final Clock clock;
    private final MetadataBLOBFactory factory = new MetadataBLOBFactory(new ObjectConverter());
    private volatile Optional<Loaded> loaded;

    private FidoMetadata(Optional<Path> path, TrustAnchor root, Clock clock) {
        this.path = path;
        this.root = root;
        this.clock = clock;
    }

    /** No BLOB: every model {@link Model.Unknown}. */
    static FidoMetadata none(Clock clock) {
        FidoMetadata m = new FidoMetadata(Optional.empty(), new TrustAnchor(defaultRoot(), null), clock);
        m.loaded = Optional.empty();
        return m;
    }

    /**
     * Reads and verifies {@code blob} against {@code root} (empty: the shipped FIDO root).
     *
     * @throws ConfigException when the file cannot be read or the BLOB does not verify
     */
    static FidoMetadata load(Path blob, Optional<Path> rootPem, Clock clock) {
        X509Certificate rootCert = rootPem.map(FidoMetadata::readRoot).orElseGet(FidoMetadata::defaultRoot);
        FidoMetadata m = new FidoMetadata(Optional.of(blob), new TrustAnchor(rootCert, null), clock);
        try {
            m.loaded = Optional.of(m.read(blob));
        } catch (BadBlob e) {
            throw new ConfigException(List.of("LIFTOS_FIDO_MDS_PATH: " + e.getMessage()));
        }
        Loaded l = m.loaded.get();
        LOG.info("FIDO metadata loaded: BLOB no {} with {} authenticator models, next update {}", l.serial(), l.entries().size(),
                l.nextUpdate());
        return m;
    }

    /** What the current BLOB says of {@code aaguid}; re-reads the file first when it changed. */
    Model model(UUID aaguid) {
        Optional<Loaded> current = current();
        Optional<MetadataBLOBPayloadEntry> entry = current.flatMap(l -> Optional.ofNullable(l.entries().get(aaguid)));
        if (entry.isEmpty()) {
            return new Model.Unknown();
        }
        Optional<AuthenticatorStatus> bad = Optional.ofNullable(entry.get().getStatusReports()).orElse(List.of()).stream()
                .map(StatusReport::getStatus).filter(REFUSED::contains).findFirst();
        if (bad.isPresent()) {
            return new Model.Refused(bad.get());
        }
        Set<TrustAnchor> roots = entry.get().getMetadataStatement() == null ? Set.of()
                : entry.get().getMetadataStatement().getAttestationRootCertificates().stream()
                        .map(c -> new TrustAnchor(c, null)).collect(Collectors.toUnmodifiableSet());
        return roots.isEmpty() ? new Model.Unknown() : new Model.Listed(roots);
    }

    /**
     * The attestation roots of listed models with no security notification, for webauthn4j's certificate path check.
     * U2F authenticators (found by key identifier, no AAGUID) have none: an allow-list names AAGUIDs.
     */
    TrustAnchorRepository trustAnchors() {
        Function<UUID, Set<TrustAnchor>> byAaguid = aaguid -> model(aaguid) instanceof Model.Listed l ? l.roots() : Set.of();
        return new TrustAnchorRepository() {
            @Override
            public Set<TrustAnchor> find(AAGUID aaguid) {
                return aaguid == null || aaguid.getValue() == null ? Set.of() : byAaguid.apply(aaguid.getValue());
            }

            @Override
            public Set<TrustAnchor> find(byte[] attestationCertificateKeyIdentifier) {
                return Set.of();
            }
        };
    }

    private Optional<Loaded> current() {
        if (path.isEmpty()) {
            return loaded;
        }
        Optional<Loaded> now = loaded;
        Optional<FileKey> key = fileKey(path.get());
        if (key.isEmpty() || now.flatMap(Loaded::file).equals(key)) {
            return now;
        }
        synchronized (this) {
            now = loaded;
            if (now.flatMap(Loaded::file).equals(key)) {
                return now;
            }
            try {
                Loaded next = read(path.get());
                int before = now.map(Loaded::serial).orElse(Integer.MIN_VALUE);
                if (next.serial() < before) {
                    LOG.error("FIDO metadata {} not loaded: its serial number {} is lower than the loaded {}; the loaded one stays",
                            path.get(), next.serial(), before);
                    loaded = now.map(l -> new Loaded(l.serial(), l.nextUpdate(), l.entries(), key));
                } else {
                    loaded = Optional.of(next);
                    LOG.info("FIDO metadata reloaded: BLOB no {} with {} authenticator models", next.serial(), next.entries().size());
                }
            } catch (BadBlob e) {
                LOG.error("FIDO metadata {} not loaded ({}); the last verified one stays", path.get(), e.getMessage());
                loaded = now.map(l -> new Loaded(l.serial(), l.nextUpdate(), l.entries(), key));
            }
            return loaded;
        }
    }

    private static Optional<FileKey> fileKey(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return Optional.of(new FileKey(a.lastModifiedTime().toInstant(), a.size()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A BLOB that is not one, or does not verify; the message is safe to log (no file content). */
    static final class BadBlob extends Exception {
        private static final long serialVersionUID = 1L;

        BadBlob(String message) {
            super(message, null, false, false);
        }
    }

    private static final long MAX_BYTES = 64L * 1024 * 1024;

    private Loaded read(Path p) throws BadBlob {
        Optional<FileKey> key = fileKey(p);
        String jwt;
        try {
            if (Files.size(p) > MAX_BYTES) {
                throw new BadBlob("larger than " + MAX_BYTES + " bytes");
            }
            jwt = Files.readString(p, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new BadBlob("cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        MetadataBLOB blob;
        try {
            blob = factory.parse(jwt);
        } catch (RuntimeException e) {
            throw new BadBlob("not a FIDO metadata BLOB (a JWS with a metadata payload)");
        }
        if (blob.getHeader().getX5c() == null || !blob.isValidSignature()) {
            throw new BadBlob("its signature does not verify");
        }
        try {
            PKIXParameters params = new PKIXParameters(Set.of(root));
            params.setRevocationEnabled(false);
            params.setDate(Date.from(clock.instant()));
            CertPathValidator.getInstance("PKIX").validate(blob.getHeader().getX5c(), params);
        } catch (GeneralSecurityException e) {
            throw new BadBlob("its signing certificate does not chain to the FIDO metadata root");
        }
        if (blob.getPayload() == null || blob.getPayload().getEntries() == null || blob.getPayload().getNo() == null) {
            throw new BadBlob("no entries");
        }
        LocalDate nextUpdate = blob.getPayload().getNextUpdate();
        if (nextUpdate != null && nextUpdate.isBefore(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC))) {
            LOG.warn("FIDO metadata {}: its next update was due {}; download a newer BLOB so revocations reach the service",
                    p, nextUpdate);
        }
        Map<UUID, MetadataBLOBPayloadEntry> entries = blob.getPayload().getEntries().stream()
                .filter(e -> e.getAaguid() != null && e.getAaguid().getValue() != null)
                .collect(Collectors.toUnmodifiableMap(e -> e.getAaguid().getValue(), e -> e, (a, b) -> a));
        return new Loaded(blob.getPayload().getNo(), nextUpdate, entries, key);
    }

    private static X509Certificate readRoot(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | GeneralSecurityException | ClassCastException e) {
            throw new ConfigException(List.of("LIFTOS_FIDO_MDS_ROOT: not a readable PEM certificate"));
        }
    }

    private static X509Certificate defaultRoot() {
        try (InputStream in = FidoMetadata.class.getResourceAsStream(DEFAULT_ROOT)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DEFAULT_ROOT);
            }
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("unreadable resource " + DEFAULT_ROOT, e);
        }
    }
}
