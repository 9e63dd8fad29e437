package com.liftos.security.auth.account;

import com.liftos.security.auth.session.Sessions;
import com.liftos.security.auth.user.User;
import java.util.List;

/** The result of a password login. */
public sealed interface LoginOutcome {
    /**
     * Password accepted and no further step: a session is open. {@code deviceToken} proves this sign-in at the
     * device's next login (its own lockout, see {@link Logins#login}).
     */
    record Authenticated(User user, Sessions.Opened session, String deviceToken) implements LoginOutcome {
        @Override
        public String toString() {
            return "Authenticated[user=" + user.id() + "]";
        }
    }

    /**
     * Password accepted for a user without MFA whose organization requires it: the session's token (amr
     * {@code pwd}) only reaches the MFA enrolment routes (the MFA feature's guard enforces that).
     */
    record MfaEnrollmentRequired(User user, Sessions.Opened session, String deviceToken) implements LoginOutcome {
        @Override
        public String toString() {
            return "MfaEnrollmentRequired[user=" + user.id() + "]";
        }
    }

    /**
     * Password accepted; a second factor must follow. {@code challengeToken} (5 minutes, audience
     * {@code liftos-mfa}) names the user to the MFA step, which then calls {@link Sessions#open}.
     */
    record MfaRequired(User user, List<String> methods, String challengeToken) implements LoginOutcome {
        public MfaRequired {
            methods = List.copyOf(methods);
        }

        @Override
        public String toString() {
            return "MfaRequired[user=" + user.id() + ", methods=" + methods + "]";
        }
    }

    /** Password accepted but older than the policy's max age: only a password change is allowed. */
    record PasswordChangeRequired(User user, String changeToken) implements LoginOutcome {
        @Override
        public String toString() {
            return "PasswordChangeRequired[user=" + user.id() + "]";
        }
    }

    /** Too many failed attempts from this address or for this account from it: retry after that many seconds. */
    record Throttled(long retryAfterSeconds) implements LoginOutcome {}

    /** Refused; {@code reason} is for the audit trail, the caller sees one message per reason class. */
    record Refused(Reason reason) implements LoginOutcome {}

    enum Reason {
        INVALID_CREDENTIALS("invalid_credentials"),
        ACCOUNT_LOCKED("account_locked"),
        ACCOUNT_DISABLED("account_disabled"),
        NETWORK_NOT_ALLOWED("ip_not_allowed"),
        ADDRESS_BLOCKED("ip_blocked"),
        SESSION_LIMIT("session_limit");

        private final String audited;

        Reason(String audited) {
            this.audited = audited;
        }

        /** The {@code reason} detail of the LOGIN_FAILURE event. */
        public String audited() {
            return audited;
        }
    }
}
