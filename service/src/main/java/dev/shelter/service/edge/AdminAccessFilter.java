package dev.shelter.service.edge;

import dev.shelter.service.auth.Caller;
import dev.shelter.service.auth.Role;
import dev.shelter.service.auth.TokenAuthenticator;
import dev.shelter.service.errors.JsonErrorHandler;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/**
 * The admin port: probes and scrapers reach {@code /healthcheck}, {@code /ping} and
 * {@code /prometheus} without a token; everything else there (tasks that change log levels,
 * thread dumps, profiles, the metrics JSON, the index) needs an admin token, because on
 * Kubernetes that port is reachable from the pod network.
 */
public final class AdminAccessFilter implements Filter {

    private static final Set<String> OPEN = Set.of("/healthcheck", "/ping", "/prometheus");
    private static final String SCHEME = "bearer ";

    private final TokenAuthenticator tokens;

    public AdminAccessFilter(TokenAuthenticator tokens) {
        this.tokens = tokens;
    }

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) servletRequest;
        HttpServletResponse response = (HttpServletResponse) servletResponse;
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (OPEN.contains(path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path)) {
            chain.doFilter(request, response);
            return;
        }
        if (QueryTokenRefusal.namesAToken(request.getParameterMap().keySet())) {
            refuse(response, 400, QueryTokenRefusal.REFUSAL);
            return;
        }
        Optional<Caller> caller = callerOf(request.getHeader("Authorization"));
        if (caller.isEmpty()) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"shelter-admin\"");
            refuse(response, 401, "the admin port's tasks and diagnostics need an admin token (Authorization: Bearer <token>)");
        } else if (!caller.get().role().includes(Role.ADMIN)) {
            refuse(response, 403, "token '" + caller.get().name() + "' is not an admin token; the admin port's tasks and "
                    + "diagnostics need one");
        } else {
            chain.doFilter(request, response);
        }
    }

    private Optional<Caller> callerOf(String authorization) {
        if (authorization == null || authorization.length() <= SCHEME.length()
                || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return Optional.empty();
        }
        return tokens.authenticate(authorization.substring(SCHEME.length()).strip());
    }

    private static void refuse(HttpServletResponse response, int status, String message) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        byte[] body = JsonErrorHandler.body(status, message);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
