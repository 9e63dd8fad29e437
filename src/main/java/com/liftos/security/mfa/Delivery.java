package com.liftos.security.mfa;

import com.liftos.security.http.ApiException;
import java.util.Map;
import java.util.Optional;

/** Sends an issued code over its channel; answers 503 when the channel is not configured, 502 when refused. */
final class Delivery {
    private final Optional<Mailer> mailer;
    private final Optional<SmsSender> sms;

    Delivery(Optional<Mailer> mailer, Optional<SmsSender> sms) {
        this.mailer = mailer;
        this.sms = sms;
    }

    boolean available(Method channel) {
        return channel == Method.EMAIL ? mailer.isPresent() : channel == Method.SMS && sms.isPresent();
    }

    void deliver(Method channel, String to, String code) {
        try {
            if (channel == Method.EMAIL) {
                mailer.orElseThrow(Delivery::unavailable).send(to, "Your LiftOS verification code",
                        "Your LiftOS verification code is " + code + ".\n\nIt expires in "
                                + Factors.CODE_LIFETIME.toMinutes() + " minutes. If you did not ask for it, "
                                + "change your password and contact your administrator.\n");
            } else {
                sms.orElseThrow(Delivery::unavailable).send(to, "LiftOS code: " + code + " (valid "
                        + Factors.CODE_LIFETIME.toMinutes() + " min). Do not share it.");
            }
        } catch (DeliveryException e) {
            throw new ApiException(502, "delivery_failed", "The code could not be sent; try again later");
        }
    }

    static ApiException unavailable() {
        return new ApiException(503, "channel_unavailable", "This delivery channel is not configured", Map.of(), Map.of());
    }
}
