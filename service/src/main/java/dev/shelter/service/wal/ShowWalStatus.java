package dev.shelter.service.wal;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupState;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.catalog.BackupCatalog;
import dev.shelter.runbooks.catalog.BackupIndex;
import dev.shelter.runbooks.catalog.Lease;
import dev.shelter.runbooks.cluster.ProtectedCluster;
import dev.shelter.runbooks.wal.WalArchive;
import dev.shelter.runbooks.wal.WalArchiveInspection;
import dev.shelter.service.api.WalStatusView;
import dev.shelter.service.core.ClusterRegistry;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** GET /clusters/{name}/wal: the archive's continuity, the receiver's state and lag, and the recoverable window. */
public final class ShowWalStatus {

    /** The archive's layout as the view names it: only Shelter's layout can be inspected. */
    private static final String SHELTER = "shelter";
    private static final String PLAIN = "plain";

    private final ClusterRegistry clusters;
    private final Map<String, WalMonitor> monitors;
    private final Map<String, LeasedWalReceiver> receivers;
    private final BackupCatalog catalog;

    public ShowWalStatus(ClusterRegistry clusters, Map<String, WalMonitor> monitors, Map<String, LeasedWalReceiver> receivers,
                         BackupCatalog catalog) {
        this.clusters = clusters;
        this.monitors = Map.copyOf(monitors);
        this.receivers = Map.copyOf(receivers);
        this.catalog = catalog;
    }

    public WalStatusView show(String clusterName) {
        ProtectedCluster cluster = clusters.require(clusterName);
        WalArchive archive = cluster.walArchive();
        Optional<WalMonitor> monitor = Optional.ofNullable(monitors.get(clusterName));
        WalStatusView.ReceiverView receiver = monitor.map(m -> receiverView(m, Optional.ofNullable(receivers.get(clusterName))))
                .orElse(null);
        WalStatusView.WindowView window = window(cluster.spec().name(), receiver);
        Optional<WalArchiveInspection> inspection = archive.inspection();
        if (inspection.isEmpty()) { // plain files: nothing beside them to say which system, incarnation or gaps
            return new WalStatusView(clusterName, PLAIN, archive.describe(), null, null, null, null, receiver, window);
        }
        try {
            Optional<WalArchiveInspection.Incarnation> incarnation = inspection.get().currentIncarnation();
            List<WalStatusView.TimelineView> timelines = inspection.get().continuity().stream()
                    .map(WalStatusView.TimelineView::of).toList();
            return new WalStatusView(clusterName, SHELTER, archive.describe(), incarnation.map(i -> i.system().toString()).orElse(null),
                    incarnation.map(WalArchiveInspection.Incarnation::number).orElse(null), timelines, null, receiver, window);
        } catch (RuntimeException storeUnreachable) {
            // The status matters most when the store is down: show the receiver, and say what failed.
            return new WalStatusView(clusterName, SHELTER, archive.describe(), null, null, null,
                    "cannot read the archive: " + storeUnreachable.getMessage(), receiver, window);
        }
    }

    /** The receiver as this replica sees it, and which replica streams: the lease's holder at the last renewal. */
    private static WalStatusView.ReceiverView receiverView(WalMonitor monitor, Optional<LeasedWalReceiver> leased) {
        WalReceiver.Status status = monitor.receiverStatus();
        Optional<WalMonitor.Sample> sample = monitor.last();
        Optional<Lease> lease = leased.flatMap(LeasedWalReceiver::lease);
        return new WalStatusView.ReceiverView(status.state().name().toLowerCase(), status.slot(),
                status.timeline() == null ? null : status.timeline().id(), status.server(), text(status.received()), text(status.durable()),
                status.durableAt(), status.lastError(), sample.map(WalMonitor.Sample::sampledAt).orElse(null),
                sample.map(s -> text(s.serverPosition())).orElse(null), sample.map(WalMonitor.Sample::lagBytes).orElse(null),
                sample.map(WalMonitor.Sample::slotRetainedBytes).orElse(null),
                sample.map(WalMonitor.Sample::rpoSeconds).filter(r -> !r.isNaN()).orElse(null),
                sample.flatMap(WalMonitor.Sample::problem).orElse(null), leased.map(LeasedWalReceiver::replica).orElse(null),
                lease.map(Lease::holder).orElse(null), lease.map(Lease::acquiredAt).orElse(null), lease.map(Lease::expiresAt).orElse(null));
    }

    private WalStatusView.WindowView window(ClusterName cluster, WalStatusView.ReceiverView receiver) {
        BackupIndex.Page completed = catalog.list(cluster, Optional.of(BackupState.COMPLETED), 0, 1);
        if (completed.total() == 0) {
            return null;
        }
        BackupManifest oldest = catalog.list(cluster, Optional.of(BackupState.COMPLETED), completed.total() - 1, 1).items().get(0);
        return new WalStatusView.WindowView(oldest.id().value(), oldest.window().startLsn().toString(), oldest.window().startedAt(),
                receiver == null ? null : receiver.durableLsn(), receiver == null ? null : receiver.durableAt());
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
