package dev.shelter.runbooks.backup;

import java.util.Objects;
import java.util.regex.Pattern;

/** A cluster's name: a DNS-1123 label, so that it can name Kubernetes objects and key prefixes alike. */
public record ClusterName(String value) {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public ClusterName {
        Objects.requireNonNull(value, "cluster name");
        if (!DNS_LABEL.matcher(value).matches()) {
            throw new IllegalArgumentException("cluster name '" + value
                    + "' must be 1-63 lower-case letters, digits or '-', starting and ending with a letter or digit");
        }
    }

    public static boolean isValid(String value) {
        return value != null && DNS_LABEL.matcher(value).matches();
    }

    @Override
    public String toString() {
        return value;
    }
}
