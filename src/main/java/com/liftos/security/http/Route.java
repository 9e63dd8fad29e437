package com.liftos.security.http;

import io.javalin.http.Handler;
import io.javalin.http.HandlerType;

/**
 * One HTTP route: method, path (Javalin syntax, {@code {param}}), its access declaration, and the handler.
 * A path starting with {@code /v1/orgs/{orgId}} is tenant-scoped: callers of another organization get 404.
 */
public record Route(HandlerType method, String path, Access access, Handler handler) {

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

    public static Route get(String path, Access access, Handler h) { return new Route(HandlerType.GET, path, access, h); }
    public static Route post(String path, Access access, Handler h) { return new Route(HandlerType.POST, path, access, h); }
    public static Route put(String path, Access access, Handler h) { return new Route(HandlerType.PUT, path, access, h); }
    public static Route delete(String path, Access access, Handler h) { return new Route(HandlerType.DELETE, path, access, h); }
}
