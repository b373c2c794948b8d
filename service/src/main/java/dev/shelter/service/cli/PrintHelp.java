package dev.shelter.service.cli;

import net.sourceforge.argparse4j.helper.HelpScreenException;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Argument;
import net.sourceforge.argparse4j.inf.ArgumentAction;
import net.sourceforge.argparse4j.inf.ArgumentParser;
import net.sourceforge.argparse4j.inf.ArgumentParserException;
import net.sourceforge.argparse4j.inf.Subparser;
import net.sourceforge.argparse4j.inf.Subparsers;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code -h/--help} for a command's actions, printed to the command's own output (argparse4j's
 * default writes to System.out whatever the command was given); the help screen ends the run with
 * exit code 0, as Dropwizard's own help does.
 */
final class PrintHelp implements ArgumentAction {

    private final PrintStream out;

    PrintHelp(PrintStream out) {
        this.out = out;
    }

    /** A command's action whose -h/--help prints to {@code out}, like the commands' own. */
    static Subparser action(Subparsers actions, String name, String help, PrintStream out) {
        Subparser action = actions.addParser(name, false).help(help).description(help);
        action.addArgument("-h", "--help").action(new PrintHelp(out)).help("show this action's arguments and exit")
                .setDefault(Arguments.SUPPRESS);
        return action;
    }

    @Override
    public void run(ArgumentParser parser, Argument argument, Map<String, Object> attributes, String flag, Object value)
            throws ArgumentParserException {
        PrintWriter writer = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        parser.printHelp(writer);
        writer.flush();
        throw new HelpScreenException(parser);
    }

    @Override
    public void onAttach(Argument argument) {
        // nothing to set up
    }

    @Override
    public boolean consumeArgument() {
        return false;
    }
}
