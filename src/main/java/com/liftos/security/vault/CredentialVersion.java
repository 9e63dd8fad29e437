package com.liftos.security.vault;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A kept sealed version of a credential, as metadata: never its values. {@code restoredFrom} and {@code reason}
 * are set on a version a rollback made (it holds the values of version {@code restoredFrom}).
 */
public record CredentialVersion(int version, Instant createdAt, Optional<UUID> createdBy, Optional<String> reason,
                                Optional<Integer> restoredFrom, boolean current) {}
