-- The instance keyring: the secrets every instance shares besides the master key (the service key, the audit
-- signing key), created once by the first instance to start (or imported from an earlier release's key files) and
-- loaded by all. Each is sealed with crypto.Aead under a master key term of vault_keks: the ciphertext's key id is the
-- term, its associated data names the purpose and the term, so a row cannot be moved to another purpose or term.
-- During a master-key rotation a key has one row per term; the rotation's last step deletes the old term's rows.
CREATE TABLE keyring_keys (
    purpose     text NOT NULL CHECK (purpose IN ('service', 'audit_signing')),
    kek_id      integer NOT NULL REFERENCES vault_keks (id),
    wrapped     bytea NOT NULL,
    origin      text NOT NULL CHECK (origin IN ('generated', 'imported')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (purpose, kek_id)
);
