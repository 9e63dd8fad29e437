package com.liftos.security.backup;

import java.util.Locale;

/** What a restore did: everything, or nothing and why. */
public sealed interface RestoreOutcome {

    /** Every table loaded and the SYSTEM_RESTORE event appended, in one committed transaction. */
    record Restored(Manifest manifest, String fileSha256) implements RestoreOutcome {}

    /** Nothing was written. {@code message} says what to do; it never quotes the file's data. */
    record Refused(Reason reason, String message) implements RestoreOutcome {}

    enum Reason {
        /** The file is not a backup of this format, or not one this installation's service key signed. */
        NOT_A_BACKUP,
        /** The signature or a checksum does not match: the file was changed after it was written. */
        TAMPERED,
        /** The target is not migrated to exactly the backup's migrations, or its tables differ. */
        SCHEMA_MISMATCH,
        /** The target already holds data: a restore never merges. */
        TARGET_NOT_EMPTY;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
