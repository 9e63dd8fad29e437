package com.liftos.security.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads {@link Config} from environment variables and an optional {@code .env} file (the environment wins).
 * Every invalid value yields one line naming the variable; all lines are reported together.
 */
public final class ConfigLoader {

    /** Every variable the service reads, with its default and meaning; {@code liftos setup} writes these to .env.template. */
    public static final List<Variable> VARIABLES = List.of(
            new Variable("DATABASE_URL", "", "PostgreSQL URL (postgresql://, postgresql+asyncpg://, jdbc:postgresql://); empty = embedded PostgreSQL under LIFTOS_DATA_DIR"),
            new Variable("LIFTOS_DATA_DIR", "./data", "Data directory: embedded database, the default master key file, state"),
            new Variable("LIFTOS_DB_POOL_SIZE", "16", "Maximum database connections (at least 2: the refresh writer keeps one while refreshes flow; the retention purge holds one while it runs)"),
            new Variable("LIFTOS_HTTP_HOST", "127.0.0.1", "Address the HTTP server binds to"),
            new Variable("LIFTOS_HTTP_PORT", "8080", "HTTP port (0 = any free port)"),
            new Variable("LIFTOS_PUBLIC_URL", "http://<host>:<port>", "Where browsers reach the service: the base of links in mail (account unlock, invitations, password resets, email changes)"),
            new Variable("LIFTOS_MAX_REQUEST_BYTES", "1048576", "Largest accepted request body"),
            new Variable("LIFTOS_TRUSTED_PROXIES", "", "Comma-separated CIDRs whose X-Forwarded-For/Forwarded headers are believed"),
            new Variable("LIFTOS_CORS_ORIGINS", "https://app.liftos.com,https://dashboard.liftos.com", "Comma-separated allowed CORS origins"),
            new Variable("LIFTOS_CORS_METHODS", "GET,POST,PUT,PATCH,DELETE", "Methods allowed in CORS requests"),
            new Variable("LIFTOS_CORS_HEADERS", "Authorization,Content-Type,X-Organization-ID,X-Request-ID", "Request headers allowed in CORS requests"),
            new Variable("LIFTOS_CORS_EXPOSED_HEADERS", "X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset,X-Request-ID,Retry-After", "Response headers exposed to CORS callers"),
            new Variable("LIFTOS_FORWARDED_HEADER", "x-forwarded-for", "Header trusted proxies set to name the client: x-forwarded-for or forwarded (RFC 7239)"),
            new Variable("LIFTOS_RATE_LIMIT_IP_PER_HOUR", "10000", "Global ceiling of requests per client IP per hour, across all routes"),
            new Variable("LIFTOS_ORG_RATE_LIMIT_CEILINGS", "auth=50/300,api=10000/3600,sensitive=100/60", "Fastest rate limit per category (limit/window seconds) an organization's admin may set in its security configuration; super admins are not bound"),
            new Variable("LIFTOS_LOGIN_FAILURES_PER_IP_PER_DAY", "100", "Failed password/MFA attempts per address (IPv6 /64) per day from devices not signed in before; then 429 (successes never count)"),
            new Variable("LIFTOS_REFRESHES_PER_SESSION_PER_MINUTE", "30", "Refresh grants per session family per minute"),
            new Variable("LIFTOS_GRANTS_PER_CLIENT_PER_MINUTE", "3000", "client_credentials grants per client id per minute"),
            new Variable("LIFTOS_INTROSPECTIONS_PER_CLIENT_PER_MINUTE", "120000", "Token introspections per authenticated client per minute"),
            new Variable("LIFTOS_CONNECTION_PROVIDERS_FILE", "", "Provider catalogue of connections (JSON, format liftos.connection.providers/1) replacing the bundled one; empty = bundled"),
            new Variable("LIFTOS_CONNECTION_REFRESH_AHEAD_MINUTES", "15", "Connections whose access token ends within this many minutes are refreshed in the background, every 30 s, one instance per connection (0 = only when a worker asks)"),
            new Variable("LIFTOS_CONNECTION_REFRESHERS", "16", "Background refreshes of connections running at once per instance (each holds a database connection only while it reads or writes, never during the provider's answer)"),
            new Variable("LIFTOS_ISSUER", "", "Tokens' issuer (iss) and the discovery document's issuer: an http(s) URL (https in production), under which /.well-known/openid-configuration is served; empty = LIFTOS_PUBLIC_URL"),
            new Variable("MASTER_ENCRYPTION_KEY_PATH", "<data>/keys/master_encryption_key.txt", "Master key: base64 of 32 random bytes, or a passphrase; the only key file (every other key lives in the database, wrapped under it)"),
            new Variable("JWT_PRIVATE_KEY_PATH", "<data>/keys/jwt_private_key.pem", "Deprecated: an earlier release's JWT signing key file, imported into the database once when present, then no longer read"),
            new Variable("LIFTOS_SERVICE_KEY_PATH", "<data>/keys/service_key.txt", "Deprecated: an earlier release's service key file, imported into the database keyring once when present, then no longer read"),
            new Variable("SECURITY_AUDIT_ENABLED", "true", "Record security events"),
            new Variable("SECURITY_RATE_LIMITING_ENABLED", "true", "Enforce rate limits"),
            new Variable("SECURITY_DEVICE_FINGERPRINTING_ENABLED", "true", "Fingerprint devices at login (new-device flags, refresh tokens bound to the device)"),
            new Variable("SECURITY_REQUIRE_HTTPS", "false", "Send HSTS and refuse plain HTTP not from a trusted proxy"),
            new Variable("REDIS_URL", "", "redis://host:port for shared rate limits; empty = in-process"),
            new Variable("LIFTOS_BOOTSTRAP_ORG", "Default Organization", "Name of the organization created on first start"),
            new Variable("LIFTOS_BOOTSTRAP_ADMIN_EMAIL", "", "First admin's email; empty = admin@liftos.local"),
            new Variable("LIFTOS_BOOTSTRAP_ADMIN_PASSWORD", "", "First admin's password (must meet the policy); empty = generated and printed once"),
            new Variable("SMTP_HOST", "", "SMTP server for email codes and incident notices; empty = mail off"),
            new Variable("SMTP_PORT", "587", "SMTP port"),
            new Variable("SMTP_USERNAME", "", "SMTP user"),
            new Variable("SMTP_PASSWORD", "", "SMTP password"),
            new Variable("SMTP_FROM", "security@liftos.local", "Sender address"),
            new Variable("SMTP_STARTTLS", "true", "Require STARTTLS"),
            new Variable("LIFTOS_ARGON2_MEMORY_KIB", "65536", "Argon2id memory for new password hashes, KiB (older hashes are upgraded at login)"),
            new Variable("LIFTOS_ARGON2_ITERATIONS", "3", "Argon2id iterations"),
            new Variable("LIFTOS_ARGON2_PARALLELISM", "1", "Argon2id lanes"),
            new Variable("LIFTOS_PASSWORD_HASH_CONCURRENCY", "0", "Password hashes computed at once; excess logins wait, then get 503 (0 = from heap size)"),
            new Variable("LIFTOS_ACCESS_TOKEN_MINUTES", "60", "Access token lifetime"),
            new Variable("LIFTOS_JWT_ALGORITHM", "RS256", "Access tokens' signature: RS256, ES256 (P-256) or EdDSA (Ed25519); a change rotates to a new key at start, earlier keys stay in the JWKS until their tokens expired (give every instance the same value)"),
            new Variable("LIFTOS_REFRESH_TOKEN_DAYS", "30", "Refresh token and session absolute lifetime"),
            new Variable("LIFTOS_SESSION_LIMIT_MODE", "end_oldest", "Over max_concurrent_sessions: end_oldest or refuse"),
            new Variable("LIFTOS_REFRESH_COOKIE", "false", "Also send the refresh token in an HttpOnly, Secure, SameSite=Strict cookie"),
            new Variable("LIFTOS_REFRESH_REUSE_INTERVAL_SECONDS", "5", "A retired refresh token presented again this soon by the same device, while its successor is unused, gets that successor again instead of revoking the session (0 = off)"),
            new Variable("LIFTOS_INVITATION_HOURS", "72", "How long an invitation's mailed link works (1-720); a resend mails a new one"),
            new Variable("LIFTOS_PASSWORD_RESET_MINUTES", "60", "How long a password-reset link works (5-1440)"),
            new Variable("LIFTOS_EMAIL_CHANGE_HOURS", "24", "How long the link confirming a new email address works (1-168)"),
            new Variable("LIFTOS_PURGE_INTERVAL_SECONDS", "600", "How often the retention purge runs (instances take turns)"),
            new Variable("LIFTOS_SESSION_RETENTION_DAYS", "90", "Ended, expired or idle sessions and their refresh tokens are deleted this long after"),
            new Variable("LIFTOS_RETIRED_REFRESH_TOKEN_RETENTION_HOURS", "24", "Rows of retired refresh tokens are deleted this long after their rotation (replaying one is still detected as reuse)"),
            new Variable("LIFTOS_VAULT_ACCESS_LOG_RETENTION_DAYS", "400", "Retention of the vault's reveal log (usage analytics and access counts cover this window)"),
            new Variable("LIFTOS_INCIDENT_EVIDENCE_RETENTION_DAYS", "365", "Repeated detections of an incident, and the evidence list of incidents resolved, are dropped this long after"),
            new Variable("LIFTOS_ALERT_WEBHOOK_URLS", "", "Comma-separated http(s) URLs that receive high and critical security events (signed POST)"),
            new Variable("LIFTOS_ALERT_WEBHOOK_SECRET", "", "HMAC-SHA256 secret for the X-LiftOS-Signature header (at least 16 characters; required with webhook URLs)"),
            new Variable("LIFTOS_ALERT_RETRY_BASE_MS", "5000", "First retry delay of a failed webhook delivery (doubles per attempt, 8 attempts)"),
            new Variable("LIFTOS_AUDIT_CHECKPOINT_SECONDS", "60", "How often each audit chain's head gets a signed checkpoint"),
            new Variable("LIFTOS_AUDIT_SYSTEM_RETENTION_DAYS", "365", "Retention of system (organization-less) audit events; organizations use audit_retention_days"),
            new Variable("LIFTOS_SMS_ENDPOINT", "", "Twilio-compatible URL SMS codes are POSTed to (https; http only on loopback); empty = SMS off"),
            new Variable("LIFTOS_SMS_FROM", "", "Sender number of SMS codes (E.164)"),
            new Variable("LIFTOS_SMS_ACCOUNT", "", "SMS endpoint account (HTTP Basic user, e.g. Twilio account SID)"),
            new Variable("LIFTOS_SMS_TOKEN", "", "SMS endpoint token (HTTP Basic password)"),
            new Variable("LIFTOS_STEP_UP_RISK", "0.5", "Request risk score (0-1) from which step-up routes need a recent MFA"),
            new Variable("LIFTOS_STEP_UP_MAX_AGE_MINUTES", "15", "How recent an MFA must be to satisfy step-up"),
            new Variable("LIFTOS_WEBAUTHN_RP_ID", "<host of LIFTOS_PUBLIC_URL>", "Passkeys' relying-party id (a domain; passkeys stay bound to it, so changing it strands them)"),
            new Variable("LIFTOS_WEBAUTHN_RP_NAME", "LiftOS", "Relying-party name browsers show when a passkey is created"),
            new Variable("LIFTOS_WEBAUTHN_ORIGINS", "<origin of LIFTOS_PUBLIC_URL>", "Comma-separated origins (scheme://host[:port]) passkey ceremonies may come from"),
            new Variable("LIFTOS_FIDO_MDS_PATH", "", "FIDO Metadata Service BLOB (the JWT from mds3.fidoalliance.org, downloaded by the operator); needed by organizations' passkey_aaguids allow-lists; re-read when it changes; empty = none"),
            new Variable("LIFTOS_FIDO_MDS_ROOT", "<GlobalSign Root CA - R3, shipped>", "PEM certificate the BLOB's signing chain must end at"));

