package com.liftos.security.http;

import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.Optional;

/**
 * One HTTP route: method, path (Javalin syntax, {@code {param}}), its access declaration, the handler, and its
 * description for the API contract ({@link RouteDoc}, attached with {@link #doc}; every route of the service has
 * one, which a test checks). A path starting with {@code /v1/orgs/{orgId}} is tenant-scoped: callers of another
 * organization get 404.
 */
public record Route(HandlerType method, String path, Access access, Handler handler, Optional<RouteDoc> description) {

    public static final String ORG_PREFIX = "/v1/orgs/{orgId}";

    public boolean orgScoped() {
        return path.startsWith(ORG_PREFIX);
    }

    /** The method's name ({@code GET}, {@code POST}...), for code that does not speak Javalin. */
    public String verb() {
        return method.name();
    }

    /** {@code METHOD path}: how logs and audit events name the route. */
    public String name() {
        return method.name() + " " + path;
    }

    /** This route described by {@code doc} in the OpenAPI document. */
    public Route doc(RouteDoc doc) {
        return new Route(method, path, access, handler, Optional.of(doc));
    }

    public static Route get(String path, Access access, Handler h) { return of(HandlerType.GET, path, access, h); }
    public static Route post(String path, Access access, Handler h) { return of(HandlerType.POST, path, access, h); }
    public static Route put(String path, Access access, Handler h) { return of(HandlerType.PUT, path, access, h); }
    public static Route delete(String path, Access access, Handler h) { return of(HandlerType.DELETE, path, access, h); }
    public static Route patch(String path, Access access, Handler h) { return of(HandlerType.PATCH, path, access, h); }

    private static Route of(HandlerType method, String path, Access access, Handler h) {
        return new Route(method, path, access, h, Optional.empty());
    }
}
