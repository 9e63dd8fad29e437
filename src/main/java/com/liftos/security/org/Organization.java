package com.liftos.security.org;

import java.time.Instant;
import java.util.UUID;

/** A tenant. */
public record Organization(UUID id, String name, String status, Instant createdAt) {}
