package com.liftos.security.auth.token;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/** Purpose-bound 256-bit keys derived from the service key (the instance keyring's, as text) with HKDF-SHA256 (one key per {@code info}). */
public final class KeyDerivation {
    private KeyDerivation() {}

    public static byte[] derive(byte[] serviceKeyFile, String info) {
        byte[] ikm = new String(serviceKeyFile, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(ikm, null, info.getBytes(StandardCharsets.US_ASCII)));
        byte[] out = new byte[32];
        hkdf.generateBytes(out, 0, out.length);
        Arrays.fill(ikm, (byte) 0);
        return out;
    }
}
