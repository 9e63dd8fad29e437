package com.liftos.security.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** A UTC clock that tests move by hand (token expiry, TOTP windows, lockouts, rate-limit refills). */
public final class MutableClock extends Clock {
    private final AtomicReference<Instant> now;

    public MutableClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    /** Now, moved back to 1 s past the start of the current 30 s TOTP step, so "advance 30 s" lands in the next step. */
    public static MutableClock atTotpStepStart() {
        return new MutableClock(Instant.ofEpochSecond(Instant.now().getEpochSecond() / 30 * 30 + 1));
    }

    public void advance(Duration d) {
        now.updateAndGet(t -> t.plus(d));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now.get();
    }
}
