package dev.shelter.runbooks.engine;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A step over the {@link World}: done when the world has an effect of its name; execute makes it,
 * undo removes it. Extra behaviour (failing, crashing, waiting) is added per test.
 */
final class FakeStep implements Step<World> {

    @FunctionalInterface
    interface Action {
        void run(World world, StepRun run) throws Exception;
    }

    @FunctionalInterface
    interface UndoAction {
        void run(World world, Facts facts, String reason);
    }

    private final String name;
    private final AtomicInteger executions = new AtomicInteger();
    private Action before = (world, run) -> { };
    private UndoAction undoBefore = (world, facts, reason) -> { };
    private int failuresLeft;
    private Duration timeout = Duration.ofSeconds(30);
    private FailurePolicy policy = FailurePolicy.rollBack();

    private FakeStep(String name) {
        this.name = name;
    }

    static FakeStep named(String name) {
        return new FakeStep(name);
    }

    /** Runs before the effect is made; if it throws, the effect is not made. */
    FakeStep doing(Action action) {
        this.before = action;
        return this;
    }

    FakeStep failingTimes(int times) {
        this.failuresLeft = times;
        return this;
    }

    FakeStep crashing() {
        return doing((world, run) -> {
            throw new SimulatedCrash(name);
        });
    }

    FakeStep undoing(UndoAction action) {
        this.undoBefore = action;
        return this;
    }

    FakeStep timingOutAfter(Duration limit) {
        this.timeout = limit;
        return this;
    }

    FakeStep onFailure(FailurePolicy onFailure) {
        this.policy = onFailure;
        return this;
    }

    int executions() {
        return executions.get();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String target(World world, Facts facts) {
        return facts.get("target." + name).orElse("the " + name + " target");
    }

    @Override
    public boolean isDone(World world, Facts facts) {
        return world.effects.contains(name);
    }

    @Override
    public void execute(World world, StepRun run) throws Exception {
        executions.incrementAndGet();
        world.calls.add("execute " + name);
        before.run(world, run);
        if (failuresLeft > 0) {
            failuresLeft--;
            throw new IllegalStateException(name + " broke");
        }
        world.effects.add(name);
    }

    @Override
    public void undo(World world, Facts facts, String reason) {
        world.calls.add("undo " + name);
        undoBefore.run(world, facts, reason);
        world.effects.remove(name);
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public FailurePolicy onFailure() {
        return policy;
    }
}
