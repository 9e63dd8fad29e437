package com.liftos.security.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The service's configuration, frozen at start. Built only by {@link ConfigLoader}, which validates every value.
 * Secrets held here (SMTP password, bootstrap password) are never printed by {@link #toString()}.
 */
public record Config(
        Path dataDir,
        Optional<DatabaseUrl> databaseUrl,
        int dbPoolSize,
        Http http,
        Keys keys,
        Features features,
        Optional<URI> redisUrl,
        Bootstrap bootstrap,
        Smtp smtp,
        Auth auth,
        Edge edge,
        Audit audit,
        Mfa mfa,
        Retention retention,
        Connections connections) {

    /**
     * HTTP listener and edge settings; {@code publicUrl}: where people's browsers reach the service (links in mail),
     * configured, never taken from a request's Host header.
     */
    public record Http(String host, int port, long maxRequestBytes, List<String> trustedProxies,
                       List<String> corsOrigins, String issuer, java.net.URI publicUrl) {
        public Http {
            trustedProxies = List.copyOf(trustedProxies);
            corsOrigins = List.copyOf(corsOrigins);
        }
    }

    /**
     * Edge protection: which header trusted proxies use to name the client (only that one is read, so a client
     * cannot smuggle the other), the CORS lists, the global per-IP ceiling of requests per hour, the budgets
     * the credential routes draw by who is asking, and the fastest rate limit per category (auth, api, sensitive)
     * an organization's admin may configure for their organization.
     */
    public record Edge(ForwardedHeader forwardedHeader, List<String> corsMethods, List<String> corsHeaders,
                       List<String> corsExposedHeaders, int ipRequestsPerHour, CallerBudgets callerBudgets,
                       java.util.Map<String, Rate> orgRateCeilings) {
        public enum ForwardedHeader { X_FORWARDED_FOR, FORWARDED }

        /** {@code limit} requests per {@code windowSeconds}. */
        public record Rate(int limit, int windowSeconds) {}

        /**
         * @param loginFailuresPerIpPerDay failed password or MFA attempts an address (IPv6: its /64) may make per day
         *                                 from devices that have not signed in before; successes never count
         * @param refreshesPerSessionPerMinute refresh grants per session family
         * @param grantsPerClientPerMinute client-credentials grants per client id
         * @param introspectionsPerClientPerMinute introspection calls per authenticated client
         */
        public record CallerBudgets(int loginFailuresPerIpPerDay, int refreshesPerSessionPerMinute,
                                    int grantsPerClientPerMinute, int introspectionsPerClientPerMinute) {
            public static CallerBudgets defaults() {
                return new CallerBudgets(100, 30, 3_000, 120_000);
            }
        }

        public Edge {
            corsMethods = List.copyOf(corsMethods);
            corsHeaders = List.copyOf(corsHeaders);
            corsExposedHeaders = List.copyOf(corsExposedHeaders);
            orgRateCeilings = java.util.Map.copyOf(orgRateCeilings);
        }
    }

    /**
     * The one key file: {@code masterKey}. Every other key (JWT signing keys, service key, audit signing key) lives in
     * the database wrapped under it. The {@code legacy*} paths are where an earlier release kept those keys in files:
     * read only to import them once (at start, or by {@code liftos keys import-files}), never needed afterwards.
     */
    public record Keys(Path masterKey, Path legacyJwtPrivateKey, Path legacyServiceKey, Path legacyAuditSigningKey) {}

    /** The seed's SECURITY_* switches. */
    public record Features(boolean auditEnabled, boolean rateLimitingEnabled,
                           boolean deviceFingerprintingEnabled, boolean requireHttps) {}

    /** First-start organization and admin; unset values mean "generate". */
    public record Bootstrap(String orgName, Optional<String> adminEmail, Optional<char[]> adminPassword) {
        @Override
        public String toString() {
            return "Bootstrap[orgName=" + orgName + ", adminEmail=" + adminEmail.orElse("-")
                    + ", adminPassword=" + (adminPassword.isPresent() ? "***" : "-") + "]";
        }
    }

    /**
     * Identity and token settings.
     *
     * @param argon2MemoryKiB / argon2Iterations / argon2Parallelism the Argon2id cost for new password hashes
     * @param hashConcurrency password hashes computed at once (0 = derived from the heap size)
     * @param accessTokenMinutes access token lifetime
     * @param refreshTokenDays refresh token (and session) absolute lifetime
     * @param sessionLimitRefuses when true a login over max_concurrent_sessions is refused instead of ending the oldest
     * @param refreshCookie also set the refresh token as an HttpOnly, Secure, SameSite=Strict cookie
     * @param refreshReuseIntervalSeconds how long after a rotation the retired token, presented again by the same
     *        device while its successor is unused, gets that successor again (0 = never: always reuse)
     * @param testHangAfterRefreshCommit fault injection for tests only ({@code LIFTOS_TEST_HANG_AFTER_REFRESH_COMMIT}):
     *        a refresh sent with this device id never answers once its rotation committed
     */
    public record Auth(int argon2MemoryKiB, int argon2Iterations, int argon2Parallelism, int hashConcurrency,
                       int accessTokenMinutes, int refreshTokenDays, boolean sessionLimitRefuses, boolean refreshCookie,
                       int refreshReuseIntervalSeconds, Optional<String> testHangAfterRefreshCommit,
                       int invitationHours, int passwordResetMinutes, int emailChangeHours, String jwtAlgorithm) {}

    /**
     * How long rows nobody needs any more are kept, and how often the purge runs (every instance may; one does).
     *
     * @param purgeIntervalSeconds              how often the retention purge runs
     * @param sessionDays                       ended, expired or idle sessions (and their refresh tokens)
     * @param retiredRefreshTokenHours          rows of retired refresh tokens (reuse is still recognised after)
     * @param vaultAccessLogDays                the vault's reveal log (usage analytics and counts cover this window)
     * @param incidentEvidenceDays              repeated detections of an incident and the evidence of resolved ones
     */
    public record Retention(int purgeIntervalSeconds, int sessionDays, int retiredRefreshTokenHours, int vaultAccessLogDays,
                            int incidentEvidenceDays) {}

    /** Outgoing mail for one-time codes and incident notices; absent host means mail is not configured. */
    public record Smtp(Optional<String> host, int port, Optional<String> username, Optional<char[]> password,
                       String from, boolean startTls) {
        @Override
        public String toString() {
            return "Smtp[host=" + host.orElse("-") + ", port=" + port + ", username=" + username.orElse("-")
                    + ", password=" + (password.isPresent() ? "***" : "-") + ", from=" + from + ", startTls=" + startTls + "]";
        }
    }

    /** Audit chain upkeep and alert webhooks; the webhook secret is never printed. */
    public record Audit(List<URI> alertWebhookUrls, Optional<char[]> alertWebhookSecret, int alertRetryBaseMillis,
                        int checkpointSeconds, int systemRetentionDays) {
        public Audit {
            alertWebhookUrls = List.copyOf(alertWebhookUrls);
        }

        @Override
        public String toString() {
            return "Audit[alertWebhooks=" + alertWebhookUrls.size() + ", alertWebhookSecret=" + (alertWebhookSecret.isPresent() ? "***" : "-")
                    + ", alertRetryBaseMillis=" + alertRetryBaseMillis + ", checkpointSeconds=" + checkpointSeconds
                    + ", systemRetentionDays=" + systemRetentionDays + "]";
        }
    }

    /** Connections to tenants' platforms: {@code providersFile} replaces the bundled provider catalogue when set;
     * tokens ending within {@code refreshAheadMinutes} are refreshed in the background (0 = only on request) by
     * {@code refreshers} at once per instance. */
    public record Connections(Optional<Path> providersFile, int refreshAheadMinutes, int refreshers) {}

    /**
     * Multi-factor settings.
     *
     * @param sms                 where SMS codes are posted (Twilio-compatible form); empty = SMS off
     * @param stepUpRiskThreshold request risk score from which step-up routes demand a recent MFA
     * @param stepUpMaxAgeMinutes how recent that MFA must be
     * @param webAuthn            the relying party passkeys are bound to
     */
    public record Mfa(Optional<Sms> sms, double stepUpRiskThreshold, int stepUpMaxAgeMinutes, WebAuthn webAuthn) {}

    /**
     * The WebAuthn relying party: {@code rpId} (a registrable domain; passkeys are bound to it for good, so changing it
     * strands every registered passkey) and the exact origins ({@code scheme://host[:port]}) browsers may sign from.
     * {@code fidoMetadata}: a FIDO MDS3 BLOB file, the trust anchors of organizations' authenticator allow-lists, checked
     * against {@code fidoMetadataRoot} (a PEM certificate; empty: the FIDO root shipped, GlobalSign Root CA - R3).
     */
    public record WebAuthn(String rpId, String rpName, List<String> origins, Optional<Path> fidoMetadata,
                           Optional<Path> fidoMetadataRoot) {
        public WebAuthn {
            origins = List.copyOf(origins);
        }

        public WebAuthn(String rpId, String rpName, List<String> origins) {
            this(rpId, rpName, origins, Optional.empty(), Optional.empty());
        }
    }

    /** A Twilio-compatible SMS endpoint: form fields To, From, Body, HTTP Basic auth with account and token. */
    public record Sms(URI endpoint, String from, String account, char[] token) {
        @Override
        public String toString() {
            return "Sms[endpoint=" + endpoint + ", from=" + from + ", account=" + account + ", token=***]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Sms s && endpoint.equals(s.endpoint) && from.equals(s.from) && account.equals(s.account)
                    && java.util.Arrays.equals(token, s.token);
        }

        @Override
        public int hashCode() {
            return endpoint.hashCode();
        }
    }
}
