package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.restore.RestoreRefusedException;
import dev.shelter.runbooks.restore.VolumeSwap;
import dev.shelter.storage.snapshot.SnapshotException;
import dev.shelter.storage.snapshot.VolumeSnapshotter;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PersistentVolume;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1PersistentVolumeSpec;
import io.kubernetes.client.util.PatchUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Clone and swap on Kubernetes with RBD volumes: each clone gets a PersistentVolume of its own (a
 * static ceph-csi volume of the clone's image, pre-bound to the member's claim), and the claim,
 * with the StatefulSet at zero, is deleted and created again bound to it; the StatefulSet's pod
 * mounts the clone under the same claim name. The original volume is set to Retain first, so
 * nothing deletes its image, and it waits, Released, to be bound again by a swap back or removed
 * after its keep time. Everything needed to finish a swap either way after a crash is written on
 * the clone's volume before the claim is touched: the original volume's name, the claim as it was,
 * the reclaim policy before.
 */
public final class KubernetesVolumeSwap implements VolumeSwap {

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesVolumeSwap.class);
    static final String ORIGINAL_PV = "shelter.dev/original-volume";
    static final String CLAIM_AS_IT_WAS = "shelter.dev/claim";
    static final String RESTORE = "shelter.dev/restore";
    static final String POLICY_BEFORE = "shelter.dev/reclaim-policy-before";
    static final String KEPT_UNTIL = "shelter.dev/kept-until";
    static final String KEPT_FOR = "shelter.dev/kept-for";
    static final String KEPT_LABEL = "shelter.dev/kept-original";

    private final ApiClient client;
    private final CoreV1Api core;
    private final String namespace;
    private final Map<String, String> claimByVolume;
    private final VolumeSnapshotter snapshotter;

    /**
     * @param claimByVolume per volume of the cluster's spec (by name), the claim of the member that recovers
     *                      ({@code <template>-<statefulset>-0})
     */
    public KubernetesVolumeSwap(ApiClient client, String namespace, Map<String, String> claimByVolume, VolumeSnapshotter snapshotter) {
        this.client = Objects.requireNonNull(client, "client");
        this.core = new CoreV1Api(client);
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.claimByVolume = Map.copyOf(claimByVolume);
        this.snapshotter = Objects.requireNonNull(snapshotter, "snapshotter");
    }

    /**
     * The clone is named after the claim and the restore, so names do not grow from restore to
     * restore; the original is the volume bound to the claim before the swap, as the clone's
     * volume recorded it once the swap began.
     */
    @Override
    public List<Swap> swapsFor(BackupManifest backup, String tag) {
        List<Swap> swaps = new ArrayList<>();
        for (VolumeSnapshot snapshot : backup.snapshots()) {
            String claim = claimOf(snapshot);
            swaps.add(new Swap(snapshot, claim, claim + "-" + tag, originalOf(claim, clonePv(claim, tag))));
        }
        return swaps;
    }

    @Override
    public void requireSwappable(BackupManifest backup) {
        for (VolumeSnapshot snapshot : backup.snapshots()) {
            String claim = claimOf(snapshot);
            Optional<V1PersistentVolumeClaim> read = readClaim(claim);
            if (read.isEmpty() || read.get().getSpec() == null || read.get().getSpec().getVolumeName() == null) {
                throw new RestoreRefusedException("claim " + namespace + "/" + claim + " does not exist or is not bound: there is "
                        + "no volume to swap the clone of " + snapshot.ref() + " in for");
            }
        }
    }

    @Override
    public boolean cloneExists(Swap swap) {
        try {
            snapshotter.listSnapshots(swap.cloneVolume());
            return true;
        } catch (SnapshotException e) {
            if (e.reason() == SnapshotException.Reason.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public void discardClone(Swap swap) {
        if (isSwappedIn(swap)) {
            throw new IllegalStateException("the clone " + swap.cloneVolume() + " is bound to claim " + swap.mount()
                    + "; swap the original back first");
        }
        String pv = clonePv(swap);
        readVolume(pv).ifPresent(volume -> ApiCall.run("delete persistentvolume " + pv, () -> core.deletePersistentVolume(pv).execute()));
        awaitVolumeGone(pv);
        snapshotter.removeVolume(swap.cloneVolume());
    }

    @Override
    public void swapIn(Swap swap) {
        if (isSwappedIn(swap)) {
            return;
        }
        String clonePv = clonePv(swap);
        V1PersistentVolume original = readVolume(swap.original()).orElseThrow(() -> new IllegalStateException(
                "the volume " + swap.original() + " bound to claim " + swap.mount() + " is gone"));
        Optional<V1PersistentVolumeClaim> claim = readClaim(swap.mount());
        if (readVolume(clonePv).isEmpty()) {
            V1PersistentVolumeClaim asItWas = claim.orElseThrow(() -> new IllegalStateException("claim " + namespace + "/"
                    + swap.mount() + " is gone, and no volume of its clone records it"));
            createCloneVolume(swap, clonePv, original, asItWas);
        }
        retain(original);
        if (claim.isPresent() && !clonePv.equals(claim.get().getSpec().getVolumeName())) {
            deleteClaim(swap.mount());
        }
        if (readClaim(swap.mount()).isEmpty()) {
            createClaim(swap, clonePv);
        }
    }

    @Override
    public boolean isSwappedIn(Swap swap) {
        return readClaim(swap.mount()).map(claim -> clonePv(swap).equals(claim.getSpec().getVolumeName())).orElse(false);
    }

    @Override
    public void swapBack(Swap swap) {
        Optional<V1PersistentVolumeClaim> claim = readClaim(swap.mount());
        if (claim.isPresent() && swap.original().equals(claim.get().getSpec().getVolumeName())) {
            restorePolicy(swap.original());
            return;
        }
        if (claim.isPresent()) {
            deleteClaim(swap.mount());
        }
        // Released by the deleted claim: bindable again only once its claimRef no longer names that claim's uid.
        patchVolume(swap.original(), "{\"spec\":{\"claimRef\":{\"namespace\":\"" + namespace + "\",\"name\":\"" + swap.mount()
                + "\",\"uid\":null,\"resourceVersion\":null}}}");
        createClaim(swap, swap.original());
        restorePolicy(swap.original());
    }

    @Override
    public void detachClone(Swap swap) {
        snapshotter.detachClone(swap.cloneVolume());
    }

    @Override
    public void keepOriginal(Swap swap, String tag, Instant until) {
        patchVolume(swap.original(), "{\"metadata\":{\"labels\":{\"" + KEPT_LABEL + "\":\"true\"},\"annotations\":{\"" + KEPT_UNTIL
                + "\":\"" + until + "\",\"" + KEPT_FOR + "\":\"" + namespace + "/" + swap.mount() + "\",\"" + RESTORE + "\":\"" + tag
                + "\"}}}");
    }

    @Override
    public List<KeptOriginal> keptOriginals() {
        List<V1PersistentVolume> volumes = ApiCall.run("list kept persistentvolumes", () -> core.listPersistentVolume()
                .labelSelector(KEPT_LABEL + "=true").execute()).getItems();
        List<KeptOriginal> kept = new ArrayList<>();
        for (V1PersistentVolume volume : volumes) {
            if (volume.getMetadata().getDeletionTimestamp() != null) {
                continue; // removed already; it goes once no pod uses it (pv-protection)
            }
            Map<String, String> annotations = annotations(volume);
            String keptFor = annotations.getOrDefault(KEPT_FOR, "");
            String claim = keptFor.substring(keptFor.indexOf('/') + 1);
            if (keptFor.equals(namespace + "/" + claim) && claimByVolume.containsValue(claim) && annotations.containsKey(KEPT_UNTIL)) {
                kept.add(new KeptOriginal(volume.getMetadata().getName(), claim, annotations.getOrDefault(RESTORE, ""),
                        Instant.parse(annotations.get(KEPT_UNTIL))));
            }
        }
        kept.sort(Comparator.comparing(KeptOriginal::until).thenComparing(KeptOriginal::original));
        return kept;
    }

    /**
     * The volume goes, then its image, unless backups still have snapshots on it: those stay
     * restorable by clone and swap, and the image goes with the last of them.
     */
    @Override
    public void removeOriginal(KeptOriginal kept) {
        Optional<V1PersistentVolume> volume = readVolume(kept.original());
        if (volume.isEmpty()) {
            return;
        }
        Optional<V1PersistentVolumeClaim> claim = readClaim(kept.mount());
        if (claim.isPresent() && kept.original().equals(claim.get().getSpec().getVolumeName())) {
            throw new IllegalStateException("refusing to remove " + kept.original() + ": claim " + kept.mount() + " is bound to it");
        }
        String image = VolumeClaims.rbdImageOf(volume.get()).snapshotterVolume();
        ApiCall.run("delete persistentvolume " + kept.original(), () -> core.deletePersistentVolume(kept.original()).execute());
        awaitVolumeGone(kept.original());
        try {
            snapshotter.removeVolume(image);
        } catch (SnapshotException e) {
            if (e.reason() != SnapshotException.Reason.PROTECTED) {
                throw e;
            }
            LOG.info("image {} of the removed volume {} stays: backups still have snapshots on it ({})", image, kept.original(),
                    e.getMessage());
        }
    }

    @Override
    public String describe() {
        return "claims " + claimByVolume.values() + " in namespace " + namespace + ", rebound to volumes of the clones";
    }

    private String claimOf(VolumeSnapshot snapshot) {
        String claim = claimByVolume.get(snapshot.name());
        if (claim == null) {
            throw new RestoreRefusedException("the backup's volume " + snapshot.name() + " is not a volume of the cluster "
                    + claimByVolume.keySet() + ": there is no claim to swap its clone in for");
        }
        return claim;
    }

    private static String clonePv(String claim, String tag) {
        return "shelter-" + tag + "-" + claim;
    }

    private static String clonePv(Swap swap) {
        return "shelter-" + swap.cloneVolume().substring(swap.mount().length() + 1) + "-" + swap.mount();
    }

    /** The clone's volume records the original once the swap began; before that, the claim is still bound to it. */
    private String originalOf(String claim, String clonePv) {
        Optional<String> recorded = readVolume(clonePv).map(pv -> annotations(pv).get(ORIGINAL_PV));
        if (recorded.isPresent()) {
            return recorded.get();
        }
        return readClaim(claim).map(c -> c.getSpec().getVolumeName()).filter(Objects::nonNull)
                .orElseThrow(() -> new ClusterTargetException(ClusterTargetException.Reason.NOT_FOUND,
                        "claim " + namespace + "/" + claim + " does not exist or is not bound"));
    }

    /** A static ceph-csi volume of the clone's image, like the original in everything else, pre-bound to the claim. */
    private void createCloneVolume(Swap swap, String name, V1PersistentVolume original, V1PersistentVolumeClaim claim) {
        V1PersistentVolumeSpec spec = VolumeClaims.staticVolumeOf(client, original, swap.cloneVolume(), namespace, swap.mount());
        V1PersistentVolumeClaim asItWas = new V1PersistentVolumeClaim().apiVersion("v1").kind("PersistentVolumeClaim")
                .metadata(new V1ObjectMeta().name(swap.mount()).namespace(namespace).labels(claim.getMetadata().getLabels())
                        .annotations(claim.getMetadata().getAnnotations() == null ? null : withoutBindAnnotations(claim)))
                .spec(claim.getSpec());
        Map<String, String> labels = new LinkedHashMap<>(original.getMetadata().getLabels() == null ? Map.of()
                : original.getMetadata().getLabels());
        labels.remove(KEPT_LABEL);
        V1PersistentVolume volume = new V1PersistentVolume().apiVersion("v1").kind("PersistentVolume")
                .metadata(new V1ObjectMeta().name(name).labels(labels)
                        .putAnnotationsItem(ORIGINAL_PV, original.getMetadata().getName())
                        .putAnnotationsItem(CLAIM_AS_IT_WAS, client.getJSON().serialize(asItWas))
                        .putAnnotationsItem(RESTORE, swap.cloneVolume().substring(swap.mount().length() + 1)))
                .spec(spec);
        ApiCall.run("create persistentvolume " + name, () -> core.createPersistentVolume(volume).execute());
    }

    private static Map<String, String> withoutBindAnnotations(V1PersistentVolumeClaim claim) {
        Map<String, String> annotations = new HashMap<>(claim.getMetadata().getAnnotations());
        annotations.keySet().removeIf(key -> key.startsWith("pv.kubernetes.io/"));
        return annotations;
    }

    /** The claim as it was (recorded on the clone's volume when the swap began), bound to {@code volume}. */
    private void createClaim(Swap swap, String volume) {
        String claim = swap.mount();
        String recorded = readVolume(clonePv(swap)).map(pv -> annotations(pv).get(CLAIM_AS_IT_WAS)).orElseThrow(
                () -> new IllegalStateException("claim " + namespace + "/" + claim + " is gone, and no volume of its clone records it"));
        V1PersistentVolumeClaim asItWas = client.getJSON().deserialize(recorded, V1PersistentVolumeClaim.class);
        V1PersistentVolumeClaim created = new V1PersistentVolumeClaim().apiVersion("v1").kind("PersistentVolumeClaim")
                .metadata(new V1ObjectMeta().name(claim).namespace(namespace).labels(asItWas.getMetadata().getLabels())
                        .annotations(asItWas.getMetadata().getAnnotations()))
                .spec(asItWas.getSpec().volumeName(volume));
        ApiCall.run("create persistentvolumeclaim " + namespace + "/" + claim,
                () -> core.createNamespacedPersistentVolumeClaim(namespace, created).execute());
    }

    /** Deletes the claim and waits until it is gone: its protection lifts once no pod uses it, and the StatefulSet is at zero. */
    private void deleteClaim(String claim) {
        ApiCall.run("delete persistentvolumeclaim " + namespace + "/" + claim, () -> {
            try {
                return core.deleteNamespacedPersistentVolumeClaim(claim, namespace).execute();
            } catch (ApiException e) {
                if (e.getCode() == 404) {
                    return null;
                }
                throw e;
            }
        });
        Deletions.awaitGone("claim " + namespace + "/" + claim, () -> readClaim(claim).isPresent(), "does a pod still use it?");
    }

    /** Its image goes only after it: a volume keeps pv-protection's finalizer until its controller sees it unbound. */
    private void awaitVolumeGone(String volume) {
        Deletions.awaitGone("persistentvolume " + volume, () -> readVolume(volume).isPresent(), "is a claim still bound to it?");
    }

    /** Retain, so that deleting its claim never deletes the image; the policy before is recorded, once. */
    private void retain(V1PersistentVolume volume) {
        String policy = volume.getSpec().getPersistentVolumeReclaimPolicy();
        if ("Retain".equals(policy) && annotations(volume).containsKey(POLICY_BEFORE)) {
            return;
        }
        String before = annotations(volume).getOrDefault(POLICY_BEFORE, policy == null ? "Delete" : policy);
        patchVolume(volume.getMetadata().getName(), "{\"metadata\":{\"annotations\":{\"" + POLICY_BEFORE + "\":\"" + before
                + "\"}},\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}");
    }

    private void restorePolicy(String volume) {
        readVolume(volume).map(pv -> annotations(pv).get(POLICY_BEFORE)).ifPresent(before -> patchVolume(volume,
                "{\"metadata\":{\"annotations\":{\"" + POLICY_BEFORE + "\":null}},\"spec\":{\"persistentVolumeReclaimPolicy\":\""
                        + before + "\"}}"));
    }

    private void patchVolume(String name, String mergePatch) {
        ApiCall.run("patch persistentvolume " + name, () -> PatchUtils.patch(V1PersistentVolume.class,
                () -> core.patchPersistentVolume(name, new V1Patch(mergePatch)).buildCall(null), V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                client));
    }

    private Optional<V1PersistentVolumeClaim> readClaim(String claim) {
        return ApiCall.readOrEmpty("read persistentvolumeclaim " + namespace + "/" + claim,
                () -> core.readNamespacedPersistentVolumeClaim(claim, namespace).execute());
    }

    private Optional<V1PersistentVolume> readVolume(String name) {
        return ApiCall.readOrEmpty("read persistentvolume " + name, () -> core.readPersistentVolume(name).execute());
    }

    private static Map<String, String> annotations(V1PersistentVolume volume) {
        Map<String, String> annotations = volume.getMetadata().getAnnotations();
        return annotations == null ? Map.of() : annotations;
    }
}
