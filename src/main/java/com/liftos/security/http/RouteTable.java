package com.liftos.security.http;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Every route of the service in one immutable list; duplicates are refused when it is built. */
public record RouteTable(List<Route> routes) {
    public RouteTable {
        routes = List.copyOf(routes);
        Set<String> seen = new HashSet<>();
        for (Route r : routes) {
            if (r.access() == null) {
                throw new IllegalArgumentException("route without access declaration: " + r.method() + " " + r.path());
            }
            if (!seen.add(r.method() + " " + r.path())) {
                throw new IllegalArgumentException("duplicate route: " + r.method() + " " + r.path());
            }
        }
    }

    @SafeVarargs
    public static RouteTable of(List<Route>... groups) {
        List<Route> all = new ArrayList<>();
        for (List<Route> g : groups) {
            all.addAll(g);
        }
        return new RouteTable(all);
    }
}
