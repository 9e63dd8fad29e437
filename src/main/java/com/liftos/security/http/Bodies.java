package com.liftos.security.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.stream.Collectors;

/**
 * Reads request bodies as JSON into records. Parse errors become a 400 naming the field path, never echoing
 * the submitted value (which may be a secret).
 */
public final class Bodies {
    private final ObjectMapper json;

    public Bodies(ObjectMapper json) {
        this.json = json;
    }

    public <T> T read(Context ctx, Class<T> type) {
        byte[] body = ctx.bodyAsBytes();
        if (body.length == 0) {
            throw ApiException.badRequest("invalid_json", "Request body must be a JSON object");
        }
        try {
            T value = json.readValue(body, type);
            if (value == null) {
                throw ApiException.badRequest("invalid_json", "Request body must be a JSON object");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw ApiException.badRequest("invalid_json", "Unknown field '" + safe(e.getPropertyName()) + "'");
        } catch (JsonMappingException e) {
            String path = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? safe(r.getFieldName()) : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."));
            throw ApiException.badRequest("invalid_json",
                    path.isEmpty() ? "Request body does not have the expected shape" : "Field '" + path + "' is missing or has the wrong type");
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("invalid_json", "Request body is not valid JSON");
        } catch (IOException e) {
            throw ApiException.badRequest("invalid_json", "Request body could not be read");
        }
    }

    private static String safe(String name) {
        if (name == null) {
            return "?";
        }
        String s = name.length() > 64 ? name.substring(0, 64) : name;
        return s.replaceAll("[^A-Za-z0-9_.-]", "?");
    }
}
