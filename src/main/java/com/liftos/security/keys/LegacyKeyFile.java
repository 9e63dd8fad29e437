package com.liftos.security.keys;

import com.liftos.security.crypto.KeyFileException;
import com.liftos.security.crypto.KeyFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/** Reads a key file an earlier release kept on disk, in that release's format, only to import it. */
final class LegacyKeyFile {
    private static final int MAX_SERVICE_KEY_CHARS = 4096;

    private LegacyKeyFile() {}

    /** The key in {@code file}; empty when there is no such file. Errors name the file, never its content. */
    static Optional<KeyMaterial> read(KeyPurpose purpose, Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        byte[] content = KeyFiles.readPrivate(file);
        try {
            String text = new String(content, StandardCharsets.UTF_8).strip();
            return Optional.of(switch (purpose) {
                case SERVICE -> {
                    if (text.isEmpty() || text.length() > MAX_SERVICE_KEY_CHARS) {
                        throw new KeyFileException(file + " holds no service key (expected base64 of 32 random bytes)");
                    }
                    yield KeyMaterial.ofText(text);
                }
                case AUDIT_SIGNING -> auditKey(text, file);
            });
        } finally {
            Arrays.fill(content, (byte) 0);
        }
    }

    private static KeyMaterial auditKey(String text, Path file) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new KeyFileException(file + " must hold base64 of 32 bytes");
        }
        try {
            if (raw.length != 32) {
                throw new KeyFileException(file + " must hold base64 of 32 bytes");
            }
            return KeyMaterial.of(raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }
}
