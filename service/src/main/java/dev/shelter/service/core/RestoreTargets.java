package dev.shelter.service.core;

import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.restore.RestoreTarget;

import java.util.ArrayList;
import java.util.List;

/** Reads a restore's target as the API takes it: exactly one kind, RFC 3339 times with an offset. */
final class RestoreTargets {

    private RestoreTargets() {
    }

    static RestoreTarget parse(RestoreCluster.TargetOrder order, boolean backupNamed) {
        if (order == null) {
            if (backupNamed) {
                return new RestoreTarget.BackupEnd();
            }
            throw new InvalidRequestException("give a target ({\"time\"|\"lsn\"|\"xid\"|\"name\": …}, {\"immediate\": true} or "
                    + "{\"latest\": true}), a backupId, or both");
        }
        List<String> given = new ArrayList<>();
        if (order.time() != null) {
            given.add("time");
        }
        if (order.lsn() != null) {
            given.add("lsn");
        }
        if (order.xid() != null) {
            given.add("xid");
        }
        if (order.name() != null) {
            given.add("name");
        }
        if (Boolean.TRUE.equals(order.immediate())) {
            given.add("immediate");
        }
        if (Boolean.TRUE.equals(order.latest())) {
            given.add("latest");
        }
        if (given.size() != 1) {
            throw new InvalidRequestException("a target needs exactly one of time, lsn, xid, name, immediate, latest; got "
                    + (given.isEmpty() ? "none" : String.join(" and ", given)));
        }
        boolean inclusive = order.inclusive() == null || order.inclusive();
        if (order.inclusive() != null && (given.contains("name") || given.contains("immediate") || given.contains("latest"))) {
            throw new InvalidRequestException("inclusive applies to a time, lsn or xid target, not to " + given.get(0));
        }
        if (order.timeline() != null && order.timeline() < 1) {
            throw new InvalidRequestException("timeline must be 1 or more, not " + order.timeline());
        }
        try {
            return switch (given.get(0)) {
                case "time" -> RestoreTarget.AtTime.parse(order.time(), inclusive);
                case "lsn" -> new RestoreTarget.AtLsn(Lsn.parse(order.lsn()), inclusive);
                case "xid" -> new RestoreTarget.AtTransaction(order.xid(), inclusive);
                case "name" -> new RestoreTarget.AtRestorePoint(order.name());
                case "immediate" -> new RestoreTarget.BackupEnd();
                default -> new RestoreTarget.Latest();
            };
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("target: " + e.getMessage());
        }
    }
}
