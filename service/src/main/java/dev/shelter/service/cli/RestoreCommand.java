package dev.shelter.service.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import net.sourceforge.argparse4j.inf.Subparsers;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code shelter restore create|show|list|cancel}: the restore endpoints of a running Shelter, with
 * the URL, token and error rules of {@link BackupCommand}. A usage error (two targets, --exclusive
 * with a target it does not apply to) is found before any request, and like every failure it ends
 * in one line on stderr and exit code 1.
 */
public final class RestoreCommand extends Command {

    private static final String ACTION = "restoreAction";
    private static final Duration POLL = Duration.ofSeconds(1);

    /** The target flags, by the key each one sets in the request's target. */
    private static final Map<String, String> TARGET_FLAGS = Map.of("time", "--time", "lsn", "--lsn", "xid", "--xid",
            "name", "--name", "immediate", "--immediate", "latest", "--latest");
    private static final List<String> TARGET_ORDER = List.of("time", "lsn", "xid", "name", "immediate", "latest");
    /** Step statuses that mean the step has passed (or, for undone, has been rolled back): each is printed once. */
    private static final Map<String, String> PASSED = Map.of("done", "done", "skipped-done", "already done", "failed", "failed",
            "undone", "undone");

    private final PrintStream out;
    private final Map<String, String> environment;

    public RestoreCommand(PrintStream out, Map<String, String> environment) {
        super("restore", "Create, show, list and cancel restores through a running Shelter's REST API");
        this.out = out;
        this.environment = Map.copyOf(environment);
    }

    @Override
    public void configure(Subparser subparser) {
        Subparsers actions = subparser.addSubparsers().dest(ACTION).metavar("ACTION").title("actions")
                .description("'restore ACTION --help' (or 'help restore ACTION') shows an action's arguments");

        Subparser create = PrintHelp.action(actions, "create", "restore a cluster to a point in time from one of its backups "
                + "(admin token); with --dry-run, show what it would do and change nothing", out);
        create.addArgument("cluster").help("the cluster's name in Shelter's configuration");
        create.addArgument("--time").help("target: a time, RFC 3339 with an offset (2026-01-05T10:15:00Z, or +01:00)");
        create.addArgument("--lsn").help("target: a WAL location, such as 0/3000100");
        create.addArgument("--xid").help("target: a transaction id");
        create.addArgument("--name").help("target: a restore point made with pg_create_restore_point");
        create.addArgument("--immediate").action(Arguments.storeTrue()).help("target: the end of the backup");
        create.addArgument("--latest").action(Arguments.storeTrue()).help("target: the end of the archived WAL");
        create.addArgument("--exclusive").action(Arguments.storeTrue())
                .help("with --time, --lsn or --xid: stop just before the target instead of just after it");
        create.addArgument("--timeline").metavar("N").help("the timeline to follow (default: the newest one archived)");
        create.addArgument("--backup").metavar("ID").help("restore from this backup (default: the newest that ends before the "
                + "target); alone, without a target flag, restore to the end of this backup");
        create.addArgument("--strategy").choices("rollback", "clone-swap", "from-object-store")
                .help("rollback: the volumes back to the snapshots; clone-swap: clones of the snapshots swapped in, the originals "
                        + "kept until the restore is verified (swapped back if it fails); from-object-store: the volumes rebuilt from "
                        + "the backup's off-site copy, then swapped in as clone-swap does (default: rollback, or from-object-store when "
                        + "the backup's snapshots are gone)");
        create.addArgument("--dry-run").dest("dryRun").action(Arguments.storeTrue())
                .help("show the backup, target, timeline, how far the WAL replays, the checks' findings and the steps; change nothing");
        create.addArgument("--confirm").metavar("CLUSTER")
                .help("the cluster's name again, to say you mean it: a restore stops the cluster and rolls back its volumes");
        create.addArgument("--wait").action(Arguments.storeTrue())
                .help("wait until the restore ends, showing each step as it passes; exit 0 if it completed, 1 otherwise");

        Subparser show = PrintHelp.action(actions, "show", "show one restore, its steps and their outcome as JSON (viewer token)", out);
        show.addArgument("id").help("the restore's id, as 'create' printed it or 'list' shows it");
        Subparser list = PrintHelp.action(actions, "list", "list a cluster's restores, newest first, with failure reasons (viewer token)",
                out);
        list.addArgument("cluster").help("the cluster's name in Shelter's configuration");
        Subparser cancel = PrintHelp.action(actions, "cancel", "cancel a running restore before its volumes are rolled back; "
                + "the cluster starts again as it was (admin token)", out);
        cancel.addArgument("id").help("the restore's id, as 'create' printed it or 'list' shows it");

        for (Subparser action : new Subparser[] {create, show, list, cancel}) {
            ShelterApi.addConnectionArguments(action);
        }
    }

