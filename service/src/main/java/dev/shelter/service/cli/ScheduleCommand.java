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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code shelter schedule create|list|show|next|pause|resume|delete}: the schedule endpoints of a
 * running Shelter. REST only; whatever goes wrong ends in one line on stderr and exit code 1.
 */
public final class ScheduleCommand extends Command {

    private static final String ACTION = "scheduleAction";

    private final PrintStream out;
    private final Map<String, String> environment;

    public ScheduleCommand(PrintStream out, Map<String, String> environment) {
        super("schedule", "Create, list, pause, resume and delete cron schedules through a running Shelter's REST API");
        this.out = out;
        this.environment = Map.copyOf(environment);
    }

    @Override
    public void configure(Subparser subparser) {
        Subparsers actions = subparser.addSubparsers().dest(ACTION).metavar("ACTION").title("actions")
                .description("'schedule ACTION --help' (or 'help schedule ACTION') shows an action's arguments");

        Subparser create = PrintHelp.action(actions, "create", "create a schedule of a cluster (operator token)", out);
        create.addArgument("cluster").help("the cluster's name in Shelter's configuration");
        create.addArgument("--cron").required(true).help("Unix's five fields ('0 2 * * *', '@daily') or Quartz's six or seven, "
                + "seconds first ('0 0 2 * * ?')");
        create.addArgument("--kind").choices("backup", "retention-sweep", "offsite-scrub").setDefault("backup")
                .help("backup, retention-sweep for a cluster with a retention policy (needs --confirm), or offsite-scrub: "
                        + "a slice of each exported backup's copy read back per fire");
        create.addArgument("--time-zone").dest("timeZone").help("the zone the cron is read in (default UTC), e.g. Europe/Berlin");
        create.addArgument("--misfire-grace-seconds").dest("grace").type(Long.class)
                .help("a fire later than this is recorded as missed, not run late");
        create.addArgument("--mode").choices("online", "offline").help("backups: online (default) or offline (needs --confirm)");
        create.addArgument("--label").help("backups: a label kept with each backup");
        create.addArgument("--slices").type(Integer.class)
                .help("offsite-scrub: each fire reads one of this many slices (default 7: a daily schedule reads everything weekly)");
        create.addArgument("--paused").action(Arguments.storeTrue()).help("create it paused");
        create.addArgument("--confirm").metavar("CLUSTER").help("the cluster's name again, for offline backups and retention sweeps");

        Subparser list = PrintHelp.action(actions, "list", "list a cluster's schedules with their next fire (viewer token)", out);
        list.addArgument("cluster").help("the cluster's name in Shelter's configuration");
        Subparser show = PrintHelp.action(actions, "show", "show one schedule as JSON, with its recent fires (viewer token)", out);
        show.addArgument("id");
        Subparser next = PrintHelp.action(actions, "next", "the schedule's next fire times (viewer token)", out);
        next.addArgument("id");
        next.addArgument("--count").type(Integer.class).setDefault(5).help("how many (1 to 100)");
        Subparser pause = PrintHelp.action(actions, "pause", "pause a schedule; pausing a paused one is not an error (operator token)", out);
        pause.addArgument("id");
        Subparser resume = PrintHelp.action(actions, "resume", "resume a schedule; fires missed while paused are not run (operator token)",
                out);
        resume.addArgument("id");
        Subparser delete = PrintHelp.action(actions, "delete", "delete a schedule; its backups stay (operator token)", out);
        delete.addArgument("id");

        for (Subparser action : new Subparser[] {create, list, show, next, pause, resume, delete}) {
            ShelterApi.addConnectionArguments(action);
        }
    }

