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
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code shelter backup create|list|show|export|scrub|protect|unprotect|delete}: the backup endpoints of a running Shelter, for
 * shells and cron. Talks REST only, so it works the same against a local or a remote service.
 * Whatever goes wrong ends in one line on stderr and exit code 1, never a stack trace.
 */
public final class BackupCommand extends Command {

    private static final String ACTION = "backupAction";
    private static final Duration POLL = Duration.ofMillis(500);

    private final PrintStream out;
    private final Map<String, String> environment;

    public BackupCommand(PrintStream out, Map<String, String> environment) {
        super("backup", "Create, list, show, export, scrub, protect and delete backups through a running Shelter's REST API");
        this.out = out;
        this.environment = Map.copyOf(environment);
    }

    @Override
    public void configure(Subparser subparser) {
        Subparsers actions = subparser.addSubparsers().dest(ACTION).metavar("ACTION").title("actions")
                .description("'backup ACTION --help' (or 'help backup ACTION') shows an action's arguments");

        Subparser create = PrintHelp.action(actions, "create", "start a backup of a cluster (operator token)", out);
        create.addArgument("cluster").help("the cluster's name in Shelter's configuration");
        create.addArgument("--mode").choices("online", "offline").setDefault("online")
                .help("online: backup mode around the snapshots; offline: clean stop, snapshots, start (downtime)");
        create.addArgument("--confirm").metavar("CLUSTER")
                .help("with --mode offline, which stops PostgreSQL: the cluster's name again, to say you mean it");
        create.addArgument("--label").help("a label kept with the backup (letters, digits, space and ._:+@-)");
        create.addArgument("--spread-checkpoint").dest("spreadCheckpoint").action(Arguments.storeTrue())
                .help("let PostgreSQL spread the starting checkpoint instead of forcing it at once");
        create.addArgument("--wait").action(Arguments.storeTrue())
                .help("wait until the backup ends, showing its phases; exit 0 if it completed, 1 if it failed");

        Subparser list = PrintHelp.action(actions, "list", "list a cluster's backups, newest first, with failure reasons (viewer token)", out);
        list.addArgument("cluster").help("the cluster's name in Shelter's configuration");
        list.addArgument("--state").choices("running", "completed", "failed", "deleted").help("only backups in this state");
        list.addArgument("--offset").type(Integer.class).setDefault(0).help("skip this many backups (paging)");
        list.addArgument("--limit").type(Integer.class).setDefault(50).help("list at most this many backups");

        Subparser show = PrintHelp.action(actions, "show", "show one backup's manifest as JSON (viewer token)", out);
        show.addArgument("id").help("the backup's id, as 'create' printed it or 'list' shows it");
        Subparser export = PrintHelp.action(actions, "export", "copy a completed backup into the off-site repository (operator token)",
                out);
        export.addArgument("id").help("the backup's id, as 'list' shows it");
        export.addArgument("--wait").action(Arguments.storeTrue())
                .help("wait until the copy is made, showing its progress; exit 0 if it was, 1 if it failed");
        Subparser scrub = PrintHelp.action(actions, "scrub", "read a backup's off-site copy back and check every chunk read "
                + "(operator token)", out);
        scrub.addArgument("id").help("the backup's id, as 'list' shows it");
        scrub.addArgument("--sample").type(Double.class).metavar("PERCENT")
                .help("read back this share of the chunks, 0 to 100 (default: all); the others are only looked for");
        scrub.addArgument("--wait").action(Arguments.storeTrue())
                .help("wait for the verdict, showing progress; exit 0 if the copy is sound, 1 if it is corrupt");
        Subparser protect = PrintHelp.action(actions, "protect", "keep a completed backup whatever retention says, and refuse "
                + "its deletion (operator token)", out);
        protect.addArgument("id").help("the backup's id, as 'list' shows it");
        protect.addArgument("--reason").required(true).help("why it must stay, shown with it (1-200 characters, one line)");
        Subparser unprotect = PrintHelp.action(actions, "unprotect", "take a backup's protection off: retention judges it, and it "
                + "can be deleted, again (admin token)", out);
        unprotect.addArgument("id").help("the backup's id, as 'list' shows it");
        Subparser delete = PrintHelp.action(actions, "delete", "delete a backup's snapshots and manifest (admin token)", out);
        delete.addArgument("id").help("the backup's id, as 'list' shows it; deleting a deleted backup is not an error");

        for (Subparser action : new Subparser[] {create, list, show, export, scrub, protect, unprotect, delete}) {
            ShelterApi.addConnectionArguments(action);
        }
    }

