package dev.shelter.runbooks.engine;

/** One line of a dry run: the step (numbered from 1), what it would act on, and whether it is already done. */
public record PlannedStep(int index, String name, String target, boolean alreadyDone) {
}
