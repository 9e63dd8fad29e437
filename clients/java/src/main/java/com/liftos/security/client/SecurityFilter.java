package com.liftos.security.client;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jakarta Servlet filter: {@code requireAuth} always, plus the permissions and risk ceiling it is built with:
 * <pre>{@code
 * new SecurityFilter(liftos).requirePermissions("reveal:credentials").requireLowRisk(0.3)
 * }</pre>
 * The verified caller is the request attribute {@code liftos.principal} ({@link #principal}). Refusals are the
 * service's error format (401 {@code unauthorized}, 403 {@code forbidden} / {@code risk_too_high}).
 */
public final class SecurityFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(SecurityFilter.class);
    private final LiftOSClient liftos;
    private final List<String> permissions;
    private final OptionalDouble maxRisk;

    public SecurityFilter(LiftOSClient liftos) {
        this(liftos, List.of(), OptionalDouble.empty());
    }

    private SecurityFilter(LiftOSClient liftos, List<String> permissions, OptionalDouble maxRisk) {
        this.liftos = liftos;
        this.permissions = permissions;
        this.maxRisk = maxRisk;
    }

    public SecurityFilter requirePermissions(String... allOf) {
        return new SecurityFilter(liftos, Guards.list(allOf), maxRisk);
    }

    public SecurityFilter requireLowRisk(double max) {
        return new SecurityFilter(liftos, permissions, OptionalDouble.of(max));
    }

    public static Optional<Principal> principal(ServletRequest request) {
        return Optional.ofNullable((Principal) request.getAttribute(Guards.ATTRIBUTE));
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        Optional<String> token = Guards.bearer(request.getHeader("Authorization"));
        Principal p;
        try {
            if (token.isEmpty()) {
                refuse(response, Guards.UNAUTHORIZED);
                return;
            }
            p = liftos.verify(token.get());
        } catch (InvalidTokenException e) {
            LOG.info("access token refused: {}", e.reason());
            refuse(response, Guards.UNAUTHORIZED);
            return;
        }
        Optional<Guards.Refusal> refusal = Guards.permissions(p, permissions);
        if (refusal.isEmpty() && maxRisk.isPresent()) {
            double score = liftos.risk().score(p, token.get(), request.getRemoteAddr());
            p = p.withRisk(score);
            if (score > maxRisk.getAsDouble()) {
                refusal = Optional.of(Guards.riskTooHigh());
            }
        }
        if (refusal.isPresent()) {
            refuse(response, refusal.get());
            return;
        }
        request.setAttribute(Guards.ATTRIBUTE, p);
        chain.doFilter(req, res);
    }

    private static void refuse(HttpServletResponse response, Guards.Refusal r) throws IOException {
        response.setStatus(r.status());
        if (r.status() == 401) {
            response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        }
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.getOutputStream().write(r.json().getBytes(StandardCharsets.UTF_8));
    }
}
