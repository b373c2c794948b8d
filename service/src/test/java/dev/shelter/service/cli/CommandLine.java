package dev.shelter.service.cli;

import dev.shelter.service.app.ShelterApplication;
import dev.shelter.service.config.ShelterConfiguration;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.util.JarLocation;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The command line in this JVM, as {@code java -jar shelter.jar ...} runs it, with its own environment
 * and its output captured. The exit code is Dropwizard's: 1 when the run ended in an error
 * ({@code Application.run} then calls {@code System.exit(1)}), else 0.
 */
final class CommandLine {

    record Run(int exitCode, String out, String err) {

        /** stdout and stderr together, for assertion messages. */
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private CommandLine() {
    }

    static Run run(Map<String, String> environment, String... arguments) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream commandOut = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream commandErr = new PrintStream(err, true, StandardCharsets.UTF_8);
        Bootstrap<ShelterConfiguration> bootstrap = new Bootstrap<>(new ShelterApplication());
        bootstrap.addCommand(new BackupCommand(commandOut, environment));
        bootstrap.addCommand(new RestoreCommand(commandOut, environment));
        bootstrap.addCommand(new HelpCommand(commandOut, commandErr));
        Cli cli = new Cli(new JarLocation(CommandLine.class), bootstrap, out, err);
        int exitCode = cli.run(arguments).isPresent() ? 1 : 0;
        return new Run(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
