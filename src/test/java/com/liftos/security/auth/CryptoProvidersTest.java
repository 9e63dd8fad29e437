package com.liftos.security.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import com.liftos.security.crypto.CryptoProviders;
import com.liftos.security.crypto.KeyFiles;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyPair;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.security.interfaces.RSAPublicKey;
import org.junit.jupiter.api.Test;

/**
 * Both provider paths sign and verify tokens the other accepts: the JDK's SunRsaSign and Amazon Corretto Crypto
 * Provider (AWS-LC), which {@link CryptoProviders#install()} prefers when it loads.
 */
class CryptoProvidersTest {
    static final KeyPair KEY = KeyFiles.generateRsa(new SecureRandom());

    static String sign(Provider provider) throws Exception {
        RSASSASigner signer = new RSASSASigner(KEY.getPrivate());
        signer.getJCAContext().setProvider(provider);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k").build(),
                new JWTClaimsSet.Builder().subject("s").build());
        jwt.sign(signer);
        return jwt.serialize();
    }

    static boolean verify(String token, Provider provider) throws Exception {
        RSASSAVerifier verifier = new RSASSAVerifier((RSAPublicKey) KEY.getPublic());
        verifier.getJCAContext().setProvider(provider);
        return SignedJWT.parse(token).verify(verifier);
    }

    @Test
    void jdkAndAccpInteroperate() throws Exception {
        Provider jdk = Security.getProvider("SunRsaSign");
        assumeTrue(AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError() == null, "ACCP does not load on this platform");
        Provider accp = AmazonCorrettoCryptoProvider.INSTANCE;
        assertThat(verify(sign(jdk), accp)).isTrue();
        assertThat(verify(sign(accp), jdk)).isTrue();
        assertThat(verify(sign(accp), accp)).isTrue();
        assertThat(verify(sign(jdk), jdk)).isTrue();
    }

    @Test
    void installPrefersAccpAndTheDisableSwitchKeepsTheJdk() {
        String before = System.getProperty(CryptoProviders.DISABLE_PROPERTY);
        try {
            System.setProperty(CryptoProviders.DISABLE_PROPERTY, "false");
            Security.removeProvider(AmazonCorrettoCryptoProvider.PROVIDER_NAME);
            assertThat(CryptoProviders.install()).isEqualTo("SunRsaSign");
            System.clearProperty(CryptoProviders.DISABLE_PROPERTY);
            String installed = CryptoProviders.install();
            if (AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError() == null) {
                assertThat(installed).isEqualTo(AmazonCorrettoCryptoProvider.PROVIDER_NAME);
            } else {
                assertThat(installed).isEqualTo("SunRsaSign");
            }
        } finally {
            if (before != null) {
                System.setProperty(CryptoProviders.DISABLE_PROPERTY, before);
            }
        }
    }
}
