package dev.shelter.service.cli;

import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.util.JarLocation;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code shelter help [COMMAND [ACTION]]}: the same screens as {@code --help} after the same words,
 * for those who type {@code help} first ({@code help}, {@code help backup}, {@code help backup list}).
 */
public final class HelpCommand extends Command {

    private final PrintStream out;
    private final PrintStream err;

    public HelpCommand(PrintStream out, PrintStream err) {
        super("help", "Show the commands, or one command's or action's arguments (help backup list)");
        this.out = out;
        this.err = err;
    }

    @Override
    public void configure(Subparser subparser) {
        subparser.addArgument("topic").nargs("*").metavar("WORD").help("a command and its action, such as: backup list");
    }

    @Override
    public void run(Bootstrap<?> bootstrap, Namespace namespace) {
        List<String> topic = namespace.getList("topic");
        List<String> arguments = new ArrayList<>(topic);
        arguments.add("--help");
        // A second parser over the same commands: Dropwizard's Cli keeps its own to itself.
        Cli cli = new Cli(new JarLocation(bootstrap.getApplication().getClass()), bootstrap, out, err);
        if (cli.run(arguments.toArray(String[]::new)).isPresent()) {
            throw new CliFailure("no help on '" + String.join(" ", topic) + "'; 'help' alone lists the commands");
        }
        if (topic.isEmpty()) {
            // Dropwizard's screen names the commands but does not say what they do.
            out.println();
            out.println("commands ('help COMMAND' shows one):");
            int width = bootstrap.getCommands().stream().mapToInt(c -> c.getName().length()).max().orElse(0);
            bootstrap.getCommands().forEach(c -> out.printf("  %-" + width + "s  %s%n", c.getName(), c.getDescription()));
        }
    }

    @Override
    public void onError(Cli cli, Namespace namespace, Throwable error) {
        cli.getStdErr().println("shelter help: " + BackupCommand.describe(error));
    }
}