    @Override
    public void run(Bootstrap<?> bootstrap, Namespace namespace) {
        String action = namespace.getString(ACTION);
        // A usage error is one before the token is read or anything is sent.
        ObjectNode order = "create".equals(action) ? order(namespace) : null;
        ShelterApi api = ShelterApi.connect(namespace, environment);
        switch (action) {
            case "create" -> create(api, namespace, order);
            case "show" -> out.println(ShelterApi.pretty(api.expectOk(api.get(restorePath(namespace.getString("id"))),
                    "show restore " + namespace.getString("id"))));
            case "list" -> list(api, namespace.getString("cluster"));
            case "cancel" -> cancel(api, namespace.getString("id"));
            default -> throw new CliFailure("unknown action " + action);
        }
    }

    @Override
    public void onError(Cli cli, Namespace namespace, Throwable error) {
        cli.getStdErr().println("shelter restore: " + BackupCommand.describe(error));
    }

    /** The request body, in the API's words; a {@link CliFailure} for flags that do not go together. */
    static ObjectNode order(Namespace namespace) {
        List<String> given = new ArrayList<>();
        for (String key : TARGET_ORDER) {
            Object value = namespace.get(key);
            if (value instanceof String || Boolean.TRUE.equals(value)) {
                given.add(key);
            }
        }
        String backup = namespace.getString("backup");
        if (given.size() > 1) {
            throw new CliFailure("give one target, not " + String.join(" and ", given.stream().map(TARGET_FLAGS::get).toList()));
        }
        if (given.isEmpty() && backup == null) {
            throw new CliFailure("give a target (--time, --lsn, --xid, --name, --immediate or --latest), --backup ID, or both");
        }
        boolean exclusive = namespace.getBoolean("exclusive");
        String timeline = namespace.getString("timeline");
        ObjectNode request = ShelterApi.json().createObjectNode();
        if (backup != null) {
            request.put("backupId", backup);
        }
        if (given.isEmpty()) {
            if (exclusive) {
                throw new CliFailure("--exclusive applies to a --time, --lsn or --xid target, and --backup alone has none");
            }
            if (timeline != null) {
                throw new CliFailure("--timeline applies to a target flag; --backup alone restores to the end of the backup");
            }
        } else {
            String kind = given.get(0);
            ObjectNode target = request.putObject("target");
            switch (kind) {
                case "xid" -> target.put("xid", number("--xid", namespace.getString("xid")));
                case "immediate", "latest" -> target.put(kind, true);
                default -> target.put(kind, namespace.getString(kind));
            }
            if (exclusive) {
                if (!List.of("time", "lsn", "xid").contains(kind)) {
                    throw new CliFailure("--exclusive applies to a --time, --lsn or --xid target, not to " + TARGET_FLAGS.get(kind));
                }
                target.put("inclusive", false);
            }
            if (timeline != null) {
                target.put("timeline", number("--timeline", timeline));
            }
        }
        if (namespace.getString("strategy") != null) {
            request.put("strategy", namespace.getString("strategy"));
        }
        if (namespace.getString("confirm") != null) {
            request.put("confirm", namespace.getString("confirm"));
        }
        request.put("dryRun", namespace.getBoolean("dryRun"));
        return request;
    }

    private void create(ShelterApi api, Namespace namespace, ObjectNode order) {
        String cluster = namespace.getString("cluster");
        String path = "/api/v1/clusters/" + ShelterApi.encode(cluster) + "/restores";
        if (namespace.getBoolean("dryRun")) {
            out.print(preview(api.expectOk(api.post(path, order), "dry-run a restore of " + cluster)));
            return;
        }
        JsonNode started = api.expectOk(api.post(path, order), "restore " + cluster);
        String id = started.path("id").asText();
        out.println("restore " + id + " of " + cluster + " " + started.path("state").asText());
        if (!namespace.getBoolean("wait")) {
            return;
        }
        JsonNode restore = started;
        Set<String> printed = new HashSet<>();
        while (true) {
            printPassedSteps(restore, printed);
            if (!"running".equals(restore.path("state").asText())) {
                break;
            }
            pause();
            restore = api.expectOk(api.get(restorePath(id)), "follow restore " + id);
        }
        out.println(summary(restore));
        if (!"completed".equals(restore.path("state").asText())) {
            throw new CliFailure("restore " + id + " " + restore.path("state").asText() + text(restore, "failure", ": ", ""));
        }
    }

