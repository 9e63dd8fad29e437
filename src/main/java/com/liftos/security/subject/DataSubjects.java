package com.liftos.security.subject;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The feature that holds the accounts: it finds data subjects, and its own {@link PersonalData} (the account itself)
 * is erased last, because deleting an account cascades to rows the other features count as they erase.
 */
public interface DataSubjects extends PersonalData {

    /** The user {@code userId} of {@code orgId}; empty when there is none (or it belongs to another organization). */
    Optional<DataSubject> find(UUID orgId, UUID userId);

    /** As {@link #find}, with the account row locked until the caller's transaction ends. */
    Optional<DataSubject> lockForErasure(Connection c, UUID orgId, UUID userId) throws SQLException;

    /** Every user of the organization. */
    List<DataSubject> ofOrganization(Connection c, UUID orgId) throws SQLException;
}
