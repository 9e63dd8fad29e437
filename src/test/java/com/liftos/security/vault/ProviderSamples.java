package com.liftos.security.vault;

import java.util.LinkedHashMap;
import java.util.Map;

/** A valid credential and one badly shaped field per provider (bad values carry {@link #MARK}, never to be echoed). */
final class ProviderSamples {
    static final String MARK = "Zq9canary";
    static final String HEX32 = "0123456789abcdef0123456789abcdef";
    static final String HEX40 = "0123456789abcdef0123456789abcdef01234567";
    static final String PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n";

    record Bad(String field, String value, String expectedShapeFragment) {}

    static final Map<String, Map<String, String>> VALID = new LinkedHashMap<>();
    static final Map<String, Bad> BAD = new LinkedHashMap<>();

    static {
        VALID.put("meta", Map.of("access_token", "EAABsbCS1iHgBAKZ", "app_id", "1234567890", "app_secret", HEX32, "ad_account_id", "act_1234"));
        BAD.put("meta", new Bad("app_secret", MARK + "-nothex", "32 hexadecimal"));
        VALID.put("google_ads", Map.of("developer_token", "dev-TOKEN-1", "client_id", "123-abc.apps.googleusercontent.com",
                "client_secret", "GOCSPX-secret", "refresh_token", "1//0gRefresh", "login_customer_id", "123-456-7890"));
        BAD.put("google_ads", new Bad("client_id", MARK + ".example.com", ".apps.googleusercontent.com"));
        VALID.put("klaviyo", Map.of("api_key", "pk_live_abc123def456"));
        BAD.put("klaviyo", new Bad("api_key", "AbC123", "private key is needed"));
        VALID.put("shopify", Map.of("shop_domain", "acme-store.myshopify.com", "access_token", "shpat_abcdef0123", "api_version", "2024-01"));
        BAD.put("shopify", new Bad("shop_domain", MARK + ".com", "<name>.myshopify.com"));
        VALID.put("woocommerce", Map.of("store_url", "https://shop.example.com", "consumer_key", "ck_" + HEX40, "consumer_secret", "cs_" + HEX40));
        BAD.put("woocommerce", new Bad("consumer_key", "ck_" + MARK, "'ck_' followed by 40 hexadecimal"));
        VALID.put("amazon_seller_central", Map.of("refresh_token", "Atzr|IwEBIA-refresh", "lwa_client_id", "amzn1.application-oa2-client.abc123",
                "lwa_client_secret", "lwa-secret", "region", "eu", "marketplace_ids", "A1PA6795UKMFR9"));
        BAD.put("amazon_seller_central", new Bad("region", MARK, "one of na, eu, fe"));
        VALID.put("hubspot", Map.of("access_token", "pat-na1-11111111-2222", "portal_id", "12345"));
        BAD.put("hubspot", new Bad("access_token", MARK, "'pat-'"));
        VALID.put("salesforce", Map.of("instance_url", "https://acme.my.salesforce.com", "client_id", "3MVG9", "client_secret", "sf-secret",
                "refresh_token", "5Aep861"));
        BAD.put("salesforce", new Bad("instance_url", "http://" + MARK + ".example.com", "https URL"));
        VALID.put("stripe", Map.of("secret_key", "sk_test_51Habc", "webhook_secret", "whsec_abc", "account_id", "acct_123"));
        BAD.put("stripe", new Bad("secret_key", "pk_test_" + MARK, "secret or restricted key is needed"));
        VALID.put("paypal", Map.of("client_id", "AYSq3RDGsmBLJE", "client_secret", "EGnHDxD_qRPdaLdZ", "environment", "sandbox"));
        BAD.put("paypal", new Bad("environment", MARK, "sandbox, live"));
        VALID.put("tiktok", Map.of("access_token", "act.tiktok", "app_id", "7012345678", "secret", "tt-secret", "advertiser_id", "6912345678"));
        BAD.put("tiktok", new Bad("advertiser_id", MARK, "digits only"));
        VALID.put("linkedin", Map.of("access_token", "AQXdSP_li", "ad_account_id", "urn:li:sponsoredAccount:507404993"));
        BAD.put("linkedin", new Bad("ad_account_id", MARK, "urn:li:sponsoredAccount:"));
        VALID.put("x_ads", Map.of("consumer_key", "xvz1evFS4wEEPTGEFPHBog", "consumer_secret", "kAcSOqF21Fu85e7zjz7Z",
                "access_token", "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", "access_token_secret", "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
                "ads_account_id", "18ce54d4x5t"));
        BAD.put("x_ads", new Bad("access_token", MARK, "<digits>-<characters>"));
        VALID.put("snowflake", Map.of("account", "xy12345.eu-west-1", "user", "LOADER", "private_key", PEM, "warehouse", "COMPUTE_WH"));
        BAD.put("snowflake", new Bad("private_key", MARK, "PEM private key"));
        VALID.put("databricks", Map.of("host", "https://dbc-a1b2c3d4.cloud.databricks.com", "token", "dapi0123456789abcdef", "http_path", "/sql/1.0/warehouses/abc"));
        BAD.put("databricks", new Bad("token", MARK, "'dapi'"));
        VALID.put("zoho", Map.of("client_id", "1000.ABCDEF", "client_secret", "zoho-secret", "refresh_token", "1000.refresh", "data_center", "com.au"));
        BAD.put("zoho", new Bad("data_center", MARK, "one of com, eu"));
    }

    static Map<String, String> badFor(String provider) {
        Map<String, String> m = new LinkedHashMap<>(VALID.get(provider));
        Bad b = BAD.get(provider);
        m.put(b.field(), b.value());
        return m;
    }

    private ProviderSamples() {}
}
