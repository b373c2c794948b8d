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

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code shelter backup create|list|show|delete}: the backup endpoints of a running Shelter, for
 * shells and cron. Talks REST only, so it works the same against a local or a remote service.
 */
public final class BackupCommand extends Command {

    private static final String ACTION = "backupAction";
    private static final Duration POLL = Duration.ofMillis(500);

    private final PrintStream out;
    private final Map<String, String> environment;

    public BackupCommand(PrintStream out, Map<String, String> environment) {
        super("backup", "Create, list, show and delete backups through a running Shelter's REST API");
        this.out = out;
        this.environment = Map.copyOf(environment);
    }

    @Override
    public void configure(Subparser subparser) {
        Subparsers actions = subparser.addSubparsers().dest(ACTION).metavar("ACTION").title("actions");

        Subparser create = actions.addParser("create").help("start a backup of a cluster (operator)");
        create.addArgument("cluster").help("the cluster's name in Shelter's configuration");
        create.addArgument("--mode").choices("online", "offline").setDefault("online")
                .help("online: backup mode around the snapshots; offline: clean stop, snapshots, start");
        create.addArgument("--label").help("a label kept with the backup (letters, digits, space and ._:+@-)");
        create.addArgument("--spread-checkpoint").dest("spreadCheckpoint").action(Arguments.storeTrue())
                .help("let PostgreSQL spread the starting checkpoint instead of forcing it at once");
        create.addArgument("--wait").action(Arguments.storeTrue())
                .help("wait until the backup ends, showing its phases; exit 1 unless it completed");

        Subparser list = actions.addParser("list").help("list a cluster's backups, newest first (viewer)");
        list.addArgument("cluster");
        list.addArgument("--state").choices("running", "completed", "failed", "deleted");
        list.addArgument("--offset").type(Integer.class).setDefault(0);
        list.addArgument("--limit").type(Integer.class).setDefault(50);

        Subparser show = actions.addParser("show").help("show one backup's manifest as JSON (viewer)");
        show.addArgument("id");
        Subparser delete = actions.addParser("delete").help("delete a backup's snapshots and manifest (admin)");
        delete.addArgument("id");

        for (Subparser action : new Subparser[] {create, list, show, delete}) {
            action.addArgument("--url").setDefault(environment.getOrDefault("SHELTER_URL", "http://127.0.0.1:8080"))
                    .help("Shelter's base URL (default: $SHELTER_URL or http://127.0.0.1:8080)");
            action.addArgument("--token-file").dest("tokenFile").setDefault(environment.get("SHELTER_TOKEN_FILE"))
                    .help("a file holding the bearer token (default: $SHELTER_TOKEN_FILE, else $SHELTER_TOKEN)");
        }
    }

    @Override
    public void run(Bootstrap<?> bootstrap, Namespace namespace) {
        ShelterApi api = new ShelterApi(URI.create(namespace.getString("url")), token(namespace.getString("tokenFile")));
        switch (namespace.getString(ACTION)) {
            case "create" -> create(api, namespace);
            case "list" -> list(api, namespace);
            case "show" -> out.println(pretty(api.expectOk(api.get("/api/v1/backups/" + encode(namespace.getString("id"))),
                    "show backup " + namespace.getString("id"))));
            case "delete" -> {
                JsonNode deleted = api.expectOk(api.delete("/api/v1/backups/" + encode(namespace.getString("id"))),
                        "delete backup " + namespace.getString("id"));
                out.println("backup " + deleted.path("id").asText() + " " + deleted.path("state").asText());
            }
            default -> throw new CliFailure("unknown action " + namespace.getString(ACTION));
        }
    }

    /** Shows only the message: a refused request is not a crash, and needs no stack trace. */
    @Override
    public void onError(Cli cli, Namespace namespace, Throwable error) {
        if (error instanceof CliFailure) {
            cli.getStdErr().println("shelter backup: " + error.getMessage());
        } else {
            super.onError(cli, namespace, error);
        }
    }

    private void create(ShelterApi api, Namespace namespace) {
        String cluster = namespace.getString("cluster");
        ObjectNode request = ShelterApi.json().createObjectNode()
                .put("mode", namespace.getString("mode"))
                .put("fastCheckpoint", !namespace.getBoolean("spreadCheckpoint"));
        if (namespace.getString("label") != null) {
            request.put("label", namespace.getString("label"));
        }
        JsonNode started = api.expectOk(api.post("/api/v1/clusters/" + encode(cluster) + "/backups", request),
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
                out.println("  " + Instant.now() + "  " + phase);
            }
            pause();
            backup = api.expectOk(api.get("/api/v1/backups/" + id), "follow backup " + id);
        }
        out.println(summary(backup));
        if (!"completed".equals(backup.path("state").asText())) {
            throw new CliFailure("backup " + id + " " + backup.path("state").asText() + ": " + backup.path("failure").asText());
        }
    }

    private void list(ShelterApi api, Namespace namespace) {
        String cluster = namespace.getString("cluster");
        StringBuilder query = new StringBuilder("?offset=").append(namespace.getInt("offset"))
                .append("&limit=").append(namespace.getInt("limit"));
        if (namespace.getString("state") != null) {
            query.append("&state=").append(namespace.getString("state"));
        }
        JsonNode page = api.expectOk(api.get("/api/v1/clusters/" + encode(cluster) + "/backups" + query), "list backups of " + cluster);
        String format = "%-24s %-10s %-21s %-8s %12s  %-24s %s%n";
        out.printf(format, "ID", "STATE", "PHASE", "MODE", "BACKUP-MODE", "FINISHED", "LABEL");
        for (JsonNode b : page.path("backups")) {
            out.printf(format, b.path("id").asText(), b.path("state").asText(), b.path("phase").asText(), b.path("mode").asText(),
                    text(b, "backupModeSeconds", s -> "%.2fs".formatted(Double.parseDouble(s))), text(b, "finishedAt", s -> s),
                    text(b, "label", s -> s));
        }
        out.printf("%d of %d backups (offset %d)%n", page.path("backups").size(), page.path("total").asInt(), page.path("offset").asInt());
    }

    private static String pretty(JsonNode node) {
        try {
            return ShelterApi.json().writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (IOException e) {
            return node.toString();
        }
    }

    private static String summary(JsonNode b) {
        String line = "backup " + b.path("id").asText() + " " + b.path("state").asText();
        if ("completed".equals(b.path("state").asText())) {
            line += ": start " + b.path("startLsn").asText() + ", stop " + b.path("stopLsn").asText() + ", timeline "
                    + b.path("timeline").asText() + ", " + text(b, "backupModeSeconds", s -> "%.2f".formatted(Double.parseDouble(s)))
                    + " s in backup mode, " + b.path("snapshots").size() + " snapshot(s)";
        }
        return line;
    }

    private static String text(JsonNode node, String field, Function<String, String> format) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? "-" : format.apply(value.asText());
    }

    private String token(String tokenFile) {
        if (tokenFile != null) {
            try {
                String token = Files.readString(Path.of(tokenFile), StandardCharsets.UTF_8).strip();
                if (token.isEmpty()) {
                    throw new CliFailure("the token file " + tokenFile + " is empty");
                }
                return token;
            } catch (IOException e) {
                throw new CliFailure("cannot read the token file " + tokenFile + ": " + e.getMessage());
            }
        }
        String token = environment.get("SHELTER_TOKEN");
        if (token == null || token.isBlank()) {
            throw new CliFailure("no token: give --token-file FILE, or set SHELTER_TOKEN_FILE or SHELTER_TOKEN");
        }
        return token.strip();
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
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
