package dev.shelter.runbooks.cluster;

import dev.shelter.runbooks.postgres.ControlFile;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The StatefulSet naming rule, on members as a target would list them (a fake: pure logic). */
class PrimaryMemberVolumesTest {

    private static final List<VolumeSpec> SET = List.of(new VolumeSpec(VolumeRole.PGDATA, null, "pgdata"),
            new VolumeSpec(VolumeRole.PGWAL, null, "pgwal"));

    @Test
    void eachVolumeIsThePrimarysClaimNamedAfterTheTemplateAndThePod() {
        Member replica = member("pg-0", MemberRole.REPLICA, "pgdata-pg-0", "img-a0", "pgwal-pg-0", "img-b0");
        Member primary = member("pg-1", MemberRole.PRIMARY, "pgdata-pg-1", "img-a1", "pgwal-pg-1", "img-b1");
        assertEquals(List.of("img-a1", "img-b1"), new PrimaryMemberVolumes(listing(replica, primary)).locate(SET));
    }

    @Test
    void thePgdataClaimIsThePrimarysAndItMustMountIt() {
        Member replica = member("pg-0", MemberRole.REPLICA, "pgdata-pg-0", "img-a0");
        Member primary = member("pg-1", MemberRole.PRIMARY, "pgdata-pg-1", "img-a1");
        assertEquals("pgdata-pg-1", new PrimaryMemberVolumes(listing(replica, primary)).pgdataClaim(SET));
        ClusterTargetException missing = assertThrows(ClusterTargetException.class, () -> new PrimaryMemberVolumes(
                listing(member("pg-0", MemberRole.PRIMARY, "pgwal-pg-0", "a"))).pgdataClaim(SET));
        assertEquals("the primary pg-0 mounts no claim pgdata-pg-0 for the PGDATA volume (it mounts [pgwal-pg-0])",
                missing.getMessage());
        assertEquals("/data", BackupSetLocator.asConfigured().pgdataClaim(List.of(new VolumeSpec(VolumeRole.TABLESPACE, "t", "/ts"),
                new VolumeSpec(VolumeRole.PGDATA, null, "/data"))));
    }

    @Test
    void noPrimaryTwoPrimariesOrAMissingClaimAreRefusedClearly() {
        ClusterTargetException none = assertThrows(ClusterTargetException.class, () -> new PrimaryMemberVolumes(
                listing(member("pg-0", MemberRole.UNKNOWN, "pgdata-pg-0", "a"))).locate(SET));
        assertEquals(ClusterTargetException.Reason.NOT_FOUND, none.reason());
        assertEquals("no member is known to be the primary (members: [pg-0])", none.getMessage());

        ClusterTargetException two = assertThrows(ClusterTargetException.class, () -> new PrimaryMemberVolumes(listing(
                member("pg-0", MemberRole.PRIMARY, "pgdata-pg-0", "a"), member("pg-1", MemberRole.PRIMARY, "pgdata-pg-1", "b")))
                .locate(SET));
        assertEquals(ClusterTargetException.Reason.CONFLICT, two.reason());

        ClusterTargetException missing = assertThrows(ClusterTargetException.class, () -> new PrimaryMemberVolumes(
                listing(member("pg-0", MemberRole.PRIMARY, "pgdata-pg-0", "a"))).locate(SET));
        assertTrue(missing.getMessage().startsWith("the primary pg-0 mounts no claim pgwal-pg-0 for the PGWAL volume"),
                missing.getMessage());
    }

    private static Member member(String name, MemberRole role, String... claimsAndImages) {
        List<MemberVolume> volumes = new java.util.ArrayList<>();
        for (int i = 0; i < claimsAndImages.length; i += 2) {
            volumes.add(new MemberVolume(claimsAndImages[i], new VolumeLocation.RbdImage("pool", claimsAndImages[i + 1])));
        }
        return new Member(name, role, Optional.of("node-1"), true, volumes);
    }

    private static ClusterControl listing(Member... members) {
        return new ClusterControl() {
            @Override
            public List<Member> members() {
                return List.of(members);
            }

            @Override
            public int desiredReplicas() {
                return members.length;
            }

            @Override
            public void scale(int replicas, Duration timeout) {
                throw new AssertionError("locating the backup set must not scale the cluster");
            }

            @Override
            public Map<String, String> annotations() {
                return Map.of();
            }

            @Override
            public void annotate(Map<String, Optional<String>> changes) {
                throw new AssertionError("locating the backup set must not annotate the cluster");
            }

            @Override
            public void recordEvent(ClusterEvent event) {
            }

            @Override
            public Optional<NodeMaintenance> nodeMaintenance() {
                return Optional.empty();
            }

            @Override
            public Optional<VolumeJobs> volumeJobs() {
                return Optional.empty();
            }

            @Override
            public ControlFile readControlFile(String claim, Duration timeout) {
                throw new AssertionError("locating the backup set must not read pg_control");
            }
        };
    }
}