    @Override
    public void run(Bootstrap<?> bootstrap, Namespace namespace) {
        ShelterApi api = ShelterApi.connect(namespace, environment);
        String id = namespace.getString("id");
        switch (namespace.getString(ACTION)) {
            case "create" -> create(api, namespace);
            case "list" -> list(api, namespace.getString("cluster"));
            case "show" -> out.println(ShelterApi.pretty(api.expectOk(api.get(path(id)), "show schedule " + id)));
            case "next" -> {
                JsonNode times = api.expectOk(api.get(path(id) + "/next?count=" + namespace.getInt("count")), "show the next fires of " + id)
                        .path("nextFireTimes");
                times.forEach(time -> out.println(time.asText()));
                if (times.isEmpty()) {
                    out.println("schedule " + id + " has no fire ahead (it is paused, or its cron never fires again)");
                }
            }
            case "pause", "resume" -> {
                String action = namespace.getString(ACTION);
                JsonNode schedule = api.expectOk(api.post(path(id) + "/" + action), action + " schedule " + id);
                out.println("schedule " + id + (schedule.path("paused").asBoolean() ? " paused" : " active, next fire "
                        + schedule.path("nextFireTimes").path(0).asText("none")));
            }
            case "delete" -> {
                ShelterApi.Reply reply = api.delete(path(id));
                if (reply.status() != 204) {
                    api.expectOk(reply, "delete schedule " + id);
                }
                out.println("schedule " + id + " deleted");
            }
            default -> throw new CliFailure("unknown action " + namespace.getString(ACTION));
        }
    }

    @Override
    public void onError(Cli cli, Namespace namespace, Throwable error) {
        cli.getStdErr().println("shelter schedule: " + BackupCommand.describe(error));
    }

    private void create(ShelterApi api, Namespace namespace) {
        String cluster = namespace.getString("cluster");
        ObjectNode order = ShelterApi.json().createObjectNode().put("kind", namespace.getString("kind"))
                .put("cron", namespace.getString("cron")).put("paused", namespace.getBoolean("paused"));
        putIfGiven(order, "timeZone", namespace.getString("timeZone"));
        if (namespace.get("grace") != null) {
            order.put("misfireGraceSeconds", namespace.getLong("grace"));
        }
        putIfGiven(order, "mode", namespace.getString("mode"));
        putIfGiven(order, "label", namespace.getString("label"));
        if (namespace.getInt("slices") != null) {
            order.put("slices", namespace.getInt("slices"));
        }
        putIfGiven(order, "confirm", namespace.getString("confirm"));
        JsonNode created = api.expectOk(api.post("/api/v1/clusters/" + ShelterApi.encode(cluster) + "/schedules", order),
                "create a schedule of " + cluster);
        List<String> next = new ArrayList<>();
        created.path("nextFireTimes").forEach(time -> next.add(time.asText()));
        out.println("schedule " + created.path("id").asText() + " of " + cluster + " created (" + created.path("kind").asText()
                + ", Quartz " + created.path("quartzCron").asText() + " in " + created.path("timeZone").asText() + ")"
                + (created.path("paused").asBoolean() ? ", paused" : ", next fires " + String.join(", ", next)));
    }

    private void list(ShelterApi api, String cluster) {
        JsonNode schedules = api.expectOk(api.get("/api/v1/clusters/" + ShelterApi.encode(cluster) + "/schedules"),
                "list schedules of " + cluster).path("schedules");
        Table table = new Table("ID", "KIND", "CRON", "ZONE", "STATE", "NEXT", "LAST-FIRE");
        for (JsonNode s : schedules) {
            JsonNode last = s.path("recentFires").path(0);
            table.row(s.path("id").asText(), s.path("kind").asText(), s.path("cron").asText(), s.path("timeZone").asText(),
                    s.path("paused").asBoolean() ? "paused" : "active", s.path("nextFireTimes").path(0).asText(null),
                    last.isMissingNode() ? null : last.path("scheduledAt").asText() + " " + last.path("state").asText());
        }
        out.print(table.render());
        out.printf("%d schedule(s)%n", schedules.size());
    }

    private static void putIfGiven(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static String path(String id) {
        return "/api/v1/schedules/" + ShelterApi.encode(id);
    }
}
