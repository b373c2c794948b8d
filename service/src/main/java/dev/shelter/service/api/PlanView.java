package dev.shelter.service.api;

import dev.shelter.runbooks.engine.PlanPreview;

import java.util.List;

/** A dry run: the steps a plan would take, in order, and what each would act on; nothing was changed. */
public record PlanView(boolean dryRun, String plan, List<StepView> steps) {

    /** {@code alreadyDone}: the step observed that its effect is already there, so it would be skipped. */
    public record StepView(int index, String name, String target, boolean alreadyDone) {
    }

    public static PlanView of(PlanPreview preview) {
        return new PlanView(true, preview.plan(), preview.steps().stream()
                .map(s -> new StepView(s.index(), s.name(), s.target(), s.alreadyDone())).toList());
    }
}
