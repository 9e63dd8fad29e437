package com.liftos.security.vault;

import java.util.List;

/** The outcome of a vault operation: a value, or one of the ways it can be refused. */
public sealed interface VaultResult<T> {
    record Ok<T>(T value) implements VaultResult<T> {}

    /** The provider is unknown, or the fields break its declaration (one problem per line, no values). */
    record Invalid<T>(List<String> problems) implements VaultResult<T> {
        public Invalid {
            problems = List.copyOf(problems);
        }
    }

    record NotFound<T>() implements VaultResult<T> {}

    /** The credential was revoked; nothing of it can be revealed or rotated. */
    record Revoked<T>() implements VaultResult<T> {}

    /** The stored ciphertext did not authenticate (tampered, moved, or its key was shredded). No plaintext. */
    record IntegrityFailure<T>() implements VaultResult<T> {}
}
