package com.liftos.security.crypto;

/**
 * The capability needed to read raw key bytes out of an {@link AesKey}. Its name is meant to be grepped: every
 * use is a place where key material leaves its wrapper (today only to wrap a data key under the KEK).
 */
public final class InsecureKeyAccess {
    static final InsecureKeyAccess TOKEN = new InsecureKeyAccess();

    private InsecureKeyAccess() {}

    /** The one token. */
    public static InsecureKeyAccess get() {
        return TOKEN;
    }
}
