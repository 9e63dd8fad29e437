package com.liftos.security.mfa;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * In-process costs of MFA's CPU work, one thread (= per core): a TOTP check over the ±1 window (three HMAC-SHA1
 * and constant-time compares), the keyed hash of a one-time code, and the QR PNG of an enrolment. Run with
 * {@code bench/mfa.sh}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class MfaBench {
    byte[] secret;
    String code;
    Instant now;
    CodeHasher hasher;
    UUID user;
    String uri;

    @Setup
    public void setup() {
        SecureRandom r = new SecureRandom();
        secret = new byte[20];
        r.nextBytes(secret);
        now = Instant.now();
        code = Totp.code(secret, Totp.step(now), 6);
        byte[] key = new byte[32];
        r.nextBytes(key);
        hasher = new CodeHasher(key);
        user = UUID.randomUUID();
        uri = "otpauth://totp/LiftOS:someone%40example.com?secret=" + Base32.encode(secret)
                + "&issuer=LiftOS&algorithm=SHA1&digits=6&period=30";
    }

    @Benchmark
    public Object totpCheck() {
        return Totp.matchingStep(secret, code, now);
    }

    @Benchmark
    public byte[] codeHash() {
        return hasher.hash("email", user, code);
    }

    @Benchmark
    public byte[] qrPng() {
        return QrCodes.png(uri);
    }
}
