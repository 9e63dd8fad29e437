package com.liftos.security.mfa;

import com.liftos.security.auth.user.User;
import com.liftos.security.store.Db;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * Checks a presented code against the method it names. Every check that consumes something (a TOTP step, a code
 * attempt, a recovery code) does it with one conditional UPDATE or under the row's lock, so two concurrent
 * presentations of one code cannot both succeed.
 */
final class CodeCheck {
    private final Db db;
    private final Methods methods;
    private final TotpSecrets totp;
    private final SentCodes sent;
    private final RecoveryCodes recovery;

    CodeCheck(Db db, Methods methods, TotpSecrets totp, SentCodes sent, RecoveryCodes recovery) {
        this.db = db;
        this.methods = methods;
        this.totp = totp;
        this.sent = sent;
        this.recovery = recovery;
    }

    /** Checks {@code code} for an active method of {@code user}, consuming what it uses. */
    boolean check(User user, Method m, String code) {
        return db.tx(c -> check(c, user, m, code, MethodStatus.ACTIVE));
    }

    /**
     * Checks in the caller's transaction. Effects that must survive a wrong code (attempt counts) are written in
     * it, so the caller must commit whatever the answer.
     */
    boolean check(Connection c, User user, Method m, String code, MethodStatus required) throws SQLException {
        String presented = code == null ? "" : code.strip();
        if (presented.length() > 64) {
            return false;
        }
        return switch (m) {
            case TOTP -> totp.check(c, user, presented, required);
            case EMAIL, SMS -> sent.check(c, user, m, presented, required);
            case RECOVERY -> recovery.spend(c, user.id(), presented);
            case PASSKEY -> false;
        };
    }

    /**
     * Confirms a pending method with a first valid code. Returns the new recovery codes when this is the user's
     * first active method, an empty list when recovery codes already exist, and empty when the code is wrong.
     */
    Optional<List<String>> confirm(User user, Method m, String code) {
        return db.tx(c -> check(c, user, m, code, MethodStatus.PENDING) ? methods.activate(c, user, m) : Optional.empty());
    }
}
