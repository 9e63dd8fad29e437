package com.liftos.security.mfa;

import com.liftos.security.auth.user.User;
import java.util.Optional;

/**
 * Issues an emailed or texted code and sends it over its channel: by mail ({@link Mailer}) or text message
 * ({@link SmsSender}), each present only when configured.
 */
final class Delivery {
    private final SentCodes codes;
    private final Optional<Mailer> mailer;
    private final Optional<SmsSender> sms;

    Delivery(SentCodes codes, Optional<Mailer> mailer, Optional<SmsSender> sms) {
        this.codes = codes;
        this.mailer = mailer;
        this.sms = sms;
    }

    /** What asking for a code led to. */
    sealed interface Outcome {
        /** Sent to {@code to} (an address or number: mask it before showing it). */
        record Sent(String to) implements Outcome {
            @Override
            public String toString() {
                return "Sent[***]";
            }
        }

        /** The send limits allow another code in {@code retryAfterSeconds}. */
        record Throttled(long retryAfterSeconds) implements Outcome {}

        /** No method of that channel in the required state. */
        record NotEnrolled() implements Outcome {}

        /** The channel is not configured on this deployment. */
        record ChannelUnavailable() implements Outcome {}

        /** Issued, but the mail or SMS server did not accept it. */
        record NotDelivered() implements Outcome {}
    }

    boolean available(Method channel) {
        return channel == Method.EMAIL ? mailer.isPresent() : channel == Method.SMS && sms.isPresent();
    }

    /** Issues a code for a method of {@code channel} in {@code required} state and sends it. */
    Outcome send(User user, Method channel, MethodStatus required) {
        if (!available(channel)) {
            return new Outcome.ChannelUnavailable();
        }
        return switch (codes.issue(user, channel, required)) {
            case SentCodes.Issued.Code c -> deliver(channel, c.to(), c.code());
            case SentCodes.Issued.Throttled t -> new Outcome.Throttled(t.retryAfterSeconds());
            case SentCodes.Issued.NotEnrolled n -> new Outcome.NotEnrolled();
        };
    }

    private Outcome deliver(Method channel, String to, String code) {
        try {
            if (channel == Method.EMAIL) {
                mailer.orElseThrow().send(to, "Your LiftOS verification code",
                        "Your LiftOS verification code is " + code + ".\n\nIt expires in "
                                + SentCodes.LIFETIME.toMinutes() + " minutes. If you did not ask for it, "
                                + "change your password and contact your administrator.\n");
            } else {
                sms.orElseThrow().send(to, "LiftOS code: " + code + " (valid "
                        + SentCodes.LIFETIME.toMinutes() + " min). Do not share it.");
            }
            return new Outcome.Sent(to);
        } catch (DeliveryException e) {
            return new Outcome.NotDelivered();
        }
    }
}
