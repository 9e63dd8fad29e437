package com.liftos.security.vault;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One platform's credential declaration: the fields it knows, which are required, the alternative credential
 * sets of which exactly one must be given (empty when the provider has a single set), and a shape check per field.
 *
 * @param fields       every known field and its check, in declaration order
 * @param required     always required
 * @param alternatives "either ... or ...": exactly one set must be complete, and no field of another set present
 */
public record Provider(String id, String platform, int tier, Map<String, FieldCheck> fields, List<String> required,
                       List<Set<String>> alternatives) {
    static final int MAX_VALUE_CHARS = 16_384;

    public Provider {
        fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        required = List.copyOf(required);
        alternatives = alternatives.stream().map(s -> (Set<String>) java.util.Collections.unmodifiableSet(new LinkedHashSet<>(s))).toList();
        for (String r : required) {
            if (!fields.containsKey(r)) {
                throw new IllegalArgumentException(id + ": required field without declaration: " + r);
            }
        }
    }

    public Set<String> optional() {
        Set<String> all = new LinkedHashSet<>(fields.keySet());
        required.forEach(all::remove);
        alternatives.forEach(all::removeAll);
        return all;
    }

    /**
     * Every problem with {@code values}, one line each, naming the field and the expected shape, never a value.
     * Field names the caller sent are shown only when they look like field names.
     */
    public List<String> validate(Map<String, String> values) {
        List<String> problems = new ArrayList<>();
        for (String name : values.keySet()) {
            if (!fields.containsKey(name)) {
                problems.add("unknown field '" + safeName(name) + "' for provider " + id + " (allowed: "
                        + String.join(", ", fields.keySet()) + ")");
            }
        }
        for (String r : required) {
            if (!values.containsKey(r)) {
                problems.add("missing required field '" + r + "'");
            }
        }
        if (!alternatives.isEmpty()) {
            List<Set<String>> complete = alternatives.stream().filter(values.keySet()::containsAll).toList();
            boolean mixed = complete.size() == 1 && alternatives.stream().filter(s -> s != complete.get(0))
                    .flatMap(Set::stream).anyMatch(f -> values.containsKey(f) && !complete.get(0).contains(f));
            if (complete.size() != 1 || mixed) {
                problems.add("provide either " + String.join(", or ", alternatives.stream()
                        .map(s -> String.join(" + ", s)).toList()) + " (exactly one set)");
            }
        }
        values.forEach((name, value) -> {
            FieldCheck check = fields.get(name);
            if (check == null) {
                return;
            }
            if (value == null || value.isBlank()) {
                problems.add("field '" + name + "' must not be empty");
            } else if (value.length() > MAX_VALUE_CHARS) {
                problems.add("field '" + name + "' is longer than " + MAX_VALUE_CHARS + " characters");
            } else if (value.chars().anyMatch(ch -> ch < 0x20 && ch != '\n' && ch != '\r' && ch != '\t' || ch == 0x7f)) {
                problems.add("field '" + name + "' contains control characters");
            } else {
                check.problem(value).ifPresent(shape -> problems.add("field '" + name + "' must be " + shape));
            }
        });
        return problems;
    }

    /**
     * A caller-sent field name, shown only when it looks like a field name (lowercase snake case, short): a value
     * pasted where a name belongs is never echoed.
     */
    static String safeName(String name) {
        return name.matches("[a-z][a-z0-9_]{0,39}") ? name : "<not a field name>";
    }

    /** Declarative construction used by {@link Providers}. */
    static Builder declare(String id, int tier, String platform) {
        return new Builder(id, tier, platform);
    }

    static final class Builder {
        private final String id;
        private final int tier;
        private final String platform;
        private final Map<String, FieldCheck> fields = new LinkedHashMap<>();
        private final List<String> required = new ArrayList<>();
        private final List<Set<String>> alternatives = new ArrayList<>();

        private Builder(String id, int tier, String platform) {
            this.id = id;
            this.tier = tier;
            this.platform = platform;
        }

        Builder required(String name) { return required(name, FieldCheck.ANY); }

        Builder required(String name, FieldCheck check) {
            fields.put(name, check);
            required.add(name);
            return this;
        }

        Builder optional(String name) { return optional(name, FieldCheck.ANY); }

        Builder optional(String name, FieldCheck check) {
            fields.put(name, check);
            return this;
        }

        /** A field that belongs to one of the alternative sets (declare the sets with {@link #either}). */
        Builder alternative(String name, FieldCheck check) {
            fields.put(name, check);
            return this;
        }

        Builder alternative(String name) { return alternative(name, FieldCheck.ANY); }

        @SafeVarargs
        final Builder either(Set<String>... sets) {
            alternatives.addAll(List.of(sets));
            return this;
        }

        Provider build() {
            return new Provider(id, platform, tier, fields, required, alternatives);
        }
    }
}
