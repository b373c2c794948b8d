package dev.shelter.runbooks.cluster;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Something Shelter did to a cluster, for the people watching it: a Kubernetes Event on
 * Kubernetes ({@code kubectl describe sts}), a line in the events file in local mode.
 * {@code reason} is one CamelCase word, as Kubernetes spells reasons ("ScaledToZero").
 */
public record ClusterEvent(Type type, String reason, String message) {

    private static final Pattern REASON = Pattern.compile("[A-Z][A-Za-z0-9]{0,127}");

    public enum Type {
        NORMAL,
        WARNING
    }

    public ClusterEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(message, "message");
        if (reason == null || !REASON.matcher(reason).matches()) {
            throw new IllegalArgumentException("event reason must be one CamelCase word, was '" + reason + "'");
        }
    }

    public static ClusterEvent normal(String reason, String message) {
        return new ClusterEvent(Type.NORMAL, reason, message);
    }

    public static ClusterEvent warning(String reason, String message) {
        return new ClusterEvent(Type.WARNING, reason, message);
    }
}
