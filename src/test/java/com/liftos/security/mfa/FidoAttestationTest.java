package com.liftos.security.mfa;

import static com.liftos.security.mfa.MfaTestSupport.PASSWORD;
import static com.liftos.security.mfa.MfaTestSupport.auditOf;
import static com.liftos.security.mfa.MfaTestSupport.userId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.liftos.security.config.ConfigException;
import com.liftos.security.mfa.FidoTestPki.Entry;
import com.liftos.security.mfa.FidoTestPki.Issued;
import com.liftos.security.mfa.SoftAuthenticator.Alg;
import com.liftos.security.mfa.SoftAuthenticator.Attestation;
import com.liftos.security.mfa.SoftAuthenticator.Ceremony;
import com.liftos.security.testing.LogCapture;
import com.liftos.security.testing.TestApp;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An organization's authenticator allow-list with verified attestation: a FIDO metadata BLOB signed by a test root
 * (standing in for the FIDO Alliance's), listing test authenticator models whose packed attestation certificates
 * chain to a test vendor CA; registrations through the HTTP API with a software authenticator that attests.
 */
class FidoAttestationTest {
    static final String RP_ID = "example.test";
    static final String ORIGIN = "https://login.example.test";
    static final Ceremony OK = Ceremony.of(ORIGIN, RP_ID);

    static final UUID ALLOWED = UUID.randomUUID();
    static final UUID REVOKED = UUID.randomUUID();
    static final UUID UNLISTED_MODEL = UUID.randomUUID();

    static Issued mdsRoot;
    static Issued mdsSigner;
    static Issued vendorCa;
    static Issued attestationCert;
    static Path dir;
    static Path blobFile;
    static TestApp app;
    static UUID org;

    @BeforeAll
    static void start() throws IOException {
        mdsRoot = FidoTestPki.ca("Test FIDO MDS Root");
        mdsSigner = FidoTestPki.issue(mdsRoot, "CN=Test MDS signer, O=Test, C=US", false);
        vendorCa = FidoTestPki.ca("Test Vendor Attestation Root");
        attestationCert = FidoTestPki.attestation(vendorCa);
        dir = Files.createTempDirectory("fido-mds");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, FidoTestPki.pem(mdsRoot.cert()));
        blobFile = dir.resolve("blob.jwt");
        Files.writeString(blobFile, FidoTestPki.blob(10, List.of(
                new Entry(ALLOWED, List.of(vendorCa.cert()), List.of("FIDO_CERTIFIED_L1")),
                new Entry(REVOKED, List.of(vendorCa.cert()), List.of("FIDO_CERTIFIED_L1", "REVOKED")),
                new Entry(UNLISTED_MODEL, List.of(vendorCa.cert()), List.of("FIDO_CERTIFIED_L1"))),
                mdsSigner, List.of(mdsSigner.cert())));
        app = TestApp.start(Map.of("LIFTOS_WEBAUTHN_RP_ID", RP_ID, "LIFTOS_WEBAUTHN_ORIGINS", ORIGIN,
                "LIFTOS_FIDO_MDS_PATH", blobFile.toString(), "LIFTOS_FIDO_MDS_ROOT", root.toString()));
        org = app.createOrg(app.loginAdmin(), "Attested " + UUID.randomUUID());
        HttpResponse<String> put = app.putJson("/v1/orgs/" + org + "/security-config",
                app.body(Map.of("passkey_aaguids", List.of(ALLOWED.toString(), REVOKED.toString()))), app.loginAdmin());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void anAllowedModelWithAttestationChainingToItsMetadataRootIsRegistered() {
        String token = member();
        JsonNode options = options(token);
        assertThat(options.get("attestation").asText()).isEqualTo("direct");
        SoftAuthenticator key = packed(ALLOWED, attestationCert);
        HttpResponse<String> r = app.postJson("/v1/mfa/passkeys", app.body(Map.of("name", "Vendor key",
                "credential", key.create(options, OK))), token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(app.json(r).at("/passkey/aaguid").asText()).isEqualTo(ALLOWED.toString());
    }

    @Test
    void anOrganizationWithoutAllowListStillAsksForNoAttestation() {
        String email = "fido-plain-" + UUID.randomUUID().toString().substring(0, 8) + "@example.test";
        app.createUser(app.loginAdmin(), app.adminOrgId(), email, PASSWORD, "viewer");
        String token = app.login(email, PASSWORD);
        JsonNode options = options(token);
        assertThat(options.get("attestation").asText()).isEqualTo("none");
        HttpResponse<String> r = app.postJson("/v1/mfa/passkeys", app.body(Map.of("name", "Any key",
                "credential", new SoftAuthenticator(Alg.ES256).create(options, OK))), token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    @Test
    void aModelNotOnTheListIsRefusedAndAudited() {
        String token = member();
        // listed in the metadata with a valid chain, but not on this organization's list
        assertRefused(token, packed(UNLISTED_MODEL, attestationCert), "authenticator");
        assertThat(auditOf(app, userId(app, token))).anyMatch(a -> a.startsWith("MFA_CHALLENGE_FAILED")
                && a.contains("\"method\": \"passkey\"") && a.contains("\"check\": \"authenticator\""));
    }

    @Test
    void theRightAaguidWithAnAttestationChainingElsewhereIsRefused() {
        Issued rogueCa = FidoTestPki.ca("Rogue Attestation Root");
        assertRefused(member(), packed(ALLOWED, FidoTestPki.attestation(rogueCa)), "attestation");
        // a leaf of the right vendor CA, but the statement signed by another key: the signature check refuses it
        Issued other = FidoTestPki.attestation(vendorCa);
        SoftAuthenticator forged = new SoftAuthenticator(Alg.ES256, ALLOWED, false)
                .attesting(new Attestation.Packed(other.keys().getPrivate(), List.of(attestationCert.cert())));
        HttpResponse<String> r = register(member(), forged);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(app.json(r).at("/error/reason").asText()).isIn("signature", "attestation");
    }

    @Test
    void noneOrSelfAttestationUnderAnAllowListIsRefused() {
        String token = member();
        assertRefused(token, new SoftAuthenticator(Alg.ES256, ALLOWED, false), "attestation");
        assertRefused(member(), new SoftAuthenticator(Alg.ES256, ALLOWED, false).attesting(new Attestation.Self()), "attestation");
        assertThat(auditOf(app, userId(app, token))).anyMatch(a -> a.startsWith("MFA_CHALLENGE_FAILED")
                && a.contains("\"check\": \"attestation\""));
    }

    @Test
    void aModelTheMetadataReportsRevokedIsRefused() {
        assertRefused(member(), packed(REVOKED, attestationCert), "authenticator_status");
    }

    @Test
    void aBlobThatDoesNotVerifyIsNotLoaded() throws IOException {
        Path root = dir.resolve("root.pem");
        // signed by a key whose certificate is not in the x5c header
        Issued impostor = FidoTestPki.issue(mdsRoot, "CN=Impostor, O=Test, C=US", false);
        Path badSignature = write("bad-signature.jwt", FidoTestPki.blob(11, List.of(), impostor, List.of(mdsSigner.cert())));
        assertThatThrownBy(() -> FidoMetadata.load(badSignature, Optional.of(root), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("LIFTOS_FIDO_MDS_PATH").hasMessageContaining("signature");
        // signed consistently, but by a certificate of another root
        Issued otherRoot = FidoTestPki.ca("Not FIDO");
        Issued otherSigner = FidoTestPki.issue(otherRoot, "CN=Other signer, O=Test, C=US", false);
        Path wrongRoot = write("wrong-root.jwt", FidoTestPki.blob(11, List.of(), otherSigner, List.of(otherSigner.cert())));
        assertThatThrownBy(() -> FidoMetadata.load(wrongRoot, Optional.of(root), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("chain");
        // the shipped default root is the FIDO Alliance's, which signed none of these
        assertThatThrownBy(() -> FidoMetadata.load(blobFile, Optional.empty(), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("chain");
        // a tampered payload
        String good = Files.readString(blobFile);
        String[] parts = good.split("\\.");
        String tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                        .replace("REVOKED", "UPDATE_AVAILABLE").getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        Path tamperedFile = write("tampered.jwt", tampered);
        assertThatThrownBy(() -> FidoMetadata.load(tamperedFile, Optional.of(root), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("signature");
        Path garbage = write("garbage.jwt", "not a jwt");
        assertThatThrownBy(() -> FidoMetadata.load(garbage, Optional.of(root), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void theFileIsReadAgainWhenItChangesAndABadOrOlderOneKeepsTheLastGood() throws IOException {
        Path root = dir.resolve("root.pem");
        UUID model = UUID.randomUUID();
        Path file = write("reload.jwt", FidoTestPki.blob(5, List.of(
                new Entry(model, List.of(vendorCa.cert()), List.of("FIDO_CERTIFIED_L1"))), mdsSigner, List.of(mdsSigner.cert())));
        FidoMetadata m = FidoMetadata.load(file, Optional.of(root), Clock.systemUTC());
        assertThat(m.model(model)).isInstanceOf(FidoMetadata.Model.Listed.class);

        // a bad file: logged, the last verified BLOB stays
        try (LogCapture logs = new LogCapture()) {
            replace(file, "garbage", 1);
            assertThat(m.model(model)).isInstanceOf(FidoMetadata.Model.Listed.class);
            assertThat(logs.text()).contains("not loaded");
        }
        // a newer BLOB reporting the model revoked takes over
        replace(file, FidoTestPki.blob(6, List.of(new Entry(model, List.of(vendorCa.cert()),
                List.of("FIDO_CERTIFIED_L1", "USER_VERIFICATION_BYPASS"))), mdsSigner, List.of(mdsSigner.cert())), 2);
        assertThat(m.model(model)).isEqualTo(new FidoMetadata.Model.Refused(
                com.webauthn4j.metadata.data.toc.AuthenticatorStatus.USER_VERIFICATION_BYPASS));
        // an older, validly signed BLOB (a rollback hiding the revocation) is not taken
        replace(file, FidoTestPki.blob(5, List.of(new Entry(model, List.of(vendorCa.cert()), List.of("FIDO_CERTIFIED_L1"))),
                mdsSigner, List.of(mdsSigner.cert())), 3);
        assertThat(m.model(model)).isInstanceOf(FidoMetadata.Model.Refused.class);
    }

    @Test
    void aBadBlobStopsTheStart() throws IOException {
        Path garbage = write("start-garbage.jwt", "eyJhbGciOiJFUzI1NiJ9.e30.AAAA");
        assertThatThrownBy(() -> TestApp.start(Map.of("LIFTOS_WEBAUTHN_RP_ID", RP_ID, "LIFTOS_WEBAUTHN_ORIGINS", ORIGIN,
                "LIFTOS_FIDO_MDS_PATH", garbage.toString())))
                .hasStackTraceContaining("LIFTOS_FIDO_MDS_PATH");
        assertThatThrownBy(() -> com.liftos.security.config.ConfigLoader.load(Map.of("LIFTOS_FIDO_MDS_ROOT", dir.resolve("root.pem").toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("LIFTOS_FIDO_MDS_ROOT");
        assertThatThrownBy(() -> FidoMetadata.load(blobFile, Optional.of(garbage), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("LIFTOS_FIDO_MDS_ROOT");
    }

    private static Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    /** Replaces the file's content with a modification time {@code step} seconds later, so a change is seen. */
    private static void replace(Path file, String content, int step) throws IOException {
        Files.writeString(file, content);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(step * 10L)));
    }

    private static SoftAuthenticator packed(UUID aaguid, Issued cert) {
        return new SoftAuthenticator(Alg.ES256, aaguid, false)
                .attesting(new Attestation.Packed(cert.keys().getPrivate(), List.of(cert.cert())));
    }

    private static String member() {
        String email = "fido-" + UUID.randomUUID().toString().substring(0, 8) + "@example.test";
        app.createUser(app.loginAdmin(), org, email, PASSWORD, "viewer");
        return app.login(email, PASSWORD);
    }

    private static JsonNode options(String token) {
        HttpResponse<String> o = app.postJson("/v1/mfa/passkeys/options", "", token);
        assertThat(o.statusCode()).as(o.body()).isEqualTo(200);
        return app.json(o).get("public_key");
    }

    private static HttpResponse<String> register(String token, SoftAuthenticator key) {
        return app.postJson("/v1/mfa/passkeys", app.body(Map.of("name", "K", "credential", key.create(options(token), OK))), token);
    }

    private static void assertRefused(String token, SoftAuthenticator key, String reason) {
        HttpResponse<String> r = register(token, key);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode e = app.json(r).get("error");
        assertThat(e.get("code").asText()).isEqualTo("passkey_rejected");
        assertThat(e.get("reason").asText()).as(r.body()).isEqualTo(reason);
        assertThat(app.json(app.get("/v1/mfa/passkeys", token)).get("passkeys")).isEmpty();
    }
}
