package com.liftos.security.mfa;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test PKI for FIDO metadata: EC P-256 certificate authorities and leaves made with Bouncy Castle, and MDS3 BLOBs
 * (a JWS with an {@code x5c} header) signed with Nimbus, as the FIDO Alliance's service publishes them.
 */
final class FidoTestPki {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    /** A key pair and its certificate. */
    record Issued(KeyPair keys, X509Certificate cert) {}

    private FidoTestPki() {}

    static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed CA. */
    static Issued ca(String name) {
        KeyPair keys = ecKeys();
        return new Issued(keys, certificate(new X500Name("CN=" + name + ", O=Test, C=US"), keys, null, true));
    }

    /** A certificate for new keys, {@code subject}, issued by {@code issuer}. */
    static Issued issue(Issued issuer, String subject, boolean ca) {
        KeyPair keys = ecKeys();
        return new Issued(keys, certificate(new X500Name(subject), keys, issuer, ca));
    }

    /** An authenticator attestation certificate (packed: C, O, OU "Authenticator Attestation", CN; not a CA). */
    static Issued attestation(Issued issuer) {
        return issue(issuer, "CN=Test Authenticator, OU=Authenticator Attestation, O=Test Vendor, C=US", false);
    }

    private static X509Certificate certificate(X500Name subject, KeyPair keys, Issued issuer, boolean ca) {
        try {
            Instant now = Instant.now();
            X500Name issuerName = issuer == null ? subject : X500Name.getInstance(issuer.cert().getSubjectX500Principal().getEncoded());
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, BigInteger.valueOf(SERIAL.incrementAndGet()),
                    Date.from(now.minus(1, ChronoUnit.DAYS)), Date.from(now.plus(3650, ChronoUnit.DAYS)), subject, keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (ca) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            }
            var signer = new JcaContentSignerBuilder("SHA256withECDSA")
                    .build(issuer == null ? keys.getPrivate() : issuer.keys().getPrivate());
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** One metadata entry: a FIDO2 model, its attestation roots and status reports (e.g. FIDO_CERTIFIED, REVOKED). */
    record Entry(UUID aaguid, List<X509Certificate> roots, List<String> statuses) {}

    /** An MDS3 BLOB with serial number {@code no}, signed by {@code signer}, whose {@code x5c} is {@code chain}. */
    static String blob(int no, List<Entry> entries, Issued signer, List<X509Certificate> chain) {
        ObjectNode payload = JSON.createObjectNode();
        payload.put("legalHeader", "test");
        payload.put("no", no);
        payload.put("nextUpdate", LocalDate.now().plusDays(30).toString());
        ArrayNode list = payload.putArray("entries");
        for (Entry e : entries) {
            ObjectNode entry = list.addObject();
            entry.put("aaguid", e.aaguid().toString());
            ObjectNode st = entry.putObject("metadataStatement");
            st.put("legalHeader", "test");
            st.put("aaguid", e.aaguid().toString());
            st.put("description", "Test authenticator " + e.aaguid());
            st.put("authenticatorVersion", 1);
            st.put("protocolFamily", "fido2");
            st.put("schema", 3);
            st.putArray("upv").addObject().put("major", 1).put("minor", 0);
            st.putArray("authenticationAlgorithms").add("secp256r1_ecdsa_sha256_raw");
            st.putArray("publicKeyAlgAndEncodings").add("cose");
            st.putArray("attestationTypes").add("basic_full");
            st.putArray("userVerificationDetails");
            st.putArray("keyProtection").add("hardware");
            st.putArray("matcherProtection").add("on_chip");
            st.putArray("tcDisplay");
            ArrayNode roots = st.putArray("attestationRootCertificates");
            for (X509Certificate r : e.roots()) {
                roots.add(der(r));
            }
            ArrayNode reports = entry.putArray("statusReports");
            for (String s : e.statuses()) {
                reports.addObject().put("status", s).put("effectiveDate", LocalDate.now().minusDays(10).toString());
            }
            entry.put("timeOfLastStatusChange", LocalDate.now().minusDays(10).toString());
        }
        try {
            JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT)
                    .x509CertChain(chain.stream().map(c -> com.nimbusds.jose.util.Base64.encode(derBytes(c))).toList()).build();
            JWSObject jws = new JWSObject(header, new Payload(payload.toString()));
            jws.sign(new ECDSASigner((ECPrivateKey) signer.keys().getPrivate()));
            return jws.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(X509Certificate c) {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(derBytes(c))
                + "\n-----END CERTIFICATE-----\n";
    }

    private static String der(X509Certificate c) {
        return Base64.getEncoder().encodeToString(derBytes(c));
    }

    private static byte[] derBytes(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
