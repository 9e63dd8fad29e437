package com.liftos.security.auth.session;

import java.util.Optional;

/** Where a request came from: its device, address, user agent and request id. */
public record Client(Device device, String ip, Optional<String> userAgent, String requestId) {

    /**
     * The client of a request, from what its headers and connection say ({@code deviceId}: the client-supplied
     * device id, when valid).
     */
    public static Client of(Optional<String> userAgent, Optional<String> acceptLanguage, String ip, Optional<String> deviceId,
                            String requestId) {
        return new Client(Device.of(userAgent, acceptLanguage, ip, deviceId), ip, userAgent, requestId);
    }

    /** This client as every client looks with SECURITY_DEVICE_FINGERPRINTING_ENABLED=false: one and the same device. */
    Client unfingerprinted() {
        return new Client(Device.UNFINGERPRINTED, ip, userAgent, requestId);
    }
}
