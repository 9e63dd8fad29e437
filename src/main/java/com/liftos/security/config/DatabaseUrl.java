package com.liftos.security.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A PostgreSQL connection target parsed from {@code DATABASE_URL}.
 *
 * <p>Accepts the seed's {@code postgresql+asyncpg://user:pass@host:port/db}, plain {@code postgresql://} and
 * {@code postgres://}, and {@code jdbc:postgresql://}. The password never appears in {@link #toString()}.
 */
public record DatabaseUrl(String jdbcUrl, Optional<String> user, Optional<String> password) {

    public DatabaseUrl {
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL");
        }
    }

    /** Parses {@code raw}; the exception message describes the expected form and never repeats the input. */
    public static DatabaseUrl parse(String raw) {
        String value = raw.strip();
        if (value.startsWith("jdbc:postgresql://")) {
            return new DatabaseUrl(value, Optional.empty(), Optional.empty());
        }
        int schemeEnd = value.indexOf("://");
        if (schemeEnd < 0) {
            throw new IllegalArgumentException(expected());
        }
        String scheme = value.substring(0, schemeEnd);
        if (!scheme.equals("postgresql") && !scheme.equals("postgres") && !scheme.startsWith("postgresql+")) {
            throw new IllegalArgumentException("unsupported scheme; " + expected());
        }
        URI uri;
        try {
            uri = new URI("postgresql" + value.substring(schemeEnd));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("malformed URL; " + expected(), null);
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw new IllegalArgumentException("missing host; " + expected());
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String database = path.startsWith("/") ? path.substring(1) : path;
        if (database.isBlank()) {
            throw new IllegalArgumentException("missing database name; " + expected());
        }
        int port = uri.getPort() == -1 ? 5432 : uri.getPort();
        Optional<String> user = Optional.empty();
        Optional<String> password = Optional.empty();
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            if (colon >= 0) {
                user = Optional.of(decode(userInfo.substring(0, colon)));
                password = Optional.of(decode(userInfo.substring(colon + 1)));
            } else {
                user = Optional.of(decode(userInfo));
            }
        }
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        String host = uri.getHost().contains(":") && !uri.getHost().startsWith("[") ? "[" + uri.getHost() + "]" : uri.getHost();
        return new DatabaseUrl("jdbc:postgresql://" + host + ":" + port + "/" + database + query, user, password);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String expected() {
        return "expected postgresql://user:password@host:5432/database (postgresql+asyncpg:// and jdbc:postgresql:// also accepted)";
    }

    @Override
    public String toString() {
        return "DatabaseUrl[" + jdbcUrl + ", user=" + user.orElse("-") + ", password=" + (password.isPresent() ? "***" : "-") + "]";
    }
}
