package com.liftos.security.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Set;

/**
 * Key material on disk: written with mode 0600 (atomically, never overwriting), and refused on read when
 * the file is readable by group or others. Error messages name the file, never its content.
 */
public final class KeyFiles {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private KeyFiles() {}

    /** Writes {@code content} to {@code file} with mode 0600 unless the file exists; returns false when it existed. */
    public static boolean writeNew(Path file, byte[] content) throws IOException {
        if (Files.exists(file)) {
            return false;
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".key", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            Files.write(tmp, content);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(tmp);
        }
        return true;
    }

    /**
     * Reads a key file after checking that no other user can read it: private to its owner (mode 0600 or 0400), or a
     * Kubernetes Secret as the kubelet mounts it for a pod with {@code fsGroup} (see {@link #secretOfOwnGroup}).
     */
    public static byte[] readPrivate(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            boolean ownerOnly = perms.stream().noneMatch(p -> p.name().startsWith("GROUP_") || p.name().startsWith("OTHERS_"));
            if (!ownerOnly && !secretOfOwnGroup(file, perms)) {
                throw new KeyFileException(file + " is readable by other users (mode must be 0600; run: chmod 600 " + file + ")");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new KeyFileException(file + " does not exist (run: liftos setup)");
        } catch (AccessDeniedException e) {
            throw new KeyFileException(file + " is not readable by this user");
        } catch (IOException e) {
            throw new KeyFileException(file + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * The one group-readable key file accepted: owned by root, readable (not writable) by its group and by no one
     * else, the group being this process's own. That is a Secret volume of a pod whose {@code fsGroup} equals its
     * {@code runAsGroup}: the kubelet cannot give the file to the pod's user, so it gives it to the pod's group, and
     * no other user is in that group. Anything else (another group, any bit for others) is refused.
     */
    private static boolean secretOfOwnGroup(Path file, Set<PosixFilePermission> perms) {
        if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.GROUP_EXECUTE)
                || perms.stream().anyMatch(p -> p.name().startsWith("OTHERS_"))) {
            return false;
        }
        try {
            int owner = (Integer) Files.getAttribute(file, "unix:uid");
            int group = (Integer) Files.getAttribute(file, "unix:gid");
            int ownGroup = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
            return owner == 0 && group == ownGroup;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return false;
        }
    }

    /** A new RSA-2048 key pair. */
    public static KeyPair generateRsa(SecureRandom random) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048, random);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("RSA is not available", e);
        }
    }

    public static byte[] privateKeyPem(KeyPair pair) {
        return pem("PRIVATE KEY", pair.getPrivate().getEncoded());
    }

    public static byte[] publicKeyPem(KeyPair pair) {
        return pem("PUBLIC KEY", pair.getPublic().getEncoded());
    }

    private static byte[] pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Loads a PKCS#8 RSA private key PEM and derives its public key. */
    public static KeyPair readRsaKeyPair(Path privateKeyFile) {
        byte[] der = pemBody(readPrivate(privateKeyFile), "PRIVATE KEY", privateKeyFile);
        try {
            KeyFactory kf = KeyFactory.getInstance("RSA");
            RSAPrivateCrtKey priv = (RSAPrivateCrtKey) kf.generatePrivate(new PKCS8EncodedKeySpec(der));
            RSAPublicKey pub = (RSAPublicKey) kf.generatePublic(new RSAPublicKeySpec(priv.getModulus(), priv.getPublicExponent()));
            return new KeyPair(pub, priv);
        } catch (NoSuchAlgorithmException | InvalidKeySpecException | ClassCastException e) {
            throw new KeyFileException(privateKeyFile + " is not an RSA private key in PKCS#8 PEM form");
        }
    }

    /** Loads an X.509 SubjectPublicKeyInfo RSA public key PEM (public keys may be world-readable). */
    public static RSAPublicKey readRsaPublicKey(Path file) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new KeyFileException(file + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        byte[] der = pemBody(content, "PUBLIC KEY", file);
        try {
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
        } catch (NoSuchAlgorithmException | InvalidKeySpecException | ClassCastException e) {
            throw new KeyFileException(file + " is not an RSA public key in PEM form");
        }
    }

    private static byte[] pemBody(byte[] content, String type, Path file) {
        String text = new String(content, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < b) {
            throw new KeyFileException(file + " is not a PEM " + type);
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
        } catch (IllegalArgumentException ex) {
            throw new KeyFileException(file + " is not a PEM " + type);
        }
    }
}
