package com.liftos.security.keys;

import java.security.SecureRandom;
import java.util.Base64;

/** What a key of the instance keyring is for; the stored name is bound into its wrapping as associated data. */
public enum KeyPurpose {
    /**
     * The HKDF input of the service-account secret and MFA code HMACs and of the JWT keyring's seal: the text an
     * earlier release kept in {@code service_key.txt} (base64 of 32 random bytes), trimmed.
     */
    SERVICE("service", "service key"),
    /** The HMAC-SHA256 key of audit checkpoints and retention anchors: 32 random bytes. */
    AUDIT_SIGNING("audit_signing", "audit signing key");

    private final String stored;
    private final String title;

    KeyPurpose(String stored, String title) {
        this.stored = stored;
        this.title = title;
    }

    /** The name in {@code keyring_keys.purpose} and in the associated data. */
    String stored() {
        return stored;
    }

    /** How messages name it, e.g. "service key". */
    public String title() {
        return title;
    }

    static KeyPurpose ofStored(String name) {
        for (KeyPurpose p : values()) {
            if (p.stored.equals(name)) {
                return p;
            }
        }
        throw new IllegalStateException("unknown key purpose in the keyring");
    }

    /** A new key of this purpose, in the same form an earlier release wrote to its file. */
    KeyMaterial generate(SecureRandom random) {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        try {
            return switch (this) {
                case SERVICE -> KeyMaterial.ofText(Base64.getEncoder().encodeToString(raw));
                case AUDIT_SIGNING -> KeyMaterial.of(raw);
            };
        } finally {
            java.util.Arrays.fill(raw, (byte) 0);
        }
    }
}
