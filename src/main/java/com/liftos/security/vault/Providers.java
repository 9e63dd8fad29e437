package com.liftos.security.vault;

import static com.liftos.security.vault.FieldCheck.digits;
import static com.liftos.security.vault.FieldCheck.httpsUrl;
import static com.liftos.security.vault.FieldCheck.matching;
import static com.liftos.security.vault.FieldCheck.oneOf;
import static com.liftos.security.vault.FieldCheck.startsWith;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The platforms the vault knows, declared as data, as the providers specification (shared/providers.md, kept
 * beside the repository) lists them; {@code docs/features/vault.md} summarizes it. Adding a provider is one more
 * entry in {@link #ALL}; validation, storage and the HTTP API need no change.
 */
public final class Providers {
    private static final FieldCheck HEX40 = matching("[0-9a-fA-F]{40}", "40 hexadecimal characters");

    public static final List<Provider> ALL = List.of(
            // Tier 1: core marketing
            Provider.declare("meta", 1, "Meta Business API (Facebook/Instagram Ads)")
                    .required("access_token")
                    .required("app_id", digits())
                    .required("app_secret", matching("[0-9a-fA-F]{32}", "32 hexadecimal characters"))
                    .optional("ad_account_id", matching("act_[0-9]{1,32}", "'act_' followed by digits"))
                    .optional("business_id")
                    .build(),
            Provider.declare("google_ads", 1, "Google Ads API")
                    .required("developer_token")
                    .required("client_id", matching("[A-Za-z0-9._-]+\\.apps\\.googleusercontent\\.com",
                            "a client id ending with .apps.googleusercontent.com"))
                    .required("client_secret")
                    .required("refresh_token")
                    .optional("login_customer_id", matching("(?=(?:-*[0-9]){10}-*$)[0-9][0-9-]*[0-9]",
                            "10 digits, dashes allowed (123-456-7890)"))
                    .build(),
            Provider.declare("klaviyo", 1, "Klaviyo")
                    .required("api_key", startsWith("pk_")
                            .refusing(v -> v.matches("[A-Za-z0-9]{6}"),
                                    "a private API key starting with 'pk_': this looks like a 6-character public site id, and a private key is needed"))
                    .build(),
            // Tier 2: e-commerce and CRM
            Provider.declare("shopify", 2, "Shopify")
                    .required("shop_domain", matching("[A-Za-z0-9][A-Za-z0-9-]*\\.myshopify\\.com", "<name>.myshopify.com"))
                    .required("access_token", startsWith("shpat_", "shpca_", "shppa_"))
                    .optional("api_version")
                    .build(),
            Provider.declare("woocommerce", 2, "WooCommerce")
                    .required("store_url", httpsUrl())
                    .required("consumer_key", matching("ck_[0-9a-fA-F]{40}", "'ck_' followed by 40 hexadecimal characters"))
                    .required("consumer_secret", matching("cs_[0-9a-fA-F]{40}", "'cs_' followed by 40 hexadecimal characters"))
                    .build(),
            Provider.declare("amazon_seller_central", 2, "Amazon Seller Central (SP-API)")
                    .required("refresh_token", startsWith("Atzr|"))
                    .required("lwa_client_id", startsWith("amzn1.application-oa2-client."))
                    .required("lwa_client_secret")
                    .required("region", oneOf("na", "eu", "fe"))
                    .optional("seller_id")
                    .optional("marketplace_ids")
                    .build(),
            Provider.declare("hubspot", 2, "HubSpot CRM")
                    .alternative("access_token", startsWith("pat-"))
                    .alternative("client_id")
                    .alternative("client_secret")
                    .alternative("refresh_token")
                    .either(Set.of("access_token"), orderedSet("client_id", "client_secret", "refresh_token"))
                    .optional("portal_id")
                    .build(),
            Provider.declare("salesforce", 2, "Salesforce CRM")
                    .required("instance_url", httpsUrl())
                    .required("client_id")
                    .required("client_secret")
                    .required("refresh_token")
                    .optional("api_version")
                    .build(),
            // Tier 3: payments and social
            Provider.declare("stripe", 3, "Stripe")
                    .required("secret_key", startsWith("sk_live_", "sk_test_", "rk_live_", "rk_test_")
                            .refusing(v -> v.startsWith("pk_"),
                                    "a secret or restricted key (sk_live_, sk_test_, rk_live_, rk_test_): a publishable key (pk_...) cannot be used, a secret or restricted key is needed"))
                    .optional("account_id", startsWith("acct_"))
                    .optional("webhook_secret", startsWith("whsec_"))
                    .build(),
            Provider.declare("paypal", 3, "PayPal")
                    .required("client_id")
                    .required("client_secret")
                    .required("environment", oneOf("sandbox", "live"))
                    .optional("merchant_id")
                    .build(),
            Provider.declare("tiktok", 3, "TikTok for Business")
                    .required("access_token")
                    .required("app_id", digits())
                    .required("secret")
                    .required("advertiser_id", digits())
                    .build(),
            Provider.declare("linkedin", 3, "LinkedIn Ads")
                    .required("access_token")
                    .required("ad_account_id", matching("(urn:li:sponsoredAccount:)?[0-9]{1,32}",
                            "digits, or 'urn:li:sponsoredAccount:' followed by digits"))
                    .optional("client_id")
                    .optional("client_secret")
                    .optional("refresh_token")
                    .build(),
            Provider.declare("x_ads", 3, "X (Twitter) Ads")
                    .required("consumer_key")
                    .required("consumer_secret")
                    .required("access_token", matching("[0-9]{1,32}-\\S+", "<digits>-<characters>"))
                    .required("access_token_secret")
                    .required("ads_account_id")
                    .build(),
            // Tier 4: data and analytics
            Provider.declare("snowflake", 4, "Snowflake")
                    .required("account")
                    .required("user")
                    .alternative("private_key", FieldCheck.pemPrivateKey())
                    .alternative("password")
                    .either(Set.of("private_key"), Set.of("password"))
                    .optional("warehouse")
                    .optional("database")
                    .optional("role")
                    .optional("schema")
                    .build(),
            Provider.declare("databricks", 4, "Databricks")
                    .required("host", httpsUrl())
                    .required("token", startsWith("dapi"))
                    .optional("http_path")
                    .optional("cluster_id")
                    .build(),
            Provider.declare("zoho", 4, "Zoho CRM")
                    .required("client_id", startsWith("1000."))
                    .required("client_secret")
                    .required("refresh_token")
                    .required("data_center", oneOf("com", "eu", "in", "com.au", "jp", "com.cn", "ca", "sa"))
                    .build());

    private static final Map<String, Provider> BY_ID = index();

    private Providers() {}

    public static Optional<Provider> find(String id) {
        return Optional.ofNullable(BY_ID.get(id));
    }

    public static List<String> ids() {
        return List.copyOf(BY_ID.keySet());
    }

    private static Map<String, Provider> index() {
        Map<String, Provider> m = new LinkedHashMap<>();
        for (Provider p : ALL) {
            if (m.put(p.id(), p) != null) {
                throw new IllegalStateException("duplicate provider " + p.id());
            }
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    private static Set<String> orderedSet(String... names) {
        return new java.util.LinkedHashSet<>(List.of(names));
    }
}
