package dev.shelter.service.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A secret in configuration: either the value itself (usually {@code ${ENV_VAR}}), or
 * {@code file:/path} to read it from a mounted Secret. One trailing newline is dropped, as
 * {@code echo x > file} and Kubernetes Secret files tend to carry one. Never printed.
 */
public final class Secret {

    private static final String FILE_PREFIX = "file:";

    private final String value;
    private final String origin;

    private Secret(String value, String origin) {
        this.value = value;
        this.origin = origin;
    }

    @JsonCreator
    public static Secret parse(String text) {
        if (text == null) {
            return new Secret("", "empty");
        }
        if (!text.startsWith(FILE_PREFIX)) {
            return new Secret(text, "inline");
        }
        Path file = Path.of(text.substring(FILE_PREFIX.length()));
        try {
            String content = Files.readString(file, StandardCharsets.UTF_8);
            if (content.endsWith("\n")) {
                content = content.substring(0, content.length() - 1);
            }
            if (content.endsWith("\r")) {
                content = content.substring(0, content.length() - 1);
            }
            return new Secret(content, "file " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read secret from " + file + ": " + e.getMessage(), e);
        }
    }

    public String reveal() {
        return value;
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    @JsonValue
    @Override
    public String toString() {
        return "****(" + origin + ")";
    }
}
