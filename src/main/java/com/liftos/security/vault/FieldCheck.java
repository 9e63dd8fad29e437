package com.liftos.security.vault;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A shape check on one credential field. {@link #problem} answers the expected shape in words, never the value.
 * Checks are data: {@link Providers} composes them; no provider needs code of its own.
 */
@FunctionalInterface
public interface FieldCheck {

    /** Empty when {@code value} has the expected shape, else a description of the expected shape. */
    Optional<String> problem(String value);

    /** Accepts any non-empty value. */
    FieldCheck ANY = v -> Optional.empty();

    static FieldCheck matching(String regex, String shape) {
        Pattern p = Pattern.compile(regex);
        return v -> p.matcher(v).matches() ? Optional.empty() : Optional.of(shape);
    }

    static FieldCheck digits() {
        return matching("[0-9]{1,32}", "digits only");
    }

    static FieldCheck startsWith(String... prefixes) {
        String shape = "a value starting with " + String.join(", ", Arrays.stream(prefixes).map(p -> "'" + p + "'").toList());
        return v -> Arrays.stream(prefixes).anyMatch(p -> v.startsWith(p) && v.length() > p.length())
                ? Optional.empty() : Optional.of(shape);
    }

    static FieldCheck oneOf(String... allowed) {
        List<String> values = List.of(allowed);
        return v -> values.contains(v) ? Optional.empty() : Optional.of("one of " + String.join(", ", values));
    }

    /** An absolute https:// URL with a host. */
    static FieldCheck httpsUrl() {
        return v -> {
            try {
                URI u = new URI(v);
                return "https".equals(u.getScheme()) && u.getHost() != null && !u.getHost().isEmpty()
                        ? Optional.empty() : Optional.of("an https URL (https://host...)");
            } catch (URISyntaxException e) {
                return Optional.of("an https URL (https://host...)");
            }
        };
    }

    /** A PEM private key block. */
    static FieldCheck pemPrivateKey() {
        return matching("(?s)\\s*-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----\\s+[A-Za-z0-9+/=\\s:,-]+-----END ([A-Z0-9]+ )*PRIVATE KEY-----\\s*",
                "a PEM private key block (-----BEGIN ... PRIVATE KEY-----)");
    }

    /** Runs {@code rejectIf} first: a value it matches is refused with its own, more helpful message. */
    default FieldCheck refusing(Predicate<String> rejectIf, String message) {
        FieldCheck main = this;
        return v -> rejectIf.test(v) ? Optional.of(message) : main.problem(v);
    }
}
