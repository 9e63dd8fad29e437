package com.liftos.security.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key files are read only when no other user can read them: private to their owner, or a Kubernetes Secret as the
 * kubelet mounts it for a pod whose fsGroup is its own group (root-owned, mode 0440). Every looser variant is refused
 * with a line naming the file, never its content.
 */
class KeyFilesTest {
    static final String CONTENT = "a2V5LWZpbGUtY29udGVudC1jYW5hcnktNWUxZg==\n";

    @TempDir
    Path dir;

    Path file(String name, String mode) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, CONTENT, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    static int ownGroup() throws Exception {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
    }

    @Test
    void ownerOnlyFilesAreRead() throws Exception {
        assertThat(KeyFiles.readPrivate(file("a", "rw-------"))).asString().isEqualTo(CONTENT);
        assertThat(KeyFiles.readPrivate(file("b", "r--------"))).asString().isEqualTo(CONTENT);
    }

    @Test
    void filesOthersCanReadAreRefused() throws Exception {
        for (String mode : new String[] {"rw-r--r--", "r--r--r--", "rw----r--", "rw-rw----", "r--r-x---"}) {
            Path p = file("f" + mode.hashCode(), mode);
            assertThatThrownBy(() -> KeyFiles.readPrivate(p)).as(mode).isInstanceOf(KeyFileException.class)
                    .hasMessageContaining("readable by other users").hasMessageNotContaining(CONTENT.strip());
        }
    }

    @Test
    void aKubernetesSecretOfTheProcesssOwnGroupIsReadAndOfAnotherGroupIsNot() throws Exception {
        assumeTrue((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0, "needs root to set the owner and group");
        Path secret = file("secret", "r--r-----");
        Files.setAttribute(secret, "unix:uid", 0);
        Files.setAttribute(secret, "unix:gid", ownGroup());
        assertThat(KeyFiles.readPrivate(secret)).asString().isEqualTo(CONTENT);

        Path foreignGroup = file("foreign", "r--r-----");
        Files.setAttribute(foreignGroup, "unix:gid", ownGroup() + 4242);
        assertThatThrownBy(() -> KeyFiles.readPrivate(foreignGroup)).isInstanceOf(KeyFileException.class);

        Path notRoot = file("user-owned", "r--r-----");
        Files.setAttribute(notRoot, "unix:uid", 4242);
        Files.setAttribute(notRoot, "unix:gid", ownGroup());
        assertThatThrownBy(() -> KeyFiles.readPrivate(notRoot)).isInstanceOf(KeyFileException.class);
    }
}
