package com.liftos.security.audit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Set;

/**
 * Prometheus counters fed by written events. Labels are bounded enumerations only — event type, category,
 * success, risk level, and a provider id from the fixed list of supported platforms ("other" otherwise) —
 * never an organization, user, key name or any free text.
 */
public final class AuditMetrics implements SecurityEventListener {
    /** The supported platforms (shared/providers.md); anything else is counted as "other". */
    static final Set<String> PROVIDERS = Set.of("meta", "google_ads", "klaviyo", "shopify", "woocommerce",
            "amazon_seller_central", "hubspot", "salesforce", "stripe", "paypal", "tiktok", "linkedin", "x_ads",
            "snowflake", "databricks", "zoho");

    private final MeterRegistry registry;

    public AuditMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onEvent(SecurityEvent e) {
        EventCategory category = EventCategory.of(e.type());
        String success = Boolean.toString(e.success());
        Counter.builder("liftos_security_events").description("Security events recorded, by type, category, success and risk level")
                .tag("type", e.type().wire()).tag("category", category.wire()).tag("success", success)
                .tag("risk_level", e.riskLevel().wire()).register(registry).increment();
        if (category == EventCategory.AUTHENTICATION) {
            Counter.builder("liftos_auth_events").description("Authentication events by type and success")
                    .tag("type", e.type().wire()).tag("success", success).register(registry).increment();
        }
        if (category == EventCategory.API_KEY) {
            Counter.builder("liftos_api_key_usage").description("Vault credential events by provider, type and success")
                    .tag("provider", provider(e.details().get("provider"))).tag("type", e.type().wire())
                    .tag("success", success).register(registry).increment();
        }
    }

    static String provider(Object value) {
        if (value instanceof String s) {
            String p = s.toLowerCase(Locale.ROOT);
            if (PROVIDERS.contains(p)) {
                return p;
            }
        }
        return "other";
    }
}
