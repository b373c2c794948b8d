package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.catalog.BackupIndex;
import dev.shelter.runbooks.engine.RunbookEngine;
import dev.shelter.runbooks.engine.StepStatus;
import dev.shelter.runbooks.plan.offsite.ExportBackupPlan;
import dev.shelter.runbooks.plan.offsite.ScrubBackupPlan;

import java.util.Locale;
import java.util.Optional;

/** Reads the catalog: one backup, or a cluster's backups a page at a time. */
public final class ShowBackups {

    public static final int MAX_PAGE = 500;

    private final ClusterRegistry clusters;
    private final BackupCatalog catalog;
    private final RunbookEngine engine;

    private final OffsiteFailures offsiteFailures;

    public ShowBackups(ClusterRegistry clusters, BackupCatalog catalog, RunbookEngine engine, OffsiteFailures offsiteFailures) {
        this.clusters = clusters;
        this.engine = engine;
        this.catalog = catalog;
        this.offsiteFailures = offsiteFailures;
    }

    public BackupManifest show(String id) {
        return requireKnown(catalog, id);
    }

    /** Where the backup's run is now, while this Shelter runs it: "step n of m: Name", and the step's own progress if it reports one. */
    public Optional<String> progressOf(BackupManifest manifest) {
        if (manifest.state() != BackupState.RUNNING) {
            return Optional.empty(); // ended: its run may still be finishing (post-hooks), but the backup is not
        }
        return engine.running(manifest.id().value()).map(journal -> {
            String step = journal.currentStep();
            return journal.steps().stream().filter(entry -> entry.status() == StepStatus.STARTED && entry.progress() != null)
                    .findFirst().map(entry -> step + ", " + entry.progress().done() + " of " + entry.progress().total() + " "
                            + entry.progress().unit()).orElse(step);
        });
    }

    /** Where the backup's export is, while this Shelter runs one: its step and the step's progress. */
    public Optional<String> exportProgressOf(BackupManifest manifest) {
        return progressOfPlan(manifest, ExportBackupPlan.NAME);
    }

    /** Why the backup's last export or scrub failed, if it did (as this replica saw it end). */
    public Optional<String> offsiteFailureOf(BackupManifest manifest) {
        return offsiteFailures.of(manifest.id().value());
    }

    /** Where the scrub of the backup's copy is, while one runs. */
    public Optional<String> scrubProgressOf(BackupManifest manifest) {
        return progressOfPlan(manifest, ScrubBackupPlan.NAME);
    }

    private Optional<String> progressOfPlan(BackupManifest manifest, String plan) {
        return engine.running(manifest.id().value()).filter(journal -> journal.plan().equals(plan)).map(journal ->
                journal.steps().stream().filter(entry -> entry.status() == StepStatus.STARTED && entry.progress() != null).findFirst()
                        .map(entry -> journal.currentStep() + ", " + entry.progress().done() + " of " + entry.progress().total() + " "
                                + entry.progress().unit()).orElse(journal.currentStep()));
    }

    public BackupIndex.Page list(String cluster, String state, int offset, int limit) {
        ClusterName name = clusters.requireSpec(cluster).name();
        if (offset < 0 || limit < 1 || limit > MAX_PAGE) {
            throw new InvalidRequestException("offset must be >= 0 and limit from 1 to " + MAX_PAGE);
        }
        return catalog.list(name, parseState(state), offset, limit);
    }

    static BackupManifest requireKnown(BackupCatalog catalog, String id) {
        if (!BackupId.isWellFormed(id)) {
            throw new UnknownBackupException(id);
        }
        return catalog.find(new BackupId(id)).orElseThrow(() -> new UnknownBackupException(id));
    }

    private static Optional<BackupState> parseState(String state) {
        if (state == null || state.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(BackupState.valueOf(state.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("state must be one of running, completed, failed, deleted; not '" + state + "'");
        }
    }
}
