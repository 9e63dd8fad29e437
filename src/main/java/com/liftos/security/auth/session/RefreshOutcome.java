package com.liftos.security.auth.session;

/** What presenting a refresh token led to. */
public sealed interface RefreshOutcome {
    /** The token was current: here is the next pair; the presented token is retired. */
    record Rotated(TokenPair tokens) implements RefreshOutcome {}

    /** Unknown, expired, or its session ended: {@code invalid_grant}. */
    record Invalid() implements RefreshOutcome {}

    /** A retired token came back: the whole session (token family) has been revoked. */
    record ReuseDetected() implements RefreshOutcome {}

    /** The session family refreshed too often lately: retry after that many seconds (nothing was rotated). */
    record Throttled(long retryAfterSeconds) implements RefreshOutcome {}

    /** The presenting device is not the session's device: refused and audited, the session lives on. */
    record DeviceMismatch() implements RefreshOutcome {}

    /** The session's organization does not accept the caller's address: no tokens, and the session has ended. */
    record AddressRefused() implements RefreshOutcome {}
}
