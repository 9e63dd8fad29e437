package com.liftos.security.subject;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One feature's share of a data subject's personal data (GDPR Art. 15, 17, 20): what it exports and how it erases
 * it. Each feature implements this over its own tables; the privacy feature only orchestrates, in one transaction
 * whose connection it passes in, so an erasure commits or rolls back as a whole.
 */
public interface PersonalData {

    /**
     * The feature's sections of the export document, by section name, each a JSON-ready value (a Jackson tree,
     * map, list or scalar). Never a secret, hash, code or sealed value. Empty when the feature exports nothing.
     */
    Map<String, Object> export(Connection c, DataSubject subject) throws SQLException;

    /**
     * The network addresses this feature holds for the subject. Erasure gathers them from every feature before any
     * feature erases, and hands the union to {@link #erase}, so a feature that files data under an address (incident
     * subjects, the IP block list) forgets the ones another feature saw.
     */
    default Set<String> addresses(Connection c, DataSubject subject) throws SQLException {
        return Set.of();
    }

    /** Erases (deletes or pseudonymizes) the subject's data inside the caller's transaction and says what it did. */
    List<Erased> erase(Connection c, DataSubject subject, Set<String> addresses) throws SQLException;

    /**
     * The part of {@link #erase} still needed when the subject's whole organization is deleted: rows that do not
     * cascade with the organization. Nothing by default.
     */
    default List<Erased> eraseBeyondOrganization(Connection c, DataSubject subject) throws SQLException {
        return List.of();
    }

    /** What one erasure step did, by category (the erasure report's wire names). */
    sealed interface Erased {
        String category();

        int rows();

        /** Rows removed. */
        record Deleted(String category, int rows) implements Erased {}

        /** Rows kept (an audit chain must stay verifiable) with their personal fields erased. */
        record Pseudonymized(String category, int rows) implements Erased {}
    }
}
