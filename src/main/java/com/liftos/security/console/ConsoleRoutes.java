package com.liftos.security.console;

import com.liftos.security.http.Access;
import com.liftos.security.http.ApiException;
import com.liftos.security.http.Route;
import com.liftos.security.http.RouteDoc;
import com.liftos.security.http.RouteDoc.Param;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * The admin web console (docs/console.md): one static page and its assets, all built into the jar, served at
 * {@code /console}. The console speaks only the public API (its pages call {@code /v1/...} like any client); this
 * class only serves files. Every console response carries the console's own strict Content-Security-Policy: scripts,
 * styles and connections from this origin only, no inline code, no {@code eval}, no framing.
 *
 * <p>The assets are read once at start from {@code console/} on the class path (their names in
 * {@code console/assets.txt}) plus Chart.js from its webjar, kept with a gzip copy and an ETag; an unknown name is 404.
 * The page's paths ({@code /console}, and the mailed links' {@code /console/invite}, {@code /reset-password},
 * {@code /confirm-email}) all answer the same page, which reads its path.
 */
public final class ConsoleRoutes {
    /** The console's policy; the API keeps its own, stricter one ({@code default-src 'none'}). */
    public static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    static final String CHART_JS = "META-INF/resources/webjars/chart.js/4.5.1/dist/chart.umd.min.js";
    private static final List<String> PAGES = List.of("/console", "/console/invite", "/console/reset-password", "/console/confirm-email");

    record Asset(String contentType, byte[] raw, byte[] gzip, String etag) {}

    private final Asset page;
    private final Map<String, Asset> assets;

    public ConsoleRoutes() {
        ClassLoader loader = ConsoleRoutes.class.getClassLoader();
        this.page = asset("index.html", read(loader, "console/index.html"));
        Map<String, Asset> all = new LinkedHashMap<>();
        for (String line : new String(read(loader, "console/assets.txt"), StandardCharsets.UTF_8).split("\n")) {
            String name = line.strip();
            if (!name.isEmpty() && !name.startsWith("#")) {
                all.put(name, asset(name, read(loader, "console/" + name)));
            }
        }
        all.put("chart.umd.min.js", asset("chart.umd.min.js", read(loader, CHART_JS)));
        this.assets = Map.copyOf(all);
    }

    public List<Route> routes() {
        Access open = Access.open(Access.RateCategory.API);
        List<Route> routes = new java.util.ArrayList<>();
        for (String path : PAGES) {
            routes.add(Route.get(path, open, this::page).doc(RouteDoc.of(path.equals("/console") ? "The admin web console"
                            : "The admin web console at a mailed link's page")
                    .details("A static page (docs/console.md) that uses this API; its own Content-Security-Policy.")
                    .reply(200, "The console's page", "text/html")));
        }
        routes.add(Route.get("/console/assets/{file}", open, this::asset).doc(RouteDoc.of("A file of the admin web console")
                .path(Param.pattern("file", "An asset's name", "^[a-z0-9.-]{1,64}$"))
                .reply(200, "A script", "text/javascript")
                .reply(200, "A style sheet", "text/css")
                .reply(304, "Not modified (If-None-Match)", "")
                .errors(404, "not_found")));
        return List.copyOf(routes);
    }

    private void page(Context ctx) {
        // the page itself is never cached (Cache-Control: no-store, as every response); its assets are revalidated
        send(ctx, page);
    }

    private void asset(Context ctx) {
        Asset a = assets.get(ctx.pathParam("file"));
        if (a == null) {
            throw ApiException.notFound("No such console file");
        }
        ctx.header("Cache-Control", "no-cache");
        ctx.header("ETag", a.etag());
        if (a.etag().equals(ctx.header("If-None-Match"))) {
            ctx.header("Content-Security-Policy", CSP);
            ctx.status(304);
            return;
        }
        send(ctx, a);
    }

    private static void send(Context ctx, Asset a) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("Vary", "Accept-Encoding");
        ctx.contentType(a.contentType());
        String accepted = ctx.header("Accept-Encoding");
        if (accepted != null && accepted.contains("gzip")) {
            ctx.header("Content-Encoding", "gzip");
            ctx.result(a.gzip());
        } else {
            ctx.result(a.raw());
        }
    }

    private static Asset asset(String name, byte[] raw) {
        String type = name.endsWith(".js") ? "text/javascript; charset=utf-8"
                : name.endsWith(".css") ? "text/css; charset=utf-8"
                : name.endsWith(".html") ? "text/html; charset=utf-8"
                : name.endsWith(".svg") ? "image/svg+xml" : "application/octet-stream";
        ByteArrayOutputStream zipped = new ByteArrayOutputStream(raw.length / 3 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(raw);
            return new Asset(type, raw, zipped.toByteArray(), "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] read(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("console resource missing from the jar: " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
