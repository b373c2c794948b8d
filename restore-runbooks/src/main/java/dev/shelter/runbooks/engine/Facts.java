package dev.shelter.runbooks.engine;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a run has learnt and journaled (a snapshot's name, a replica count to scale back to),
 * read-only. Steps read it; they add to it only through {@link StepRun#record}, which persists first.
 */
public final class Facts {

    private static final Facts EMPTY = new Facts(Map.of());

    private final Map<String, String> values;

    private Facts(Map<String, String> values) {
        // Sorted, so that the journal lists facts in the same order every time it is written.
        TreeMap<String, String> copy = new TreeMap<>();
        values.forEach((key, value) -> copy.put(requireKey(key), Objects.requireNonNull(value, () -> "fact " + key)));
        this.values = Collections.unmodifiableMap(copy);
    }

    public static Facts of(Map<String, String> values) {
        return values.isEmpty() ? EMPTY : new Facts(values);
    }

    public static Facts empty() {
        return EMPTY;
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** The fact, or an {@link IllegalStateException} naming the missing key. */
    public String require(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalStateException("the run has no fact '" + key + "' (it has " + values.keySet() + ")");
        }
        return value;
    }

    public Map<String, String> asMap() {
        return values;
    }

    static String requireKey(String key) {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("a fact needs a non-blank key");
        }
        return key;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Facts facts && values.equals(facts.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
