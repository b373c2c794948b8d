package dev.shelter.service.api;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.engine.PlanPreview;
import dev.shelter.runbooks.restore.RestorePreflight;
import dev.shelter.runbooks.restore.RestoreTarget;

import java.time.Instant;
import java.util.List;

/**
 * A restore's dry run: the backup it would start from, the target (times in UTC), the timeline it
 * would follow, what the checks found, and the steps; nothing was changed.
 */
public record RestorePreviewView(boolean dryRun, String cluster, String backupId, Instant backupEndedAt, String backupStopLsn,
                                 String target, long timeline, String replayableTo, List<String> findings, String strategy, String plan,
                                 List<PlanView.StepView> steps) {

    public static RestorePreviewView of(String cluster, BackupManifest backup, RestoreTarget target, Timeline timeline,
                                        RestorePreflight.Findings findings, String strategy, PlanPreview preview) {
        PlanView plan = PlanView.of(preview);
        return new RestorePreviewView(true, cluster, backup.id().value(), backup.window().endedAt(),
                backup.window().stopLsn().toString(), target.describe(), timeline.id(), findings.replayableTo().toString(),
                findings.notes(), strategy, plan.plan(), plan.steps());
    }
}