    /** Each step that has passed since the last look, once per outcome: "step 4/10 RollbackVolumes done". */
    private void printPassedSteps(JsonNode restore, Set<String> printed) {
        JsonNode steps = restore.path("steps");
        for (JsonNode step : steps) {
            String status = step.path("status").asText();
            if (PASSED.containsKey(status) && printed.add(step.path("index").asText() + " " + status)) {
                out.println("  step " + step.path("index").asText() + "/" + steps.size() + " " + step.path("name").asText() + " "
                        + PASSED.get(status) + (status.equals("skipped-done") ? "" : text(step, "message", ": ", "")));
            }
        }
    }

    /** The last line of a --wait: where a completed restore ended up and how long the cluster was out, or how it ended. */
    static String summary(JsonNode r) {
        String line = "restore " + r.path("id").asText() + " " + r.path("state").asText();
        if ("completed".equals(r.path("state").asText())) {
            // The reason PostgreSQL wrote into the new timeline's history file, such as: before transaction 741.
            String stopped = text(r, "recoveryStopped", "", null);
            line += ": promoted timeline " + text(r, "promotedTimeline", "", "-") + ", recovery stopped "
                    + (stopped == null ? "-" : "\"" + stopped + "\"") + ", RTO " + seconds(r, " s", "-");
        }
        return line;
    }

    /** A dry run's answer: what the restore would start from and aim at, what the checks found, and the steps. */
    static String preview(JsonNode p) {
        StringBuilder text = new StringBuilder("dry run of a restore of ").append(p.path("cluster").asText())
                .append(": nothing was changed\n");
        String backup = p.path("backupId").asText() + text(p, "backupEndedAt", ", ended ", "") + text(p, "backupStopLsn", " at ", "");
        text.append(field("backup", backup)).append(field("target", p.path("target").asText()))
                .append(field("timeline", p.path("timeline").asText())).append(field("replayable to", p.path("replayableTo").asText()));
        if (p.path("findings").isEmpty()) {
            text.append(field("findings", "none"));
        } else {
            text.append("findings:\n");
            p.path("findings").forEach(f -> text.append("  - ").append(f.asText()).append('\n'));
        }
        text.append("steps of the ").append(p.path("plan").asText()).append(" plan:\n");
        Table steps = new Table("#", "STEP", "TARGET", "ALREADY-DONE");
        for (JsonNode s : p.path("steps")) {
            steps.row(s.path("index").asText(), s.path("name").asText(), s.path("target").asText(),
                    s.path("alreadyDone").asBoolean() ? "yes" : null);
        }
        return text.append(steps.render()).toString();
    }

    private void list(ShelterApi api, String cluster) {
        JsonNode page = api.expectOk(api.get("/api/v1/clusters/" + ShelterApi.encode(cluster) + "/restores"), "list restores of " + cluster);
        out.print(restoreTable(page.path("restores")));
    }

    static String restoreTable(JsonNode restores) {
        Table table = new Table("ID", "STATE", "BACKUP", "TARGET", "STEP", "RTO", "FAILURE");
        for (JsonNode r : restores) {
            table.row(r.path("id").asText(), r.path("state").asText(), text(r, "backupId", "", null), text(r, "target", "", null),
                    text(r, "currentStep", "", null), seconds(r, "s", null), text(r, "failure", "", null));
        }
        return table.render();
    }

    /** Cancels a running restore; 409 (it has ended, or is past rolling back the volumes) is the service's message and exit 1. */
    private void cancel(ShelterApi api, String id) {
        JsonNode restore = api.expectOk(api.post(restorePath(id) + "/cancel"), "cancel restore " + id);
        String state = restore.path("state").asText();
        out.println("restore " + text(restore, "id", "", id) + " " + state
                + ("running".equals(state) ? ": cancelling; it ends cancelled and the cluster starts again as it was" : ""));
    }

    private static String field(String name, String value) {
        return "%-15s%s%n".formatted(name, value);
    }

    private static String seconds(JsonNode r, String unit, String absent) {
        JsonNode rto = r.path("rtoSeconds");
        return rto.isNumber() ? "%.1f%s".formatted(rto.asDouble(), unit) : absent;
    }

    private static String text(JsonNode node, String field, String prefix, String absent) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() || value.asText().isEmpty() ? absent : prefix + value.asText();
    }

    /** A whole number for the API, or a usage error that names the flag. */
    private static long number(String flag, String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new CliFailure(flag + " takes a whole number, not '" + value + "'");
        }
    }

    private static String restorePath(String id) {
        return "/api/v1/restores/" + ShelterApi.encode(id);
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("interrupted");
        }
    }
}
