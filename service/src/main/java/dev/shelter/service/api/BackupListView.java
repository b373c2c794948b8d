package dev.shelter.service.api;

import java.util.List;

/** One page of a cluster's backups, newest first. */
public record BackupListView(List<BackupView> backups, int offset, int limit, int total) {
}
