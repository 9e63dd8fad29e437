package com.liftos.security.mfa;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.audit.AuditLog;
import com.liftos.security.auth.Auth;
import com.liftos.security.auth.token.KeyDerivation;
import com.liftos.security.auth.user.Users;
import com.liftos.security.config.Config;
import com.liftos.security.http.Bodies;
import com.liftos.security.http.Guard;
import com.liftos.security.http.Route;
import com.liftos.security.org.Organizations;
import com.liftos.security.org.SecurityConfig;
import com.liftos.security.store.Db;
import com.liftos.security.store.Purge;
import com.liftos.security.vault.Secrets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Multi-factor authentication: TOTP (RFC 6238) with QR enrolment, recovery codes, emailed and texted codes, passkeys
 * (WebAuthn, as a second factor and for passwordless sign-in), the
 * MFA step of login ({@code POST /v1/auth/mfa/verify}), organization-enforced MFA and step-up for risky requests.
 *
 * <p>Wiring: {@link #factors} before {@code Auth} (it is the login's {@link com.liftos.security.auth.account.SecondFactor}),
 * {@link #start} after it; add {@link #routes()}, {@link #enrollmentGuard()} right after authentication and
 * {@link #stepUpGuard()} after the risk guard.
 */
public final class Mfa {
    private final List<Route> routes;
    private final Guard enrollmentGuard;
    private final Guard stepUpGuard;

    private Mfa(List<Route> routes, Guard enrollmentGuard, Guard stepUpGuard) {
        this.routes = routes;
        this.enrollmentGuard = enrollmentGuard;
        this.stepUpGuard = stepUpGuard;
    }

    /**
     * The factor store. TOTP secrets are sealed with {@code secrets} (the vault's envelope encryption); code
     * hashes are keyed with a key derived (HKDF) from the service key (the instance keyring's).
     */
    public static MfaFactors factors(Db db, Organizations orgs, Secrets secrets, byte[] serviceKey, Clock clock,
                                     SecureRandom random) {
        CodeHasher hasher = new CodeHasher(KeyDerivation.derive(serviceKey, "liftos/mfa-codes/v1"));
        RecoveryCodes recovery = new RecoveryCodes(db, hasher, clock, random);
        Methods methods = new Methods(db, recovery, clock);
        TotpSecrets totp = new TotpSecrets(db, methods, secrets, clock, random);
        SentCodes sent = new SentCodes(db, methods, hasher, clock, random);
        CodeCheck codes = new CodeCheck(db, methods, totp, sent, recovery);
        return new MfaFactors(db, methods, totp, sent, recovery, codes, new WrongCodes(db, clock), orgs);
    }

    /**
     * The MFA tables' retention rules, for {@code store.Housekeeping}: throttling logs past the time they are counted
     * over, one-time codes and login challenges past their expiry. Each write already drops its own user's old rows;
     * this catches the users who do not come back.
     */
    public static List<Purge> purges() {
        return List.of(
                Purge.olderThan("mfa_failures", WrongCodes.KEPT,
                        "DELETE FROM mfa_failures WHERE ctid >= ?::tid AND ctid < ?::tid AND failed_at < ?"),
                Purge.olderThan("mfa_otp_sends", SentCodes.SENDS_KEPT,
                        "DELETE FROM mfa_otp_sends WHERE ctid >= ?::tid AND ctid < ?::tid AND sent_at < ?"),
                Purge.olderThan("mfa_otp_codes", Duration.ZERO,
                        "DELETE FROM mfa_otp_codes WHERE ctid >= ?::tid AND ctid < ?::tid AND expires_at < ?"),
                Purge.olderThan("mfa_login_challenges", MfaLogin.TOKEN_LIFETIME,
                        "DELETE FROM mfa_login_challenges WHERE ctid >= ?::tid AND ctid < ?::tid AND expires_at < ?"),
                Purge.olderThan("mfa_passkey_challenges", Duration.ZERO,
                        "DELETE FROM mfa_passkey_challenges WHERE ctid >= ?::tid AND ctid < ?::tid AND expires_at < ?"));
    }

    public static Mfa start(MfaFactors factors, Auth auth, Users users, Optional<Mailer> mailer, Optional<SmsSender> sms,
                            AuditLog audit, ObjectMapper json, Function<UUID, SecurityConfig> orgConfigs,
                            Config.Mfa settings, Clock clock, SecureRandom random) {
        Delivery delivery = new Delivery(factors.sentCodes, mailer, sms);
        MfaEvents events = new MfaEvents(audit, factors.wrongCodes, clock);
        FidoMetadata metadata = settings.webAuthn().fidoMetadata()
                .map(blob -> FidoMetadata.load(blob, settings.webAuthn().fidoMetadataRoot(), clock))
                .orElseGet(() -> FidoMetadata.none(clock));
        Passkeys passkeys = new Passkeys(factors.db, new PasskeyVerifier(settings.webAuthn(), metadata), metadata, settings.webAuthn(),
                factors.recoveryCodes, clock, random);
        PasskeyEvents passkeyEvents = new PasskeyEvents(audit, events, clock);
        MfaLogin login = new MfaLogin(factors.db, auth.challenges(), auth.sessions(), auth.logins(), users, factors.codes,
                delivery, passkeys, events, clock);
        Bodies bodies = new Bodies(json);
        Duration stepUpAge = Duration.ofMinutes(settings.stepUpMaxAgeMinutes());
        List<Route> routes = new ArrayList<>(new MfaRoutes(factors, users, delivery, events, bodies, orgConfigs).routes());
        routes.addAll(new MfaLoginRoutes(login, passkeyEvents, auth.tokenResponder(), bodies).routes());
        routes.addAll(new PasskeyRoutes(passkeys, passkeyEvents, events, factors, login, auth.logins(), users,
                auth.tokenResponder(), bodies, orgConfigs, stepUpAge, clock).routes());
        return new Mfa(List.copyOf(routes), MfaGuards.enrollmentOnly(orgConfigs),
                MfaGuards.stepUp(settings.stepUpRiskThreshold(), stepUpAge, audit, clock));
    }

    public List<Route> routes() {
        return routes;
    }

    /** When the org requires MFA, a user token without an MFA factor reaches only {@code /v1/mfa/*} (and logout). */
    public Guard enrollmentGuard() {
        return enrollmentGuard;
    }

    /** Routes declaring {@code requireStepUpMfa()} need a recent MFA when the request's risk is elevated. */
    public Guard stepUpGuard() {
        return stepUpGuard;
    }
}
