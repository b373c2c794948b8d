package dev.shelter.service.app;

import dev.shelter.runbooks.restore.NewClusterOrder;
import dev.shelter.runbooks.restore.RecoveryOrder;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import net.sourceforge.argparse4j.inf.MutuallyExclusiveGroup;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code shelter restore-prepare --pgdata DIR --order ORDER}: the mode a restore's job runs in on
 * Kubernetes, next to the rolled-back volume. It writes the recovery files the order describes into
 * the stopped PGDATA, verifies them, and prints the report Shelter checks. With
 * {@code --new-cluster ORDER} instead, it makes the clone in a new cluster's claim a cluster of its
 * own. Not for people: Shelter writes the orders.
 */
final class RestorePrepareCommand extends Command {

    private final PrintStream out;

    RestorePrepareCommand(PrintStream out) {
        super("restore-prepare", "Write a restore's recovery files into a stopped PGDATA (run by Shelter's restore jobs)");
        this.out = out;
    }

    @Override
    public void configure(Subparser subparser) {
        subparser.addArgument("--pgdata").required(true).help("the data directory, on the mounted volume");
        MutuallyExclusiveGroup orders = subparser.addMutuallyExclusiveGroup().required(true);
        orders.addArgument("--order").help("the recovery order Shelter wrote for this job");
        orders.addArgument("--new-cluster").dest("newCluster").help("the new-cluster order Shelter wrote for this job");
    }

    @Override
    public void run(Bootstrap<?> bootstrap, Namespace namespace) {
        Path pgdata = Path.of(namespace.getString("pgdata"));
        if (!Files.isDirectory(pgdata)) {
            throw new IllegalArgumentException("no data directory at " + pgdata + " (is the claim mounted, and pgdataPath right?)");
        }
        if (namespace.getString("newCluster") != null) {
            NewClusterOrder.decode(namespace.getString("newCluster")).carryOut(pgdata).forEach(out::println);
        } else {
            RecoveryOrder.decode(namespace.getString("order")).carryOut(pgdata).forEach(out::println);
        }
    }

    /** The job's log is what Shelter reports: the reason, without a stack trace. */
    @Override
    public void onError(Cli cli, Namespace namespace, Throwable error) {
        cli.getStdErr().println(FailureMessage.of("shelter restore-prepare", error));
    }
}
