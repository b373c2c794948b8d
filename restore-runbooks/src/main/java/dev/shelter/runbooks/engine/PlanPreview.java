package dev.shelter.runbooks.engine;

import java.util.List;

/** A dry run: the exact steps and targets a plan would run, with nothing changed. */
public record PlanPreview(String plan, List<PlannedStep> steps) {

    public PlanPreview {
        steps = List.copyOf(steps);
    }
}
