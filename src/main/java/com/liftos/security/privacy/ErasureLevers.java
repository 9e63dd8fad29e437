package com.liftos.security.privacy;

import java.util.UUID;

/**
 * What must stop before personal data goes, owned by other features: live sessions (so tokens stop verifying on
 * every instance) and an organization's vault data keys (crypto-shredding). Wired in {@code App}.
 */
public interface ErasureLevers {

    /** Ends every session of the user. */
    void endSessionsOfUser(UUID userId);

    /** Ends every session of the organization. */
    void endSessionsOfOrganization(UUID orgId);

    /** Destroys the organization's vault data keys, so none of its credentials can be decrypted again; returns how many. */
    int shredVaultKeys(UUID orgId, Requester by);
}
