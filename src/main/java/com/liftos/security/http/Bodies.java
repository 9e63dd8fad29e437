package com.liftos.security.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.stream.Collectors;

/**
 * Reads request bodies as JSON into records (or a {@code JsonNode}). Every string and field name is first held to
 * {@link InputText}'s rule. Errors become a 400 {@code invalid_json} naming the field path, never echoing the
 * submitted value (which may be a secret).
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
            refuseUnacceptableText(body);
            T value = json.readValue(body, type);
            if (value == null) {
                throw ApiException.badRequest("invalid_json", "Request body must be a JSON object");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw ApiException.badRequest("invalid_json", "Unknown field '" + InputText.printable(e.getPropertyName()) + "'");
        } catch (JsonMappingException e) {
            String path = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? InputText.printable(r.getFieldName()) : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."));
            throw ApiException.badRequest("invalid_json",
                    path.isEmpty() ? "Request body does not have the expected shape" : "Field '" + path + "' is missing or has the wrong type");
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("invalid_json", "Request body is not valid JSON");
        } catch (IOException e) {
            throw ApiException.badRequest("invalid_json", "Request body could not be read");
        }
    }

    /**
     * One streaming pass over the tokens before binding, so the rule holds for every string wherever it lands (a
     * record, a map key, a tree) and the refusal can name its place. It costs a second tokenization of bodies that
     * are at most {@code maxRequestBytes}, mostly a few hundred bytes.
     */
    private void refuseUnacceptableText(byte[] body) throws IOException {
        try (JsonParser p = json.getFactory().createParser(body)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if ((t == JsonToken.VALUE_STRING || t == JsonToken.FIELD_NAME)
                        && !InputText.acceptable(p.getTextCharacters(), p.getTextOffset(), p.getTextLength())) {
                    String path = path(p.getParsingContext());
                    throw ApiException.badRequest("invalid_json",
                            (path.isEmpty() ? "The request body " : "Field '" + path + "' ") + InputText.PROBLEM);
                }
            }
        }
    }

    /** {@code a.b.[0]}, from the root to the current token. */
    private static String path(JsonStreamContext context) {
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.addFirst("[" + Math.max(0, c.getCurrentIndex()) + "]");
            } else if (c.getCurrentName() != null) {
                parts.addFirst(InputText.printable(c.getCurrentName()));
            }
        }
        return String.join(".", parts);
    }
}
