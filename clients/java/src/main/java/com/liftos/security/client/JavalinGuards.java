package com.liftos.security.client;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Route guards for Javalin, as before-handlers or wrapped around a handler:
 * <pre>{@code
 * JavalinGuards guards = new JavalinGuards(liftos);
 * app.get("/api/sensitive", guards.protect(ctx -> ctx.json(JavalinGuards.principal(ctx).subject()),
 *         guards.requireAuth(), guards.requirePermissions("reveal:credentials"), guards.requireLowRisk(0.3)));
 * }</pre>
 * A refusal answers 401 {@code unauthorized}, 403 {@code forbidden} or 403 {@code risk_too_high} in the service's
 * error format and skips the remaining handlers. The caller's address is {@code ctx.ip()}.
 */
public final class JavalinGuards {
    private static final Logger LOG = LoggerFactory.getLogger(JavalinGuards.class);
    private static final String TOKEN = "liftos.token";
    private final LiftOSClient liftos;

    public JavalinGuards(LiftOSClient liftos) {
        this.liftos = liftos;
    }

    /** A guard: answers the refusal, or nothing when the request may go on. */
    @FunctionalInterface
    public interface Guard {
        Optional<Guards.Refusal> check(Context ctx);
    }

    /** The verified caller (after {@link #requireAuth()}). */
    public static Principal principal(Context ctx) {
        Principal p = ctx.attribute(Guards.ATTRIBUTE);
        if (p == null) {
            throw new IllegalStateException("no requireAuth guard ran on this route");
        }
        return p;
    }

    public Guard requireAuth() {
        return ctx -> authenticate(ctx).isPresent() ? Optional.empty() : Optional.of(Guards.UNAUTHORIZED);
    }

    public Guard requireRoles(String... anyOf) {
        List<String> roles = Guards.list(anyOf);
        return ctx -> authenticate(ctx).map(p -> Guards.roles(p, roles)).orElse(Optional.of(Guards.UNAUTHORIZED));
    }

    public Guard requirePermissions(String... allOf) {
        List<String> perms = Guards.list(allOf);
        return ctx -> authenticate(ctx).map(p -> Guards.permissions(p, perms)).orElse(Optional.of(Guards.UNAUTHORIZED));
    }

    public Guard requireLowRisk(double maxRisk) {
        return ctx -> {
            Optional<Principal> p = authenticate(ctx);
            if (p.isEmpty()) {
                return Optional.of(Guards.UNAUTHORIZED);
            }
            double score = p.get().risk().isPresent() ? p.get().risk().getAsDouble()
                    : liftos.risk().score(p.get(), ctx.attribute(TOKEN), ctx.ip());
            ctx.attribute(Guards.ATTRIBUTE, p.get().withRisk(score));
            return score > maxRisk ? Optional.of(Guards.riskTooHigh()) : Optional.empty();
        };
    }

    /** The guards as one before-handler ({@code app.before("/api/*", guards.before(...))}). */
    public Handler before(Guard... guards) {
        return ctx -> {
            for (Guard g : guards) {
                Optional<Guards.Refusal> r = g.check(ctx);
                if (r.isPresent()) {
                    refuse(ctx, r.get());
                    ctx.skipRemainingHandlers();
                    return;
                }
            }
        };
    }

    /** {@code handler} behind the guards. */
    public Handler protect(Handler handler, Guard... guards) {
        return ctx -> {
            for (Guard g : guards) {
                Optional<Guards.Refusal> r = g.check(ctx);
                if (r.isPresent()) {
                    refuse(ctx, r.get());
                    return;
                }
            }
            handler.handle(ctx);
        };
    }

    private Optional<Principal> authenticate(Context ctx) {
        Principal known = ctx.attribute(Guards.ATTRIBUTE);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<String> token = Guards.bearer(ctx.header("Authorization"));
        if (token.isEmpty()) {
            return Optional.empty();
        }
        try {
            Principal p = liftos.verify(token.get());
            ctx.attribute(Guards.ATTRIBUTE, p);
            ctx.attribute(TOKEN, token.get());
            return Optional.of(p);
        } catch (InvalidTokenException e) {
            LOG.info("access token refused: {}", e.reason());
            return Optional.empty();
        }
    }

    private static void refuse(Context ctx, Guards.Refusal r) {
        if (r.status() == 401) {
            ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        }
        ctx.status(r.status()).contentType("application/json").result(r.json());
    }
}
