package com.liftos.security.connection;

import com.liftos.security.connection.ConnectionStore.Row;
import com.liftos.security.connection.ProviderClient.AppClient;
import com.liftos.security.store.Db;
import com.liftos.security.vault.Secrets;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;

/**
 * Every secret of the connections, sealed through the vault's envelope encryption under the organization's data key,
 * each under its own purpose (part of the associated data): {@code conn.app:<provider>} (the org's OAuth client
 * secret), {@code conn.pkce:<session>} (a connect session's PKCE verifier), {@code conn:<connection>:<generation>}
 * (the tokens; an older sealed blob copied back into the row does not open). Plaintext buffers are zeroed after use.
 */
final class ConnectionSecrets {
    private final Db db;
    private final Secrets secrets;
    private final ConnectionStore store;

    ConnectionSecrets(Db db, Secrets secrets, ConnectionStore store) {
        this.db = db;
        this.secrets = secrets;
        this.store = store;
    }

    byte[] sealAppSecret(UUID org, String provider, String clientSecret) {
        byte[] plain = clientSecret.getBytes(StandardCharsets.UTF_8);
        try {
            return secrets.seal(org, appPurpose(provider), plain);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** The org's OAuth client at {@code provider}, its secret opened. */
    Optional<AppClient> app(UUID org, String provider) {
        return db.run(c -> store.app(c, org, provider)).map(a -> {
            byte[] plain = secrets.open(org, appPurpose(provider), a.sealedSecret());
            try {
                return new AppClient(a.clientId(), new String(plain, StandardCharsets.UTF_8));
            } finally {
                Arrays.fill(plain, (byte) 0);
            }
        });
    }

    byte[] sealVerifier(UUID org, UUID sessionId, String verifier) {
        return secrets.seal(org, "conn.pkce:" + sessionId, verifier.getBytes(StandardCharsets.US_ASCII));
    }

    String openVerifier(UUID org, UUID sessionId, byte[] sealed) {
        byte[] plain = secrets.open(org, "conn.pkce:" + sessionId, sealed);
        try {
            return new String(plain, StandardCharsets.US_ASCII);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    byte[] sealTokens(UUID org, UUID id, long generation, Tokens tokens) {
        byte[] plain = tokens.encode();
        try {
            return secrets.seal(org, tokenPurpose(id, generation), plain);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    Tokens openTokens(Row row) {
        byte[] plain = secrets.open(row.orgId(), tokenPurpose(row.id(), row.generation()), row.sealedTokens().orElseThrow());
        try {
            return Tokens.decode(plain);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private static String tokenPurpose(UUID id, long generation) {
        return "conn:" + id + ":" + generation;
    }

    private static String appPurpose(String provider) {
        return "conn.app:" + provider;
    }
}
