package com.liftos.security.vault;

/** A stored credential: its metadata and whether the store created it (else it replaced an existing one). */
public record Stored(CredentialMetadata metadata, boolean created) {}