    @Override
    public void run(Bootstrap<?> bootstrap, Namespace namespace) {
        ShelterApi api = ShelterApi.connect(namespace, environment);
        switch (namespace.getString(ACTION)) {
            case "create" -> create(api, namespace);
            case "list" -> list(api, namespace);
            case "show" -> out.println(ShelterApi.pretty(api.expectOk(api.get(backupPath(namespace.getString("id"))),
                    "show backup " + namespace.getString("id"))));
            case "export" -> export(api, namespace.getString("id"), namespace.getBoolean("wait"));
            case "scrub" -> scrub(api, namespace.getString("id"), namespace.get("sample"), namespace.getBoolean("wait"));
            case "protect" -> protect(api, namespace.getString("id"), namespace.getString("reason"));
            case "unprotect" -> unprotect(api, namespace.getString("id"));
            case "delete" -> delete(api, namespace.getString("id"));
            default -> throw new CliFailure("unknown action " + namespace.getString(ACTION));
        }
    }

    /** One line on stderr, whatever the error: a refused request is not a crash, and needs no stack trace. */
    @Override
    public void onError(Cli cli, Namespace namespace, Throwable error) {
        cli.getStdErr().println("shelter backup: " + describe(error));
    }

    static String describe(Throwable error) {
        if (error instanceof CliFailure) {
            return error.getMessage();
        }
        return "unexpected " + error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage())
                + " (please report it)";
    }

    private void create(ShelterApi api, Namespace namespace) {
        String cluster = namespace.getString("cluster");
        ObjectNode request = ShelterApi.json().createObjectNode()
                .put("mode", namespace.getString("mode"))
                .put("fastCheckpoint", !namespace.getBoolean("spreadCheckpoint"));
        if (namespace.getString("label") != null) {
            request.put("label", namespace.getString("label"));
        }
        if (namespace.getString("confirm") != null) {
            request.put("confirm", namespace.getString("confirm"));
        }
        JsonNode started = api.expectOk(api.post("/api/v1/clusters/" + ShelterApi.encode(cluster) + "/backups", request),
                "start a backup of " + cluster);
        String id = started.path("id").asText();
        out.println("backup " + id + " of " + cluster + " started");
        if (!namespace.getBoolean("wait")) {
            return;
        }
        JsonNode backup = started;
        String phase = "";
        while ("running".equals(backup.path("state").asText())) {
            if (!phase.equals(backup.path("phase").asText())) {
                phase = backup.path("phase").asText();
                out.println("  " + Instant.now().truncatedTo(ChronoUnit.MILLIS) + "  " + phase);
            }
            pause();
            backup = api.expectOk(api.get(backupPath(id)), "follow backup " + id);
        }
        out.println(summary(backup));
        if (!"completed".equals(backup.path("state").asText())) {
            throw new CliFailure("backup " + id + " " + backup.path("state").asText()
                    + text(backup, "failure", f -> ": " + f, ""));
        }
    }

    private void list(ShelterApi api, Namespace namespace) {
        String cluster = namespace.getString("cluster");
        StringBuilder query = new StringBuilder("?offset=").append(namespace.getInt("offset"))
                .append("&limit=").append(namespace.getInt("limit"));
        if (namespace.getString("state") != null) {
            query.append("&state=").append(namespace.getString("state"));
        }
        JsonNode page = api.expectOk(api.get("/api/v1/clusters/" + ShelterApi.encode(cluster) + "/backups" + query), "list backups of " + cluster);
        out.print(backupTable(page.path("backups")));
        out.printf("%d of %d backups (offset %d)%n", page.path("backups").size(), page.path("total").asInt(), page.path("offset").asInt());
    }

    /**
     * One row per backup. The manifest's window is the time in backup mode for an online backup,
     * and the time PostgreSQL was down for an offline one: two columns, so neither is mislabelled.
     */
    static String backupTable(JsonNode backups) {
        Table table = new Table("ID", "STATE", "PHASE", "MODE", "BACKUP-MODE", "DOWNTIME", "FINISHED", "LABEL", "PROTECTED", "FAILURE");
        for (JsonNode b : backups) {
            boolean offline = "offline".equals(b.path("mode").asText());
            String window = text(b, "backupModeSeconds", s -> "%.2fs".formatted(Double.parseDouble(s)), null);
            table.row(b.path("id").asText(), b.path("state").asText(), b.path("phase").asText(), b.path("mode").asText(),
                    offline ? null : window, offline ? window : null,
                    text(b, "finishedAt", s -> Instant.parse(s).truncatedTo(ChronoUnit.SECONDS).toString(), null),
                    text(b, "label", s -> s, null), text(b.path("protection"), "reason", s -> s, null), text(b, "failure", s -> s, null));
        }
        return table.render();
    }

    /** Starts the copy; with {@code wait}, follows it to its end, printing its progress as it changes. */
    private void export(ShelterApi api, String id, boolean wait) {
        ShelterApi.Reply reply = api.post(backupPath(id) + "/export");
        JsonNode backup = api.expectOk(reply, "export backup " + id);
        if (reply.status() == 202) {
            out.println("backup " + id + " export started");
            if (!wait) {
                return;
            }
            String shown = "";
            while ("exporting".equals(backup.path("offsite").path("state").asText())) {
                String progress = backup.path("offsite").path("progress").asText("");
                if (!progress.isEmpty() && !progress.equals(shown)) {
                    out.println("  " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "  " + progress);
                    shown = progress;
                }
                pause();
                backup = api.expectOk(api.get(backupPath(id)), "follow the export of backup " + id);
            }
        }
        JsonNode offsite = backup.path("offsite");
        if (!offsite.hasNonNull("exportedAt")) { // exported, and perhaps scrubbed since
            throw new CliFailure("the export of backup " + id + " did not complete (it is " + offsite.path("state").asText()
                    + "); " + text(offsite, "lastFailure", failure -> failure + ";", "Shelter's log says why, and") + " 'backup export "
                    + id + "' goes on from where it stopped");
        }
        out.printf("backup %s exported at %s: %d MiB read, %d KiB sent, %d chunks new, %d reused%s%s%n", id,
                offsite.path("exportedAt").asText(), offsite.path("bytesRead").asLong() >> 20, offsite.path("bytesUploaded").asLong() >> 10,
                offsite.path("chunksUploaded").asInt(), offsite.path("chunksReused").asInt(),
                offsite.path("incremental").asBoolean() ? ", from the previous copy" : "",
                text(offsite, "distrust", d -> "; DISTRUSTED: " + d, ""));
    }

    /** Starts the scrub; with {@code wait}, follows it to its verdict. */
    private void scrub(ShelterApi api, String id, Double sample, boolean wait) {
        com.fasterxml.jackson.databind.node.ObjectNode body = ShelterApi.json().createObjectNode();
        if (sample != null) {
            body.put("sample", sample);
        }
        JsonNode backup = api.expectOk(api.post(backupPath(id) + "/scrub", body), "scrub backup " + id);
        out.println("backup " + id + " scrub started");
        if (!wait) {
            return;
        }
        String shown = "";
        while ("scrubbing".equals(backup.path("offsite").path("state").asText())) {
            String progress = backup.path("offsite").path("progress").asText("");
            if (!progress.isEmpty() && !progress.equals(shown) && !progress.equals("starting")) {
                out.println("  " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "  " + progress);
                shown = progress;
            }
            pause();
            backup = api.expectOk(api.get(backupPath(id)), "follow the scrub of backup " + id);
        }
        JsonNode offsite = backup.path("offsite");
        JsonNode last = offsite.path("lastScrub");
        switch (offsite.path("state").asText()) {
            case "verified" -> out.printf("backup %s verified at %s: %d of %d chunks read back, all sound%n", id,
                    offsite.path("verifiedAt").asText(), last.path("chunksRead").asInt(), last.path("chunksNeeded").asInt());
            case "corrupt" -> {
                java.util.List<String> bad = new java.util.ArrayList<>();
                last.path("badChunks").fields().forEachRemaining(entry -> bad.add(entry.getKey() + " (" + entry.getValue().asText() + ")"));
                throw new CliFailure("backup " + id + " is CORRUPT off site: " + bad.size() + " chunk(s) wrong: " + String.join("; ", bad));
            }
            default -> throw new CliFailure("the scrub of backup " + id + " did not complete (its copy is " + offsite.path("state").asText()
                    + "); " + text(offsite, "lastFailure", failure -> failure, "Shelter's log says why"));
        }
    }

    private void protect(ShelterApi api, String id, String reason) {
        JsonNode done = api.expectOk(api.put(backupPath(id) + "/protection", ShelterApi.json().createObjectNode().put("reason", reason)),
                "protect backup " + id);
        out.println("backup " + id + " protected since " + done.path("protection").path("since").asText() + " ("
                + done.path("protection").path("reason").asText() + ")");
    }

    private void unprotect(ShelterApi api, String id) {
        api.expectOk(api.delete(backupPath(id) + "/protection"), "take the protection of backup " + id + " off");
        out.println("backup " + id + " unprotected");
    }

    /**
     * Deletes a backup and says what happened. The exit code follows the service's answer: 404 is
     * "no such backup" (exit 1); a backup that was already deleted is reported as such (exit 0),
     * whether the service says so with a 200 for a deleted backup or with 410.
     */
    private void delete(ShelterApi api, String id) {
        ShelterApi.Reply before = api.get(backupPath(id));
        boolean deletedBefore = before.ok() && "deleted".equals(before.body().path("state").asText());
        ShelterApi.Reply reply = api.delete(backupPath(id));
        if (reply.status() == 404) {
            throw new CliFailure("no backup " + id + " (" + reply.message() + "); 'backup list CLUSTER' shows the ids");
        }
        if (reply.status() == 410 || reply.ok() && deletedBefore) {
            out.println("backup " + id + " already deleted");
            return;
        }
        JsonNode deleted = api.expectOk(reply, "delete backup " + id);
        out.println("backup " + text(deleted, "id", s -> s, id) + " " + deleted.path("state").asText());
    }

    static String summary(JsonNode b) {
        String line = "backup " + b.path("id").asText() + " " + b.path("state").asText();
        if ("completed".equals(b.path("state").asText())) {
            String window = "offline".equals(b.path("mode").asText()) ? " s of downtime, " : " s in backup mode, ";
            line += ": start " + b.path("startLsn").asText() + ", stop " + b.path("stopLsn").asText() + ", timeline "
                    + b.path("timeline").asText() + ", " + text(b, "backupModeSeconds", s -> "%.2f".formatted(Double.parseDouble(s)), "-")
                    + window + b.path("snapshots").size() + " snapshot(s)";
        }
        return line;
    }

    private static String text(JsonNode node, String field, Function<String, String> format, String absent) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? absent : format.apply(value.asText());
    }

    private static String backupPath(String id) {
        return "/api/v1/backups/" + ShelterApi.encode(id);
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
