package com.liftos.security.http;

import io.javalin.http.Context;
import java.nio.CharBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one rule for text a request brings in: no NUL character (PostgreSQL cannot store it in a text column and
 * answers SQLSTATE 22021) and no unpaired UTF-16 surrogate (not text at all: an encoder replaces or rejects it).
 * {@link Bodies} applies it to every string and field name of a JSON body; {@link #checkParameters} to every path
 * parameter, query parameter and form field before a handler runs. A refusal is a 400 naming the field or parameter
 * (made printable), never its value.
 */
final class InputText {
    static final String PROBLEM = "contains a NUL character or an unpaired surrogate";

    private InputText() {}

    static boolean acceptable(CharSequence s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c == 0) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 == n || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    static boolean acceptable(char[] text, int offset, int length) {
        return acceptable(CharBuffer.wrap(text, offset, length));
    }

    /** Path parameters, query parameters (names and values) and, for a form body, its fields: 400 on the first bad one. */
    static void checkParameters(Context ctx) {
        for (Map.Entry<String, String> p : ctx.pathParamMap().entrySet()) {
            if (!acceptable(p.getValue())) {
                throw ApiException.badRequest("invalid_parameter", "Path parameter '" + printable(p.getKey()) + "' " + PROBLEM);
            }
        }
        checkAll("Query parameter", ctx.queryParamMap());
        String type = ctx.contentType();
        if (type != null && type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            checkAll("Form field", ctx.formParamMap());
        }
    }

    private static void checkAll(String kind, Map<String, List<String>> params) {
        for (Map.Entry<String, List<String>> p : params.entrySet()) {
            boolean ok = acceptable(p.getKey());
            for (String v : p.getValue()) {
                ok &= acceptable(v);
            }
            if (!ok) {
                throw ApiException.badRequest("invalid_parameter", kind + " '" + printable(p.getKey()) + "' " + PROBLEM);
            }
        }
    }

    /** A name as it may be echoed in a message: at most 64 characters of {@code [A-Za-z0-9_.-]}, others as {@code ?}. */
    static String printable(String name) {
        if (name == null) {
            return "?";
        }
        String s = name.length() > 64 ? name.substring(0, 64) : name;
        return s.replaceAll("[^A-Za-z0-9_.-]", "?");
    }
}
