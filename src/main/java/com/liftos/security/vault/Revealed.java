package com.liftos.security.vault;

/** A revealed credential: its metadata and the decrypted fields. */
public record Revealed(CredentialMetadata metadata, SecretFields fields) {}
