package com.liftos.security.crypto;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.Security;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs Amazon Corretto Crypto Provider (AWS-LC) as the preferred JCA provider when it loads on this platform;
 * otherwise the JDK's providers stay in charge. Either way one log line says which.
 */
public final class CryptoProviders {
    private static final Logger LOG = LoggerFactory.getLogger(CryptoProviders.class);
    /** Set to {@code false} to keep the JDK's providers (e.g. to compare, or on an unsupported platform). */
    public static final String DISABLE_PROPERTY = "liftos.accp";

    private CryptoProviders() {}

    /** Returns the name of the provider now preferred for RSA signatures. */
    public static synchronized String install() {
        if ("false".equals(System.getProperty(DISABLE_PROPERTY))) {
            LOG.info("crypto provider: JDK (Amazon Corretto Crypto Provider disabled by -D{}=false)", DISABLE_PROPERTY);
            return preferred();
        }
        try {
            AmazonCorrettoCryptoProvider.install();
            Throwable loadError = AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError();
            if (loadError != null) {
                Security.removeProvider(AmazonCorrettoCryptoProvider.PROVIDER_NAME);
                LOG.info("crypto provider: JDK (Amazon Corretto Crypto Provider could not load: {})", loadError.getClass().getSimpleName());
                return preferred();
            }
            LOG.info("crypto provider: {} preferred", AmazonCorrettoCryptoProvider.PROVIDER_NAME);
            return preferred();
        } catch (LinkageError | RuntimeException e) {
            LOG.info("crypto provider: JDK (Amazon Corretto Crypto Provider unavailable: {})", e.getClass().getSimpleName());
            return preferred();
        }
    }

    public static String preferred() {
        try {
            return java.security.Signature.getInstance("SHA256withRSA").getProvider().getName();
        } catch (java.security.NoSuchAlgorithmException e) {
            return "none";
        }
    }
}
