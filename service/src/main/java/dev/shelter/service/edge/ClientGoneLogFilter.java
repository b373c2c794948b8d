package dev.shelter.service.edge;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.eclipse.jetty.io.EofException;
import org.slf4j.Marker;

/**
 * Jersey logs an ERROR with a stack trace when it cannot write an answer because the client
 * already hung up (Jetty's EofException). That is the client's doing, not Shelter's, and
 * {@link RequestBodies} has already said so in one WARN line; this drops Jersey's duplicate,
 * and only that one: any other failure to write an answer is still logged.
 */
public final class ClientGoneLogFilter extends TurboFilter {

    private static final String JERSEY_RUNTIME = "org.glassfish.jersey.server.ServerRuntime";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable failure) {
        if (failure == null || logger == null || !logger.getName().startsWith(JERSEY_RUNTIME)) {
            return FilterReply.NEUTRAL;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof EofException) {
                return FilterReply.DENY;
            }
        }
        return FilterReply.NEUTRAL;
    }
}
