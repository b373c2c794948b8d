package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.cluster.MemberRole;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which pod is the primary, from the labels an HA manager puts on it: Patroni/Spilo's
 * {@code spilo-role}, or {@code role} on older images. Pure: pods as the API server returns them.
 * On a real API server with several pods: PrimaryDetectionOnKubernetesIT.
 */
class KubernetesMemberRolesTest {

    @ParameterizedTest(name = "{0}={1} -> {2}")
    @CsvSource({
            "spilo-role, master,         PRIMARY",
            "spilo-role, primary,        PRIMARY",
            "spilo-role, leader,         PRIMARY",
            "spilo-role, standby_leader, PRIMARY",
            "spilo-role, replica,        REPLICA",
            "spilo-role, standby,        REPLICA",
            "spilo-role, uninitialized,  UNKNOWN",
            "spilo-role, Master,         UNKNOWN",
            "role,       master,         PRIMARY",
            "role,       replica,        REPLICA",
            "role,       demoted,        UNKNOWN",
            "tier,       master,         UNKNOWN",
    })
    void aLabelNamesTheRoleOfOneOfSeveralPods(String label, String value, MemberRole expected) {
        assertEquals(expected, KubernetesClusterControl.roleOf(pod(Map.of(label, value, "statefulset.kubernetes.io/pod-name", "pg-0")), 3));
    }

    @Test
    void spiloRoleWinsOverTheOlderRoleLabel() {
        assertEquals(MemberRole.REPLICA, KubernetesClusterControl.roleOf(pod(Map.of("spilo-role", "replica", "role", "master")), 2));
        assertEquals(MemberRole.PRIMARY, KubernetesClusterControl.roleOf(pod(Map.of("spilo-role", "master", "role", "replica")), 2));
    }

    @Test
    void withoutARoleLabelOnlyAStatefulSetOfOneHasAKnownPrimary() {
        assertEquals(MemberRole.PRIMARY, KubernetesClusterControl.roleOf(pod(Map.of("app", "pg")), 1));
        assertEquals(MemberRole.UNKNOWN, KubernetesClusterControl.roleOf(pod(Map.of("app", "pg")), 2));
        assertEquals(MemberRole.PRIMARY, KubernetesClusterControl.roleOf(pod(null), 1));
        assertEquals(MemberRole.UNKNOWN, KubernetesClusterControl.roleOf(pod(null), 2));
    }

    private static V1Pod pod(Map<String, String> labels) {
        return new V1Pod().metadata(new V1ObjectMeta().name("pg-0").labels(labels));
    }
}
