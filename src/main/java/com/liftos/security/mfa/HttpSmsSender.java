package com.liftos.security.mfa;

import com.liftos.security.config.Config;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * Posts {@code To}, {@code From}, {@code Body} as {@code application/x-www-form-urlencoded} with HTTP Basic auth
 * (account, token): the shape of Twilio's Messages API and of the many gateways that copy it. Any 2xx is success.
 */
final class HttpSmsSender implements SmsSender {
    private final Config.Sms config;
    private final HttpClient client;
    private final String authorization;

    HttpSmsSender(Config.Sms config, HttpClient client) {
        this.config = config;
        this.client = client;
        String basic = config.account() + ":" + new String(config.token());
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void send(String toE164, String body) {
        String form = "To=" + enc(toE164) + "&From=" + enc(config.from()) + "&Body=" + enc(body);
        HttpRequest request = HttpRequest.newBuilder(config.endpoint()).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        try {
            HttpResponse<Void> r = client.send(request, HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() / 100 != 2) {
                throw new DeliveryException("sms not accepted (HTTP " + r.statusCode() + ")", null);
            }
        } catch (IOException e) {
            throw new DeliveryException("sms not accepted (" + e.getClass().getSimpleName() + ")", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException("sms interrupted", null);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