    /** One configuration variable, for documentation and the .env template. */
    public record Variable(String name, String defaultValue, String description) {}

    private ConfigLoader() {}

    /** Loads from an explicit map (tests, embedding). */
    public static Config load(Map<String, String> env) {
        Reader r = new Reader(env);
        Path dataDir = r.path("LIFTOS_DATA_DIR", Path.of("./data"));
        Optional<DatabaseUrl> db = r.optional("DATABASE_URL").flatMap(v -> {
            try {
                return Optional.of(DatabaseUrl.parse(v));
            } catch (IllegalArgumentException e) {
                r.problem("DATABASE_URL", e.getMessage());
                return Optional.empty();
            }
        });
        int pool = r.integer("LIFTOS_DB_POOL_SIZE", 16, 2, 500);
        String host = r.string("LIFTOS_HTTP_HOST", "127.0.0.1");
        int port = r.integer("LIFTOS_HTTP_PORT", 8080, 0, 65535);
        long maxBody = r.integer("LIFTOS_MAX_REQUEST_BYTES", 1_048_576, 1024, 64 * 1024 * 1024);
        List<String> proxies = r.list("LIFTOS_TRUSTED_PROXIES", List.of());
        for (String cidr : proxies) {
            if (!Cidr.isValid(cidr)) {
                r.problem("LIFTOS_TRUSTED_PROXIES", "not a CIDR range or IP address: " + cidr);
            }
        }
        List<String> origins = r.list("LIFTOS_CORS_ORIGINS", List.of("https://app.liftos.com", "https://dashboard.liftos.com"));
        for (String origin : origins) {
            if (!origin.matches("https?://[A-Za-z0-9.-]+(:\\d{1,5})?")) {
                r.problem("LIFTOS_CORS_ORIGINS", "not an origin (scheme://host[:port]): " + origin);
            }
        }
        Config.Edge edge = edge(r);
        Path keysDir = dataDir.resolve("keys");
        Path masterKey = r.path("MASTER_ENCRYPTION_KEY_PATH", keysDir.resolve("master_encryption_key.txt"));
        // An earlier release kept the audit signing key next to the master key, with no variable of its own.
        Config.Keys keys = new Config.Keys(masterKey,
                r.path("JWT_PRIVATE_KEY_PATH", keysDir.resolve("jwt_private_key.pem")),
                r.path("LIFTOS_SERVICE_KEY_PATH", keysDir.resolve("service_key.txt")),
                masterKey.toAbsolutePath().resolveSibling("audit_signing_key.txt"));
        Config.Features features = new Config.Features(
                r.bool("SECURITY_AUDIT_ENABLED", true),
                r.bool("SECURITY_RATE_LIMITING_ENABLED", true),
                r.bool("SECURITY_DEVICE_FINGERPRINTING_ENABLED", true),
                r.bool("SECURITY_REQUIRE_HTTPS", false));
        Optional<URI> redis = r.optional("REDIS_URL").flatMap(v -> {
            try {
                URI uri = new URI(v);
                if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme()) || uri.getHost() == null) {
                    r.problem("REDIS_URL", "expected redis://host:port[/db]");
                    return Optional.empty();
                }
                return Optional.of(uri);
            } catch (URISyntaxException e) {
                r.problem("REDIS_URL", "expected redis://host:port[/db]");
                return Optional.empty();
            }
        });
        Optional<String> adminEmail = r.optional("LIFTOS_BOOTSTRAP_ADMIN_EMAIL").map(s -> s.toLowerCase(Locale.ROOT));
        adminEmail.ifPresent(e -> {
            if (!e.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
                r.problem("LIFTOS_BOOTSTRAP_ADMIN_EMAIL", "not an email address");
            }
        });
        Config.Bootstrap bootstrap = new Config.Bootstrap(
                r.string("LIFTOS_BOOTSTRAP_ORG", "Default Organization"),
                adminEmail,
                r.optional("LIFTOS_BOOTSTRAP_ADMIN_PASSWORD").map(String::toCharArray));
        Config.Smtp smtp = new Config.Smtp(
                r.optional("SMTP_HOST"),
                r.integer("SMTP_PORT", 587, 1, 65535),
                r.optional("SMTP_USERNAME"),
                r.optional("SMTP_PASSWORD").map(String::toCharArray),
                r.string("SMTP_FROM", "security@liftos.local"),
                r.bool("SMTP_STARTTLS", true));
        String limitMode = r.string("LIFTOS_SESSION_LIMIT_MODE", "end_oldest");
        if (!limitMode.equals("end_oldest") && !limitMode.equals("refuse")) {
            r.problem("LIFTOS_SESSION_LIMIT_MODE", "must be end_oldest or refuse");
        }
        // The JWS names, exactly as spelled in a token header and the JWKS.
        String jwtAlgorithm = r.string("LIFTOS_JWT_ALGORITHM", "RS256");
        if (!List.of("RS256", "ES256", "EdDSA").contains(jwtAlgorithm)) {
            r.problem("LIFTOS_JWT_ALGORITHM", "must be RS256, ES256 or EdDSA");
        }
        Config.Auth auth = new Config.Auth(
                r.integer("LIFTOS_ARGON2_MEMORY_KIB", 65_536, 1024, 4 * 1024 * 1024),
                r.integer("LIFTOS_ARGON2_ITERATIONS", 3, 1, 100),
                r.integer("LIFTOS_ARGON2_PARALLELISM", 1, 1, 64),
                r.integer("LIFTOS_PASSWORD_HASH_CONCURRENCY", 0, 0, 1024),
                r.integer("LIFTOS_ACCESS_TOKEN_MINUTES", 60, 1, 24 * 60),
                r.integer("LIFTOS_REFRESH_TOKEN_DAYS", 30, 1, 365),
                limitMode.equals("refuse"),
                r.bool("LIFTOS_REFRESH_COOKIE", false),
                r.integer("LIFTOS_REFRESH_REUSE_INTERVAL_SECONDS", 5, 0, 300),
                // Tests only (fault injection); deliberately not in VARIABLES, so no template or table offers it.
                r.optional("LIFTOS_TEST_HANG_AFTER_REFRESH_COMMIT"),
                r.integer("LIFTOS_INVITATION_HOURS", 72, 1, 24 * 30),
                r.integer("LIFTOS_PASSWORD_RESET_MINUTES", 60, 5, 24 * 60),
                r.integer("LIFTOS_EMAIL_CHANGE_HOURS", 24, 1, 24 * 7),
                jwtAlgorithm);
        Config.Retention retention = new Config.Retention(
                r.integer("LIFTOS_PURGE_INTERVAL_SECONDS", 600, 10, 86_400),
                r.integer("LIFTOS_SESSION_RETENTION_DAYS", 90, 1, 36_500),
                r.integer("LIFTOS_RETIRED_REFRESH_TOKEN_RETENTION_HOURS", 24, 1, 24 * 36_500),
                r.integer("LIFTOS_VAULT_ACCESS_LOG_RETENTION_DAYS", 400, 1, 36_500),
                r.integer("LIFTOS_INCIDENT_EVIDENCE_RETENTION_DAYS", 365, 1, 36_500));
        List<URI> webhooks = new ArrayList<>();
        for (String u : r.list("LIFTOS_ALERT_WEBHOOK_URLS", List.of())) {
            try {
                URI uri = new URI(u);
                if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
                    r.problem("LIFTOS_ALERT_WEBHOOK_URLS", "each entry must be an http(s) URL with a host");
                } else {
                    webhooks.add(uri);
                }
            } catch (URISyntaxException e) {
                r.problem("LIFTOS_ALERT_WEBHOOK_URLS", "each entry must be an http(s) URL with a host");
            }
        }
        Optional<char[]> webhookSecret = r.optional("LIFTOS_ALERT_WEBHOOK_SECRET").map(String::toCharArray);
        if (!webhooks.isEmpty() && webhookSecret.map(s -> s.length < 16).orElse(true)) {
            r.problem("LIFTOS_ALERT_WEBHOOK_SECRET", "required with LIFTOS_ALERT_WEBHOOK_URLS, at least 16 characters");
        }
        Config.Audit audit = new Config.Audit(webhooks, webhookSecret,
                r.integer("LIFTOS_ALERT_RETRY_BASE_MS", 5000, 10, 3_600_000),
                r.integer("LIFTOS_AUDIT_CHECKPOINT_SECONDS", 60, 1, 86_400),
                r.integer("LIFTOS_AUDIT_SYSTEM_RETENTION_DAYS", 365, 1, 36_500));
        Config.Mfa mfa;
        if (!r.problems.isEmpty()) {
            throw new ConfigException(r.problems);
        }
        java.net.URI publicUrl = java.net.URI.create("http://" + host + ":" + port);
        String configuredUrl = r.string("LIFTOS_PUBLIC_URL", "");
        if (!configuredUrl.isEmpty()) {
            Optional<java.net.URI> parsed = publicUrl(configuredUrl);
            if (parsed.isPresent()) {
                publicUrl = parsed.get();
            } else {
                r.problem("LIFTOS_PUBLIC_URL", "must be an http(s) URL: scheme, host, optional port and path");
            }
        }
        mfa = mfa(r, publicUrl);
        // OpenID Connect Discovery: the issuer is the URL its metadata is fetched under, so it is configured (by
        // default the public URL), never taken from a request's Host header.
        String issuer = publicUrl.toString();
        String configuredIssuer = r.string("LIFTOS_ISSUER", "");
        if (!configuredIssuer.isEmpty()) {
            Optional<java.net.URI> parsed = publicUrl(configuredIssuer);
            if (parsed.isPresent()) {
                issuer = parsed.get().toString();
            } else {
                r.problem("LIFTOS_ISSUER", "must be an http(s) URL (OpenID Connect Discovery): scheme, host, optional port and path");
            }
        }
        if (!r.problems.isEmpty()) {
            throw new ConfigException(r.problems);
        }
        return new Config(dataDir, db, pool,
                new Config.Http(host, port, maxBody, proxies, origins, issuer, publicUrl),
                keys, features, redis, bootstrap, smtp, auth, edge, audit, mfa, retention,
                new Config.Connections(r.optional("LIFTOS_CONNECTION_PROVIDERS_FILE").map(Path::of),
                        r.integer("LIFTOS_CONNECTION_REFRESH_AHEAD_MINUTES", 15, 0, 1440), r.integer("LIFTOS_CONNECTION_REFRESHERS", 16, 1, 256)));
    }

    private static Config.Mfa mfa(Reader r, java.net.URI publicUrl) {
        Optional<Config.Sms> sms = r.optional("LIFTOS_SMS_ENDPOINT").flatMap(v -> {
            URI uri;
            try {
                uri = new URI(v);
            } catch (URISyntaxException e) {
                r.problem("LIFTOS_SMS_ENDPOINT", "not a URL");
                return Optional.empty();
            }
            String host = uri.getHost();
            boolean loopback = "127.0.0.1".equals(host) || "localhost".equals(host) || "[::1]".equals(host);
            if (host == null || !"https".equals(uri.getScheme()) && !("http".equals(uri.getScheme()) && loopback)) {
                r.problem("LIFTOS_SMS_ENDPOINT", "must be an https:// URL (http:// only on loopback)");
                return Optional.empty();
            }
            Optional<String> from = r.optional("LIFTOS_SMS_FROM");
            Optional<String> account = r.optional("LIFTOS_SMS_ACCOUNT");
            Optional<String> token = r.optional("LIFTOS_SMS_TOKEN");
            if (from.isEmpty() || account.isEmpty() || token.isEmpty()) {
                r.problem("LIFTOS_SMS_ENDPOINT", "needs LIFTOS_SMS_FROM, LIFTOS_SMS_ACCOUNT and LIFTOS_SMS_TOKEN");
                return Optional.empty();
            }
            return Optional.of(new Config.Sms(uri, from.get(), account.get(), token.get().toCharArray()));
        });
        double threshold = 0.5;
        Optional<String> t = r.optional("LIFTOS_STEP_UP_RISK");
        if (t.isPresent()) {
            try {
                threshold = Double.parseDouble(t.get());
                if (!(threshold >= 0 && threshold <= 1)) {
                    r.problem("LIFTOS_STEP_UP_RISK", "must be between 0 and 1");
                    threshold = 0.5;
                }
            } catch (NumberFormatException e) {
                r.problem("LIFTOS_STEP_UP_RISK", "must be a number between 0 and 1");
            }
        }
        return new Config.Mfa(sms, threshold, r.integer("LIFTOS_STEP_UP_MAX_AGE_MINUTES", 15, 1, 24 * 60), webAuthn(r, publicUrl));
    }

    /** The relying party: by default the public URL's host and origin, so a plain deployment needs no setting. */
    private static Config.WebAuthn webAuthn(Reader r, java.net.URI publicUrl) {
        String rpId = r.string("LIFTOS_WEBAUTHN_RP_ID", publicUrl.getHost());
        if (!rpId.matches("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?")) {
            r.problem("LIFTOS_WEBAUTHN_RP_ID", "must be a lowercase domain name (no scheme, port or path), e.g. example.com");
        }
        String defaultOrigin = publicUrl.getScheme() + "://" + publicUrl.getRawAuthority();
        List<String> origins = r.list("LIFTOS_WEBAUTHN_ORIGINS", List.of(defaultOrigin));
        for (String origin : origins) {
            Optional<java.net.URI> u = publicUrl(origin);
            if (u.isEmpty() || !(u.get().getRawPath() == null || u.get().getRawPath().isEmpty())
                    || !(u.get().getHost().equals(rpId) || u.get().getHost().endsWith("." + rpId))) {
                r.problem("LIFTOS_WEBAUTHN_ORIGINS", "each entry must be an origin (scheme://host[:port]) on the relying-party id's domain");
            }
        }
        String name = r.string("LIFTOS_WEBAUTHN_RP_NAME", "LiftOS");
        if (name.isBlank() || name.length() > 64) {
            r.problem("LIFTOS_WEBAUTHN_RP_NAME", "must be 1-64 characters");
        }
        Optional<Path> mds = r.optional("LIFTOS_FIDO_MDS_PATH").map(Path::of);
        Optional<Path> mdsRoot = r.optional("LIFTOS_FIDO_MDS_ROOT").map(Path::of);
        if (mdsRoot.isPresent() && mds.isEmpty()) {
            r.problem("LIFTOS_FIDO_MDS_ROOT", "needs LIFTOS_FIDO_MDS_PATH (the BLOB it verifies)");
        }
        return new Config.WebAuthn(rpId, name, origins, mds, mdsRoot);
    }

    private static Config.Edge edge(Reader r) {
        List<String> methods = r.list("LIFTOS_CORS_METHODS", List.of("GET", "POST", "PUT", "PATCH", "DELETE"));
        for (String m : methods) {
            if (!m.matches("[A-Z]{3,10}")) {
                r.problem("LIFTOS_CORS_METHODS", "not an HTTP method: " + m);
            }
        }
        List<String> headers = r.list("LIFTOS_CORS_HEADERS", List.of("Authorization", "Content-Type", "X-Organization-ID", "X-Request-ID"));
        List<String> exposed = r.list("LIFTOS_CORS_EXPOSED_HEADERS",
                List.of("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-Request-ID", "Retry-After"));
        for (String h : concat(headers, exposed)) {
            if (!h.matches("[A-Za-z0-9-]{1,64}")) {
                r.problem("LIFTOS_CORS_HEADERS", "not a header name: " + h);
            }
        }
        Config.Edge.ForwardedHeader forwarded = switch (r.string("LIFTOS_FORWARDED_HEADER", "x-forwarded-for")) {
            case "x-forwarded-for" -> Config.Edge.ForwardedHeader.X_FORWARDED_FOR;
            case "forwarded" -> Config.Edge.ForwardedHeader.FORWARDED;
            default -> {
                r.problem("LIFTOS_FORWARDED_HEADER", "must be x-forwarded-for or forwarded");
                yield Config.Edge.ForwardedHeader.X_FORWARDED_FOR;
            }
        };
        int ipPerHour = r.integer("LIFTOS_RATE_LIMIT_IP_PER_HOUR", 10_000, 1, 1_000_000_000);
        Config.Edge.CallerBudgets d = Config.Edge.CallerBudgets.defaults();
        Config.Edge.CallerBudgets budgets = new Config.Edge.CallerBudgets(
                r.integer("LIFTOS_LOGIN_FAILURES_PER_IP_PER_DAY", d.loginFailuresPerIpPerDay(), 1, 1_000_000),
                r.integer("LIFTOS_REFRESHES_PER_SESSION_PER_MINUTE", d.refreshesPerSessionPerMinute(), 1, 1_000_000),
                r.integer("LIFTOS_GRANTS_PER_CLIENT_PER_MINUTE", d.grantsPerClientPerMinute(), 1, 10_000_000),
                r.integer("LIFTOS_INTROSPECTIONS_PER_CLIENT_PER_MINUTE", d.introspectionsPerClientPerMinute(), 1, 10_000_000));
        return new Config.Edge(forwarded, methods, headers, exposed, ipPerHour, budgets, orgRateCeilings(r));
    }

    /** {@code category=limit/window,...}: each of auth, api and sensitive, once, with positive numbers. */
    private static Map<String, Config.Edge.Rate> orgRateCeilings(Reader r) {
        String name = "LIFTOS_ORG_RATE_LIMIT_CEILINGS";
        Map<String, Config.Edge.Rate> out = new TreeMap<>();
        for (String item : r.list(name, List.of("auth=50/300", "api=10000/3600", "sensitive=100/60"))) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(auth|api|sensitive)=(\\d{1,9})/(\\d{1,5})").matcher(item.strip());
            if (!m.matches() || out.containsKey(m.group(1)) || Integer.parseInt(m.group(2)) < 1
                    || Integer.parseInt(m.group(3)) < 1 || Integer.parseInt(m.group(3)) > 86_400) {
                r.problem(name, "expected auth=LIMIT/SECONDS,api=LIMIT/SECONDS,sensitive=LIMIT/SECONDS (each once, window 1-86400)");
                return Map.of();
            }
            out.put(m.group(1), new Config.Edge.Rate(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
        }
        return out;
    }

    /** An http(s) URL of scheme, host, optional port and path, without a trailing slash; empty for anything else. */
    private static Optional<java.net.URI> publicUrl(String value) {
        try {
            java.net.URI u = new java.net.URI(value);
            boolean http = "http".equals(u.getScheme()) || "https".equals(u.getScheme());
            if (!http || u.getHost() == null || u.getRawUserInfo() != null || u.getRawQuery() != null || u.getRawFragment() != null) {
                return Optional.empty();
            }
            String path = u.getRawPath() == null ? "" : u.getRawPath();
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            return Optional.of(new java.net.URI(u.getScheme() + "://" + u.getRawAuthority() + path));
        } catch (java.net.URISyntaxException e) {
            return Optional.empty();
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Like {@link #readDotEnv} but an unreadable file counts as absent (the CLI reports config problems later). */
    public static Map<String, String> readDotEnvQuietly(Path file) {
        try {
            return readDotEnv(file);
        } catch (ConfigException e) {
            return Map.of();
        }
    }

    /** Parses a dotenv file: KEY=VALUE lines, # comments, optional surrounding quotes. Missing file = empty. */
    public static Map<String, String> readDotEnv(Path file) {
        Map<String, String> values = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) {
            return values;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                if (trimmed.startsWith("export ")) {
                    trimmed = trimmed.substring(7).strip();
                }
                int eq = trimmed.indexOf('=');
                if (eq <= 0) {
                    continue;
                }
                String key = trimmed.substring(0, eq).strip();
                String value = trimmed.substring(eq + 1).strip();
                if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
                    value = value.substring(1, value.length() - 1);
                }
                values.put(key, value);
            }
        } catch (IOException e) {
            throw new ConfigException(List.of(".env: cannot be read (" + e.getClass().getSimpleName() + ")"));
        }
        return values;
    }

    private static final class Reader {
        private final Map<String, String> env;
        private final List<String> problems = new ArrayList<>();

        Reader(Map<String, String> env) {
            this.env = env;
        }

        void problem(String name, String message) {
            problems.add(name + ": " + message);
        }

        Optional<String> optional(String name) {
            String v = env.get(name);
            return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
        }

        String string(String name, String def) {
            return optional(name).orElse(def);
        }

        Path path(String name, Path def) {
            return optional(name).map(Path::of).orElse(def);
        }

        int integer(String name, int def, int min, int max) {
            Optional<String> v = optional(name);
            if (v.isEmpty()) {
                return def;
            }
            try {
                int n = Integer.parseInt(v.get());
                if (n < min || n > max) {
                    problem(name, "must be between " + min + " and " + max);
                    return def;
                }
                return n;
            } catch (NumberFormatException e) {
                problem(name, "must be a whole number");
                return def;
            }
        }

        boolean bool(String name, boolean def) {
            Optional<String> v = optional(name);
            if (v.isEmpty()) {
                return def;
            }
            return switch (v.get()) {
                case "true", "TRUE", "True", "1", "yes", "on" -> true;
                case "false", "FALSE", "False", "0", "no", "off" -> false;
                default -> {
                    problem(name, "must be true or false");
                    yield def;
                }
            };
        }

        List<String> list(String name, List<String> def) {
            return optional(name).map(v -> Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList()).orElse(def);
        }
    }
}
