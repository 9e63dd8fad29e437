package com.liftos.security.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Splits an event's details into the hashed part and the erasable personal part, and redacts secrets.
 *
 * <p>Personal keys (an email, an IP address, a name...) are stored apart so the privacy feature can erase them
 * without breaking the chain. Secret-looking keys (password, token, secret, api_key, code...) never reach storage:
 * their value is replaced by {@value #REDACTED}; callers must not send them, this is the safety net.
 */
final class DetailsPolicy {
    static final String REDACTED = "[redacted]";

    private static final Set<String> PERSONAL_KEYS = Set.of("email", "new_email", "old_email", "target_email",
            "username", "display_name", "name", "full_name", "phone", "phone_number", "ip", "ip_address", "client_ip",
            "source_ip", "user_agent", "location", "geo", "country", "city", "device", "device_name", "device_fingerprint",
            "network_prefix");
    private static final Set<String> SECRET_KEYS = Set.of("password", "secret", "token", "api_key", "apikey", "otp",
            "code", "totp", "totp_code", "mfa_code", "private_key", "credential", "credentials", "credential_value",
            "authorization", "cookie", "session_token", "access_token", "refresh_token", "client_secret", "key_value",
            "recovery_code", "backup_code", "master_key", "api_key_value");

    /** The stored forms: canonical JSON texts ({@code personalText} null when there is no personal detail). */
    record Split(String detailsText, String personalText) {}

    private final ObjectMapper canonical = new ObjectMapper()
            .registerModule(new Jdk8Module())
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    Split split(Map<String, Object> details) {
        Map<String, Object> plain = new TreeMap<>();
        Map<String, Object> personal = new TreeMap<>();
        details.forEach((key, value) -> {
            String k = key.toLowerCase(Locale.ROOT);
            if (isSecret(k) && !isStructureNamedLikeASecret(k, value)) {
                plain.put(key, REDACTED);
            } else if (PERSONAL_KEYS.contains(k)) {
                personal.put(key, value);
            } else {
                plain.put(key, value);
            }
        });
        return new Split(text(plain), personal.isEmpty() ? null : text(personal));
    }

    /**
     * A map or list under a key such as {@code password_policy} is a structure, not a secret: it is kept and its
     * own keys are checked. Keys that name a secret exactly ({@code credentials}, {@code password}) are redacted whole.
     */
    static boolean isStructureNamedLikeASecret(String lowerKey, Object value) {
        return !SECRET_KEYS.contains(lowerKey) && (value instanceof Map<?, ?> || value instanceof java.util.Collection<?>);
    }

    static boolean isSecret(String lowerKey) {
        return SECRET_KEYS.contains(lowerKey) || lowerKey.contains("secret") || lowerKey.contains("password")
                || lowerKey.contains("passphrase") || lowerKey.endsWith("_token") || lowerKey.endsWith("private_key")
                || lowerKey.endsWith("access_key") || lowerKey.endsWith("signing_key") || lowerKey.endsWith("encryption_key");
    }

    private String text(Map<String, Object> values) {
        try {
            JsonNode tree = canonical.valueToTree(values);
            redactNested(tree);
            String s = canonical.writeValueAsString(canonical.treeToValue(tree, Object.class));
            // PostgreSQL's jsonb refuses \u0000; such a character carries no audit meaning.
            return s.contains("\\u0000") ? canonical.writeValueAsString(withoutNul(tree)) : s;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new IllegalArgumentException("audit details are not serializable to JSON");
        }
    }

    /** Secret keys nested in objects are redacted too. */
    private static void redactNested(JsonNode node) {
        if (node instanceof ObjectNode obj) {
            Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String k = e.getKey().toLowerCase(Locale.ROOT);
                if (isSecret(k) && (SECRET_KEYS.contains(k) || !e.getValue().isContainerNode())) {
                    e.setValue(TextNode.valueOf(REDACTED));
                } else {
                    redactNested(e.getValue());
                }
            }
        } else if (node != null && node.isArray()) {
            node.forEach(DetailsPolicy::redactNested);
        }
    }

    private Object withoutNul(JsonNode tree) throws JsonProcessingException {
        String replaced = canonical.writeValueAsString(tree).replace("\\u0000", "\\uFFFD");
        return canonical.readValue(replaced, Object.class);
    }
}
