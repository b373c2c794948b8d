package dev.shelter.service.app;

import dev.shelter.runbooks.engine.RunJournal;
import dev.shelter.runbooks.engine.StepObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Optional;

/**
 * Fault injection for the crash tests, off unless {@code -Dshelter.failpoint=<Step>:<before|started|inside|executed>}
 * is given: when a run reaches that moment of that step (about to observe it; journaled as started;
 * inside it, where it checks for cancellation; or executed, with its effect made but not yet
 * journaled as done) Shelter logs {@link #REACHED} and freezes that
 * run forever, so that a test can kill -9 the process at exactly that point.
 */
final class Failpoint implements StepObserver {

    static final String PROPERTY = "shelter.failpoint";
    static final String REACHED = "FAILPOINT REACHED";

    private static final Logger LOG = LoggerFactory.getLogger(Failpoint.class);

    private final String step;
    private final Moment moment;

    private Failpoint(String step, Moment moment) {
        this.step = step;
        this.moment = moment;
    }

    static Optional<StepObserver> fromSystemProperty() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        int colon = value.indexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException(PROPERTY + " must be <Step>:<before|started|inside|executed>, not '" + value + "'");
        }
        Moment moment = Moment.valueOf(value.substring(colon + 1).toUpperCase(Locale.ROOT));
        LOG.warn("fault injection is on: runs freeze at {} {}", value.substring(0, colon), moment);
        return Optional.of(new Failpoint(value.substring(0, colon), moment));
    }

    @Override
    public void reached(RunJournal journal, String stepName, Moment reached) {
        if (!step.equals(stepName) || moment != reached) {
            return;
        }
        LOG.warn("{} {}:{} in run {}; this run is frozen until the process is killed", REACHED, stepName,
                reached.name().toLowerCase(Locale.ROOT), journal.id());
        Object never = new Object();
        synchronized (never) {
            while (true) {
                try {
                    never.wait();
                } catch (InterruptedException e) {
                    // a failpoint ignores interruption: only a kill ends it
                }
            }
        }
    }
}
