package com.liftos.security.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The JDK HTTP client and the service's error format. */
final class Http {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String USER_AGENT = "liftos-security-java/0.1.0";
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15)).header("User-Agent", USER_AGENT);
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("LiftOS Security unreachable: " + request.uri().getPath(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The JSON body of a 2xx answer, else a {@link ServiceException}. */
    static JsonNode json(HttpResponse<String> r) {
        JsonNode body;
        try {
            body = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new ServiceException(r.statusCode(), "not_json", "");
        }
        if (r.statusCode() >= 200 && r.statusCode() < 300) {
            return body;
        }
        JsonNode err = body.path("error");
        if (err.isObject()) {
            throw new ServiceException(r.statusCode(), err.path("code").asText("http_" + r.statusCode()), err.path("message").asText(""));
        }
        throw new ServiceException(r.statusCode(), err.isTextual() ? err.asText() : "http_" + r.statusCode(),
                body.path("error_description").asText(""));
    }
}
