package dev.shelter.runbooks.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * The backup set on the primary member of a StatefulSet: a volume configured with source "pgdata"
 * is the claim "pgdata-&lt;pod&gt;" (the StatefulSet naming rule), followed to its image.
 */
public final class PrimaryMemberVolumes implements BackupSetLocator {

    private final ClusterControl cluster;

    public PrimaryMemberVolumes(ClusterControl cluster) {
        this.cluster = cluster;
    }

    @Override
    public List<String> locate(List<VolumeSpec> volumes) {
        Member primary = primary(cluster.members());
        List<String> located = new ArrayList<>();
        for (VolumeSpec volume : volumes) {
            String claim = volume.source() + "-" + primary.name();
            located.add(primary.volumes().stream().filter(v -> v.claim().equals(claim)).findFirst()
                    .map(v -> v.location().snapshotterVolume())
                    .orElseThrow(() -> new ClusterTargetException(ClusterTargetException.Reason.NOT_FOUND,
                            "the primary " + primary.name() + " mounts no claim " + claim + " for the " + volume.role()
                                    + " volume (it mounts " + primary.volumes().stream().map(MemberVolume::claim).toList()
                                    + ")")));
        }
        return located;
    }

    @Override
    public String pgdataClaim(List<VolumeSpec> volumes) {
        Member primary = primary(cluster.members());
        String claim = BackupSetLocator.pgdataOf(volumes).source() + "-" + primary.name();
        if (primary.volumes().stream().noneMatch(v -> v.claim().equals(claim))) {
            throw new ClusterTargetException(ClusterTargetException.Reason.NOT_FOUND, "the primary " + primary.name()
                    + " mounts no claim " + claim + " for the PGDATA volume (it mounts "
                    + primary.volumes().stream().map(MemberVolume::claim).toList() + ")");
        }
        return claim;
    }

    private static Member primary(List<Member> members) {
        List<Member> primaries = members.stream().filter(m -> m.role() == MemberRole.PRIMARY).toList();
        if (primaries.size() == 1) {
            return primaries.get(0);
        }
        throw new ClusterTargetException(primaries.isEmpty() ? ClusterTargetException.Reason.NOT_FOUND
                : ClusterTargetException.Reason.CONFLICT, primaries.isEmpty()
                ? "no member is known to be the primary (members: " + members.stream().map(Member::name).toList() + ")"
                : "more than one member claims to be the primary: " + primaries.stream().map(Member::name).toList());
    }
}
