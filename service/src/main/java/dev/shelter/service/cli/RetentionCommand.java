package dev.shelter.service.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import net.sourceforge.argparse4j.inf.Subparsers;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code shelter retention sweep CLUSTER [--dry-run | --confirm CLUSTER]}: what a cluster's retention
 * policy keeps and lets go, each backup with its reasons, and on a sweep what was deleted, what was
 * refused and the WAL removed. REST only; a failure is one line on stderr and exit code 1.
 */
public final class RetentionCommand extends Command {

    private static final String ACTION = "retentionAction";

    private final PrintStream out;
    private final Map<String, String> environment;

    public RetentionCommand(PrintStream out, Map<String, String> environment) {
        super("retention", "Preview or run a cluster's retention sweep through a running Shelter's REST API");
        this.out = out;
        this.environment = Map.copyOf(environment);
    }

    @Override
    public void configure(Subparser subparser) {
        Subparsers actions = subparser.addSubparsers().dest(ACTION).metavar("ACTION").title("actions")
                .description("'retention ACTION --help' (or 'help retention ACTION') shows an action's arguments");
        Subparser sweep = PrintHelp.action(actions, "sweep", "apply the cluster's retention policy, or show what it would delete "
                + "(admin token)", out);
        sweep.addArgument("cluster").help("the cluster's name in Shelter's configuration");
        sweep.addArgument("--dry-run").dest("dryRun").action(Arguments.storeTrue()).help("show what would go and why; delete nothing");
        sweep.addArgument("--confirm").metavar("CLUSTER").help("without --dry-run: the cluster's name again, to say you mean it");
        ShelterApi.addConnectionArguments(sweep);
    }

    @Override
    public void run(Bootstrap<?> bootstrap, Namespace namespace) {
        String cluster = namespace.getString("cluster");
        boolean dryRun = namespace.getBoolean("dryRun");
        String confirm = namespace.getString("confirm");
        if (!dryRun && confirm == null) {
            throw new CliFailure("a sweep deletes backups of " + cluster + ": add --confirm " + cluster + " to go ahead, or --dry-run to "
                    + "see what would go");
        }
        ShelterApi api = ShelterApi.connect(namespace, environment);
        String query = dryRun ? "?dryRun=true" : "?confirm=" + ShelterApi.encode(confirm);
        JsonNode sweep = api.expectOk(api.post("/api/v1/clusters/" + ShelterApi.encode(cluster) + "/retention:sweep" + query),
                (dryRun ? "preview the retention sweep of " : "sweep ") + cluster);
        out.println((dryRun ? "dry run of " : "sweep of ") + cluster + ": " + sweep.path("policy").asText());
        Table table = new Table("ID", "ENDED", "VERDICT", "REASONS");
        addVerdicts(table, sweep.path("kept"), "keep");
        addVerdicts(table, sweep.path("toDelete"), dryRun ? "would delete" : "delete");
        out.print(table.render());
        if (!sweep.path("running").isEmpty()) {
            out.println("running (never judged): " + String.join(", ", texts(sweep.path("running"))));
        }
        if (!dryRun) {
            out.println("deleted: " + (sweep.path("deleted").isEmpty() ? "none" : String.join(", ", texts(sweep.path("deleted")))));
            sweep.path("refused").fields().forEachRemaining(refused -> out.println("refused " + refused.getKey() + ": "
                    + refused.getValue().asText()));
        }
        JsonNode wal = sweep.path("wal");
        if (!wal.isMissingNode()) {
            out.println("WAL " + (dryRun ? "that would be removed: " : "removed: ") + wal.path("files").asLong() + " file(s), "
                    + wal.path("bytes").asLong() + " bytes" + (wal.path("keptFrom").isTextual() ? ", everything before "
                    + wal.path("keptFrom").asText() + "'s segment" : "") + (wal.path("note").isTextual() ? " (" + wal.path("note").asText()
                    + ")" : ""));
        }
        texts(sweep.path("warnings")).forEach(warning -> out.println("warning: " + warning));
    }

    @Override
    public void onError(Cli cli, Namespace namespace, Throwable error) {
        cli.getStdErr().println("shelter retention: " + BackupCommand.describe(error));
    }

    private static void addVerdicts(Table table, JsonNode verdicts, String verdict) {
        for (JsonNode v : verdicts) {
            table.row(v.path("id").asText(), v.path("endedAt").asText(), verdict, String.join("; ", texts(v.path("reasons"))));
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(value -> texts.add(value.asText()));
        return texts;
    }
}
