package com.liftos.security.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProvidersTest {

    @Test
    void declaresExactlyTheSixteenPlatforms() {
        assertThat(Providers.ids()).containsExactly("meta", "google_ads", "klaviyo", "shopify", "woocommerce",
                "amazon_seller_central", "hubspot", "salesforce", "stripe", "paypal", "tiktok", "linkedin", "x_ads",
                "snowflake", "databricks", "zoho");
        assertThat(ProviderSamples.VALID.keySet()).containsExactlyElementsOf(Providers.ids());
    }

    @Test
    void validSampleOfEveryProviderPasses() {
        ProviderSamples.VALID.forEach((id, fields) ->
                assertThat(Providers.find(id).orElseThrow().validate(fields)).as(id).isEmpty());
    }

    @Test
    void badShapeOfEveryProviderNamesFieldAndShapeButNeverTheValue() {
        ProviderSamples.BAD.forEach((id, bad) -> {
            List<String> problems = Providers.find(id).orElseThrow().validate(ProviderSamples.badFor(id));
            assertThat(problems).as(id).hasSize(1);
            assertThat(problems.get(0)).as(id).contains("'" + bad.field() + "'").contains(bad.expectedShapeFragment())
                    .doesNotContain(bad.value());
        });
    }

    @Test
    void unknownAndMissingFieldsAreRefusedByName() {
        Map<String, String> m = new HashMap<>(ProviderSamples.VALID.get("meta"));
        m.remove("app_id");
        m.put("password", "hunter2-secret");
        List<String> problems = Providers.find("meta").orElseThrow().validate(m);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("unknown field 'password'"))
                .anySatisfy(p -> assertThat(p).contains("missing required field 'app_id'"));
        assertThat(String.join(" ", problems)).doesNotContain("hunter2");
    }

    @Test
    void eitherOrSetsNeedExactlyOneCompleteSet() {
        Provider hubspot = Providers.find("hubspot").orElseThrow();
        assertThat(hubspot.validate(Map.of("client_id", "a", "client_secret", "b", "refresh_token", "c"))).isEmpty();
        assertThat(hubspot.validate(Map.of("client_id", "a", "client_secret", "b"))).singleElement().asString().contains("provide either");
        assertThat(hubspot.validate(Map.of("access_token", "pat-x", "client_id", "a"))).singleElement().asString().contains("exactly one set");
        assertThat(hubspot.validate(Map.of())).isNotEmpty();
        Provider snowflake = Providers.find("snowflake").orElseThrow();
        assertThat(snowflake.validate(Map.of("account", "a", "user", "u", "password", "pw-long"))).isEmpty();
        assertThat(snowflake.validate(Map.of("account", "a", "user", "u"))).isNotEmpty();
        assertThat(snowflake.validate(Map.of("account", "a", "user", "u", "password", "p", "private_key", ProviderSamples.PEM))).isNotEmpty();
    }

    @Test
    void specificMessagesForCommonMistakes() {
        assertThat(Providers.find("klaviyo").orElseThrow().validate(Map.of("api_key", "AbC123")).get(0)).contains("public site id");
        assertThat(Providers.find("stripe").orElseThrow().validate(Map.of("secret_key", "pk_live_x")).get(0)).contains("publishable key");
        assertThat(Providers.find("google_ads").orElseThrow().validate(Map.of("developer_token", "d", "client_id", "x.apps.googleusercontent.com",
                "client_secret", "s", "refresh_token", "r", "login_customer_id", "12345"))).singleElement().asString().contains("10 digits");
    }

    @Test
    void emptyAndControlCharacterValuesAreRefused() {
        Provider p = Providers.find("klaviyo").orElseThrow();
        assertThat(p.validate(Map.of("api_key", " "))).singleElement().asString().contains("must not be empty");
        assertThat(p.validate(Map.of("api_key", "pk_a\u0000b"))).singleElement().asString().contains("control characters");
    }
}
