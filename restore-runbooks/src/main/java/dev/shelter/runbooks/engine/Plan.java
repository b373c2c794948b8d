package dev.shelter.runbooks.engine;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/** A procedure: steps that run in order, top to bottom, and what to do if a crash interrupts them. */
public record Plan<C>(String name, List<Step<C>> steps, OnInterrupt onInterrupt) {

    private static final Pattern VERB_NOUN = Pattern.compile("[A-Z][A-Za-z0-9]*");

    public Plan {
        Objects.requireNonNull(name, "plan name");
        Objects.requireNonNull(onInterrupt, "what a resume after a crash does");
        steps = List.copyOf(steps);
        if (name.isBlank()) {
            throw new IllegalArgumentException("a plan needs a name");
        }
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("plan " + name + " has no steps");
        }
        Set<String> names = new HashSet<>();
        for (Step<C> step : steps) {
            String stepName = step.name();
            if (stepName == null || !VERB_NOUN.matcher(stepName).matches()) {
                throw new IllegalArgumentException("step '" + stepName + "' of plan " + name
                        + " must be named verb + noun in UpperCamelCase, e.g. CreateSnapshots");
            }
            // A resumed run matches its journal's entries to the plan's steps by name and position.
            if (!names.add(stepName)) {
                throw new IllegalArgumentException("plan " + name + " names step " + stepName + " twice");
            }
        }
    }

    /** The plan as it reads: {@code Plan.of("Restore", OnInterrupt.RESUME, new ScaleToZero(), new RollbackSnapshots(), …)}. */
    @SafeVarargs
    public static <C> Plan<C> of(String name, OnInterrupt onInterrupt, Step<C>... steps) {
        return new Plan<>(name, List.of(steps), onInterrupt);
    }

    public List<String> stepNames() {
        return steps.stream().map(Step::name).toList();
    }
}
