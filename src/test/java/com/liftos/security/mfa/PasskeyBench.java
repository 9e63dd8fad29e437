package com.liftos.security.mfa;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.config.Config;
import com.liftos.security.crypto.CryptoProviders;
import com.webauthn4j.data.AuthenticationData;
import com.webauthn4j.data.RegistrationData;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The CPU cost of verifying a passkey assertion, one thread (= per core): parsing the browser's JSON (base64url,
 * CBOR authenticator data, client data), and webauthn4j's checks (challenge, origin, RP id hash, flags, counter) and
 * signature verification with the stored COSE key, read back from its stored bytes each time as a sign-in does, with
 * the JCA providers the service installs (AWS-LC through Amazon Corretto Crypto Provider where it loads). The
 * database round trips of a sign-in (challenge, credential, counter) are not in it. Run with
 * {@code bench/jmh.sh PasskeyBench -f1 -wi 3 -i 5}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class PasskeyBench {
    @Param({"ES256", "EDDSA"})
    public String alg;

    PasskeyVerifier verifier;
    PasskeyVerifier.Stored stored;
    String assertionJson;
    byte[] challenge;

    @Setup
    public void setup() throws Exception {
        CryptoProviders.install(); // as the service does at start: AWS-LC where it loads
        String origin = "https://login.example.test";
        verifier = new PasskeyVerifier(new Config.WebAuthn("example.test", "LiftOS", List.of(origin)));
        ObjectMapper json = new ObjectMapper();
        SoftAuthenticator key = new SoftAuthenticator(SoftAuthenticator.Alg.valueOf(alg));
        SoftAuthenticator.Ceremony ok = SoftAuthenticator.Ceremony.of(origin, "example.test");
        byte[] registerChallenge = new byte[32];
        JsonNode creation = json.readTree("{\"challenge\":\"" + SoftAuthenticator.B64.encodeToString(registerChallenge)
                + "\",\"user\":{\"id\":\"" + SoftAuthenticator.B64.encodeToString(new byte[16]) + "\"}}");
        RegistrationData reg = verifier.parseRegistration(key.create(creation, ok).toString());
        PasskeyVerifier.NewCredential created = verifier.verifyRegistration(reg, registerChallenge, false);
        stored = new PasskeyVerifier.Stored(created.attestedData(), 0, created.userVerified(), false, false);
        challenge = new byte[32];
        challenge[0] = 1;
        assertionJson = key.get(json.readTree("{\"challenge\":\"" + SoftAuthenticator.B64.encodeToString(challenge) + "\"}"), ok)
                .toString();
        verify();
    }

    @Benchmark
    public PasskeyVerifier.Asserted verify() throws PasskeyVerifier.Refused {
        AuthenticationData data = verifier.parseAssertion(assertionJson);
        return verifier.verifyAssertion(data, challenge, stored, true);
    }

    /**
     * Verifications per second of the thread's own CPU time, for a shared machine where JMH's wall-clock score
     * measures the neighbours too: {@code java -cp ... com.liftos.security.mfa.PasskeyBench [seconds]} after a
     * warm-up of as long.
     */
    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 10;
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        for (String alg : List.of("ES256", "EDDSA")) {
            PasskeyBench b = new PasskeyBench();
            b.alg = alg;
            b.setup();
            for (String phase : List.of("warm-up", "measured")) {
                long end = System.nanoTime() + seconds * 1_000_000_000L;
                long cpu0 = cpu.getCurrentThreadCpuTime();
                long wall0 = System.nanoTime();
                long n = 0;
                while (System.nanoTime() < end) {
                    b.verify();
                    n++;
                }
                double cpuSeconds = (cpu.getCurrentThreadCpuTime() - cpu0) / 1e9;
                double wallSeconds = (System.nanoTime() - wall0) / 1e9;
                System.out.printf("%s %s: %d verifications, %.0f/s of CPU time, %.0f/s of wall time%n",
                        alg, phase, n, n / cpuSeconds, n / wallSeconds);
            }
        }
    }
}
