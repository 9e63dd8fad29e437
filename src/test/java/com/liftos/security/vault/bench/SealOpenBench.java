package com.liftos.security.vault.bench;

import com.liftos.security.crypto.Aead;
import com.liftos.security.crypto.AesKey;
import com.liftos.security.crypto.CryptoProviders;
import com.liftos.security.vault.CredentialCipher;
import com.liftos.security.vault.SecretFields;
import java.security.SecureRandom;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Seal + open of a ~300-byte credential with the organization's data key cached: the vault's exact code path
 * ({@link CredentialCipher}: field encoding, associated data, AES-256-GCM with header, key lookup by org and version).
 * One thread = one core. {@code accp=false} compares the JDK's own provider.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class SealOpenBench {
    @Param({"true", "false"})
    public String accp;

    private CredentialCipher cipher;
    private final ConcurrentHashMap<String, AesKey> cache = new ConcurrentHashMap<>();
    private CredentialCipher.DataKeys keys;
    private CredentialCipher.Binding binding;
    private SecretFields fields;
    private AesKey key;

    @Setup
    public void setUp() {
        System.setProperty(CryptoProviders.DISABLE_PROPERTY, accp);
        CryptoProviders.install();
        SecureRandom random = new SecureRandom();
        cipher = new CredentialCipher(new Aead(random));
        UUID org = UUID.randomUUID();
        key = AesKey.generate(random);
        cache.put(org + ":1", key);
        keys = (o, v) -> cache.get(o + ":" + v);
        binding = new CredentialCipher.Binding(org, "meta", "default", 3);
        // 300 bytes of field names and values
        fields = SecretFields.of(Map.of(
                "access_token", "EAAB" + "x".repeat(180),
                "app_id", "123456789012345",
                "app_secret", "0123456789abcdef0123456789abcdef",
                "ad_account_id", "act_1234567890"));
    }

    @Benchmark
    public SecretFields sealThenOpen() {
        byte[] sealed = cipher.seal(binding, keys.key(binding.orgId(), 1), 1, fields);
        return cipher.open(binding, keys, sealed);
    }
}
