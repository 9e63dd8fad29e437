package com.liftos.security.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.liftos.security.config.ConfigException;
import com.liftos.security.connection.ProviderCatalogue.AuthMode;
import com.liftos.security.connection.ProviderCatalogue.ProviderSpec;
import com.liftos.security.testing.TestApp;
import com.liftos.security.vault.Providers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The bundled catalogue covers the vault's 16 platforms coherently; a bad catalogue stops the start with one line. */
class ProviderCatalogueTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theBundledCatalogueCoversEveryPlatformOfTheVault() {
        ProviderCatalogue catalogue = ProviderCatalogue.load(Optional.empty(), JSON);
        assertThat(catalogue.ids()).containsExactlyInAnyOrderElementsOf(Providers.ids()).hasSize(16);
        for (String id : catalogue.ids()) {
            ProviderSpec p = catalogue.find(id).orElseThrow();
            if (p.primaryMode().code()) {
                assertThat(p.tokenUrl()).as(id).isPresent();
                assertThat(p.defaultExpiry()).as(id).isPresent();
            }
        }
        ProviderSpec shopify = catalogue.find("shopify").orElseThrow();
        assertThat(shopify.rotatesRefreshToken()).isTrue();
        assertThat(shopify.fill(shopify.tokenUrl().orElseThrow(), Map.of("shop", "acme.myshopify.com")))
                .isEqualTo("https://acme.myshopify.com/admin/oauth/access_token");
        assertThat(shopify.params().get("shop").substitute("evil.example/x?")).isEmpty();
        ProviderSpec zoho = catalogue.find("zoho").orElseThrow();
        assertThat(zoho.fill(zoho.tokenUrl().orElseThrow(), Map.of("data_center", "eu"))).isEqualTo("https://accounts.zoho.eu/oauth/v2/token");
        assertThat(zoho.params().get("data_center").substitute("evil.com")).isEmpty();
        assertThat(catalogue.find("snowflake").orElseThrow().authModes()).contains(AuthMode.OAUTH2_CODE_PKCE, AuthMode.JWT_KEY_PAIR);
        assertThat(catalogue.find("x_ads").orElseThrow().primaryMode()).isEqualTo(AuthMode.OAUTH1A);
        assertThat(catalogue.find("salesforce").orElseThrow().keepMetadata()).contains("instance_url");
        assertThat(catalogue.find("google_ads").orElseThrow().extraHeaders()).contains("developer-token");
        assertThat(zoho.refreshLimit()).contains(new ProviderCatalogue.RateLimit(10, java.time.Duration.ofMinutes(10)));
        assertThat(catalogue.find("paypal").orElseThrow().primaryMode()).isEqualTo(AuthMode.CLIENT_CREDENTIALS);
        assertThat(catalogue.find("x_ads").orElseThrow().requestTokenUrl()).isPresent();
    }

    @Test
    void eachMistakeIsRefusedWithOneLineNamingProviderAndMember() {
        String good = """
                {"name": "P", "auth_modes": ["oauth2_code_pkce"], "authorize_url": "https://p.example/a", "token_url": "https://p.example/t",
                 "refresh": "refresh_token", "rotates_refresh_token": false, "default_expires_in_seconds": 3600}""";
        assertThat(parse(good).find("pp")).isPresent();
        refused(good.replace("\"name\"", "\"nmae\""), "provider pp: unknown member nmae");
        refused(good.replace("https://p.example/t", "http://p.example/t"), "provider pp: token_url must be an https URL");
        refused(good.replace("https://p.example/t", "https://{shop}/t"), "token_url names {shop}, which connection_params does not declare");
        refused(good.replace(", \"default_expires_in_seconds\": 3600", ""), "default_expires_in_seconds is required");
        refused(good.replace("\"rotates_refresh_token\": false", "\"rotates_refresh_token\": \"no\""), "rotates_refresh_token must be true or false");
        refused(good.replace("oauth2_code_pkce", "oauth3"), "auth_modes: unknown mode oauth3");
        refused(good.replace("}", ", \"keep_metadata\": [\"refresh_token\"]}"), "keep_metadata: refresh_token is not a keepable member");
        assertThat(parse(good.replace("}", ", \"refresh_rate_limit\": {\"max\": 10, \"per_seconds\": 600}}")).find("pp").orElseThrow()
                .refreshLimit()).isPresent();
        refused(good.replace("}", ", \"refresh_rate_limit\": {\"max\": 0, \"per_seconds\": 600}}"), "refresh_rate_limit must be");
        refused(good.replace("}", ", \"refresh_rate_limit\": {\"max\": 10}}"), "refresh_rate_limit must be");
        refused(good.replace("}", ", \"refresh_rate_limit\": {\"max\": 10, \"per_seconds\": \"600\"}}"), "refresh_rate_limit must be");
        assertThatThrownBy(() -> ProviderCatalogue.parse("{\"format\": \"v0\", \"providers\": {}}".getBytes(StandardCharsets.UTF_8), "f", JSON))
                .isInstanceOf(ConfigException.class).hasMessageContaining("format must be");
        assertThatThrownBy(() -> ProviderCatalogue.parse("not json".getBytes(StandardCharsets.UTF_8), "f", JSON))
                .isInstanceOf(ConfigException.class).hasMessage("connection providers (f): not JSON");
    }

    @Test
    void aBadCatalogueFileStopsTheStart() throws Exception {
        Path file = Files.createTempFile("providers", ".json");
        Files.writeString(file, "{\"format\": \"liftos.connection.providers/1\", \"providers\": {\"p\": {\"name\": \"P\"}}}");
        assertThatThrownBy(() -> TestApp.start(Map.of("LIFTOS_CONNECTION_PROVIDERS_FILE", file.toString())))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("connection providers (" + file + "): provider p:")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    private static ProviderCatalogue parse(String provider) {
        String doc = "{\"format\": \"liftos.connection.providers/1\", \"providers\": {\"pp\": " + provider + "}}";
        return ProviderCatalogue.parse(doc.getBytes(StandardCharsets.UTF_8), "test", JSON);
    }

    private static void refused(String provider, String message) {
        assertThatThrownBy(() -> parse(provider)).isInstanceOf(ConfigException.class).hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
