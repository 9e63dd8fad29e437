package com.liftos.security.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.testing.TestApp;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's files over HTTP, without a browser: its own CSP and the framing headers on every console response
 * (errors included), only the listed files served, gzip and revalidation, and the sources themselves checked for
 * what the CSP would refuse or what would put data into HTML (inline script or style, innerHTML, eval, storage).
 */
class ConsoleRoutesTest {
    static TestApp app;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        app = TestApp.start();
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static List<String> assetNames() throws IOException {
        List<String> names = new ArrayList<>();
        for (String line : resource("console/assets.txt").split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.strip());
            }
        }
        names.add("chart.umd.min.js");
        return names;
    }

    static String resource(String name) throws IOException {
        try (InputStream in = ConsoleRoutesTest.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(app.baseUrl() + path));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void everyConsoleResponseCarriesTheConsolesPolicyAndRefusesFraming() throws Exception {
        List<String> paths = new ArrayList<>(List.of("/console", "/console/invite?token=abc", "/console/reset-password", "/console/confirm-email"));
        assetNames().forEach(n -> paths.add("/console/assets/" + n));
        for (String path : paths) {
            HttpResponse<byte[]> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Security-Policy")).as(path).hasValue(ConsoleRoutes.CSP);
            assertThat(r.headers().firstValue("X-Frame-Options")).as(path).hasValue("DENY");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).as(path).hasValue("nosniff");
            assertThat(r.headers().firstValue("Content-Type").orElseThrow()).as(path)
                    .matches(path.contains("/assets/") ? "text/(javascript|css); ?charset=utf-8" : "text/html; ?charset=utf-8");
        }
        assertThat(ConsoleRoutes.CSP).contains("frame-ancestors 'none'", "script-src 'self'", "style-src 'self'")
                .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
        // the page is never cached; the API keeps its own stricter policy
        assertThat(get("/console").headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(get("/health").headers().firstValue("Content-Security-Policy").orElseThrow()).startsWith("default-src 'none'")
                .doesNotContain("script-src");
    }

    @Test
    void onlyTheListedFilesAreServedAndNamesCannotWalkOut() throws Exception {
        for (String path : List.of("/console/assets/nope.js", "/console/assets/..%2Fassets.txt", "/console/assets/index.html",
                "/console/assets/assets.txt", "/console/assets/%2e%2e%2f%2e%2e%2fMETA-INF%2fMANIFEST.MF", "/console/assets/App.js")) {
            HttpResponse<byte[]> r = get(path);
            assertThat(r.statusCode()).as(path).isIn(400, 404);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).as(path).contains("\"error\"");
        }
        HttpResponse<byte[]> missing = get("/console/assets/nope.js");
        assertThat(missing.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(missing.headers().firstValue("Content-Security-Policy")).isPresent();
    }

    @Test
    void filesAreGzippedWhenAskedAndRevalidatedByTheirETag() throws Exception {
        HttpResponse<byte[]> plain = get("/console/assets/chart.umd.min.js");
        HttpResponse<byte[]> zipped = get("/console/assets/chart.umd.min.js", "Accept-Encoding", "gzip");
        assertThat(zipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(zipped.body().length).isLessThan(plain.body().length / 2);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(zipped.body()))) {
            assertThat(in.readAllBytes()).isEqualTo(plain.body());
        }
        String etag = plain.headers().firstValue("ETag").orElseThrow();
        assertThat(plain.headers().firstValue("Cache-Control")).hasValue("no-cache");
        HttpResponse<byte[]> again = get("/console/assets/chart.umd.min.js", "If-None-Match", etag);
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(get("/console/assets/chart.umd.min.js", "If-None-Match", "\"other\"").statusCode()).isEqualTo(200);
    }

    /** What the CSP would refuse, and what would turn stored data into markup, is absent from the sources. */
    @Test
    void theSourcesHaveNoInlineCodeNoHtmlSinksNoEvalAndNoStorage() throws Exception {
        String page = resource("console/index.html");
        Matcher scripts = Pattern.compile("<script\\b([^>]*)>", Pattern.CASE_INSENSITIVE).matcher(page);
        int count = 0;
        while (scripts.find()) {
            count++;
            assertThat(scripts.group(1)).as("every script has a src").contains("src=\"/console/assets/");
        }
        assertThat(count).isEqualTo(1);
        assertThat(page).doesNotContainIgnoringCase("<style").doesNotContainIgnoringCase(" style=")
                .doesNotContainPattern("(?i)\\son[a-z]+=");
        for (String name : assetNames()) {
            if (!name.endsWith(".js") || name.equals("chart.umd.min.js")) {
                continue;
            }
            String js = resource("console/" + name);
            assertThat(js).as(name).doesNotContain("innerHTML").doesNotContain("outerHTML").doesNotContain("insertAdjacentHTML")
                    .doesNotContain("document.write").doesNotContain("eval(").doesNotContain("new Function")
                    .doesNotContain("localStorage").doesNotContain("sessionStorage").doesNotContain("document.cookie")
                    .doesNotContain("http://").doesNotContain("https://");
        }
        String css = resource("console/console.css");
        assertThat(css).doesNotContain("@import").doesNotContain("url(http");
    }
}
