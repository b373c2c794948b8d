package dev.shelter.service.app;

import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.service.config.ShelterConfiguration;
import dev.shelter.storage.blob.BlobStore;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

import java.io.PrintStream;

/**
 * {@code shelter catalog rebuild shelter.yml}: replaces the catalog index (the PostgreSQL catalog
 * database) with the manifests in the object store, which are the truth. For a new or wiped
 * catalog database, or after restoring Shelter somewhere else; a service with an empty index does
 * the same by itself at startup.
 */
public final class CatalogCommand extends ConfiguredCommand<ShelterConfiguration> {

    private final PrintStream out;

    public CatalogCommand(PrintStream out) {
        super("catalog", "Maintain the backup catalog: rebuild its index from the manifests in the object store");
        this.out = out;
    }

    @Override
    public void configure(Subparser subparser) {
        Subparser rebuild = subparser.addSubparsers().dest("catalogAction").metavar("ACTION").title("actions")
                .addParser("rebuild").help("replace the catalog index with the manifests in the object store");
        addFileArgument(rebuild);
    }

    @Override
    protected void run(Bootstrap<ShelterConfiguration> bootstrap, Namespace namespace, ShelterConfiguration config) {
        if (!"postgres".equals(config.catalog.kind)) {
            out.println("catalog kind is " + config.catalog.kind + ": the index lives in memory and is rebuilt from the object "
                    + "store at every start; nothing to do");
            return;
        }
        try (BlobStore objectStore = config.objectStore.open()) {
            BackupCatalog catalog = ShelterApplication.openCatalog(config, objectStore);
            int found = catalog.rebuildIndex();
            out.println("catalog index rebuilt from the object store: " + found + " backup manifest(s)");
        }
    }

    /** A bad config or an unreachable store is the user's to fix: the message, without a stack trace. */
    @Override
    public void onError(Cli cli, Namespace namespace, Throwable error) {
        cli.getStdErr().println(FailureMessage.of("shelter catalog", error));
    }
}
