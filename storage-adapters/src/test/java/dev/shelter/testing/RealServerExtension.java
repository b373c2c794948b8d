package dev.shelter.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.DockerClientFactory;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds a real server for an integration test, in this order: the local stack named by
 * environment variables ({@code eval "$(deploy/local/stack up)"}), then Testcontainers where a
 * Docker engine exists. With neither, the test is skipped visibly (a disabled condition with the
 * reason, never an abort in beforeAll), except under {@code CI=true}, where it fails: CI must
 * never pass with integration tests skipped.
 */
abstract class RealServerExtension<T> implements ExecutionCondition, BeforeAllCallback, ParameterResolver {

    private static final Map<Class<?>, Optional<?>> LOCATED = new ConcurrentHashMap<>();
    private static volatile Boolean dockerAvailable;

    /** The server's value type, injected into test constructors and methods. */
    protected abstract Class<T> serverType();

    /** e.g. "PostgreSQL", for messages. */
    protected abstract String serverName();

    /** The environment variables that name the server, for messages. */
    protected abstract String environmentHint();

    protected abstract Optional<T> fromEnvironment();

    /** Starts a container; called only when Docker answers. Empty when this server has no container. */
    protected abstract Optional<T> fromContainer();

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<T> server = locate();
        if (server.isPresent()) {
            return ConditionEvaluationResult.enabled("real " + serverName() + ": " + server.get());
        }
        if (runningInCi()) {
            return ConditionEvaluationResult.enabled("CI=true and no " + serverName() + ": the test will fail");
        }
        String reason = "SKIPPED: no real " + serverName() + " (set " + environmentHint()
                + " with eval \"$(deploy/local/stack up)\", or run where Docker exists)";
        System.err.println(context.getDisplayName() + ": " + reason);
        return ConditionEvaluationResult.disabled(reason);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (locate().isEmpty()) {
            throw new IllegalStateException("CI=true requires a real " + serverName() + ", but none was found: set "
                    + environmentHint() + " (deploy/local/stack up prints them)");
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == serverType();
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return locate().orElseThrow(() -> new IllegalStateException("no real " + serverName()));
    }

    @SuppressWarnings("unchecked")
    private Optional<T> locate() {
        return (Optional<T>) LOCATED.computeIfAbsent(getClass(), ignored -> {
            Optional<T> fromEnvironment = fromEnvironment();
            if (fromEnvironment.isPresent()) {
                return fromEnvironment;
            }
            return dockerAvailable() ? fromContainer() : Optional.empty();
        });
    }

    static boolean runningInCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    static Optional<String> env(String name) {
        return Optional.ofNullable(System.getenv(name)).filter(value -> !value.isBlank());
    }

    private static boolean dockerAvailable() {
        if (dockerAvailable == null) {
            boolean available;
            try {
                available = DockerClientFactory.instance().isDockerAvailable();
            } catch (RuntimeException e) {
                available = false;
            }
            dockerAvailable = available;
        }
        return dockerAvailable;
    }
}
