-- Private halves of rotated JWT signing keys move from the keyring's own AES-GCM layout (version byte, nonce,
-- ciphertext; no sealing-key id) to the crypto.Aead format, whose header names the sealing key. Rows sealed before
-- this migration are marked legacy; JwtKeys opens each such row the old way once and writes it back in the new
-- format. The default is "legacy" on purpose: a row inserted by an instance that predates this column is in the
-- old format and must be read as such.
ALTER TABLE jwt_signing_keys ADD COLUMN private_sealed_legacy boolean NOT NULL DEFAULT true;
