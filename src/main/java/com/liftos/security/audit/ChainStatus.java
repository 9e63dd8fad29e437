package com.liftos.security.audit;

import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/** The outcome of verifying one chain: intact, or the first problem found. */
public sealed interface ChainStatus {

    /** The organization, or the all-zero UUID for the system chain. */
    UUID chain();

    long recordsChecked();

    /** What was done to the chain, as far as the evidence shows. */
    enum Problem {
        MODIFIED, DELETED, INSERTED, REORDERED, CHECKPOINT_INVALID;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Every record from the anchor to the head links, hashes and matches every signed checkpoint.
     *
     * @param anchorSeq last purged record (0 when nothing was purged)
     * @param lastCheckpointSeq newest signed checkpoint covering this chain (0 when none yet)
     */
    record Intact(UUID chain, long recordsChecked, long anchorSeq, long headSeq, int checkpointsVerified,
                  long lastCheckpointSeq, long pseudonymizedRecords) implements ChainStatus {}

    /** The first record found modified, deleted, inserted or reordered (its position {@code seq}). */
    record Tampered(UUID chain, long recordsChecked, Problem problem, long seq, Optional<UUID> eventId,
                    String message) implements ChainStatus {}

    /** Whether this is the system chain (events of no organization). */
    default boolean systemChain() {
        return chain().equals(ChainAppender.SYSTEM_CHAIN);
    }

    default boolean intact() {
        return this instanceof Intact;
    }
}
