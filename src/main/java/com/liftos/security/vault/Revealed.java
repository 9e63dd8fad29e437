package com.liftos.security.vault;

import java.util.UUID;

/** A revealed credential: which one, its version, and the decrypted fields. */
public record Revealed(UUID credentialId, String provider, String keyName, int version, SecretFields fields) {}
