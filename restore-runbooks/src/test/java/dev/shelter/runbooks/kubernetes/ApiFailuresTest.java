package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.cluster.ClusterTargetException.Reason;
import io.kubernetes.client.openapi.ApiException;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiFailuresTest {

    @Test
    void theServersOwnMessageIsKeptAndTheCodeBecomesAReason() {
        ApiException denied = new ApiException(403, Map.of(), "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                + "\"message\":\"pods is forbidden: User \\\"system:serviceaccount:shelter:shelter\\\" cannot list resource"
                + " \\\"pods\\\" in API group \\\"\\\" in the namespace \\\"db\\\"\",\"reason\":\"Forbidden\",\"code\":403}");
        ClusterTargetException e = ApiFailures.translate(denied, "list pods in db");
        assertEquals(Reason.FORBIDDEN, e.reason());
        assertEquals("cannot list pods in db: pods is forbidden: User \"system:serviceaccount:shelter:shelter\" cannot list"
                + " resource \"pods\" in API group \"\" in the namespace \"db\"", e.getMessage());

        assertEquals(Reason.NOT_FOUND, ApiFailures.translate(new ApiException(404, Map.of(), ""), "x").reason());
        assertEquals(Reason.CONFLICT, ApiFailures.translate(new ApiException(409, Map.of(), ""), "x").reason());
        assertEquals(Reason.REFUSED, ApiFailures.translate(new ApiException(422, Map.of(), "not json"), "x").reason());
        assertEquals("cannot x: not json", ApiFailures.translate(new ApiException(422, Map.of(), "not json"), "x").getMessage());
    }

    @Test
    void noAnswerAtAllSaysWhyWithoutAStackTrace() {
        ApiException unreachable = new ApiException(new ConnectException("Connection refused"));
        ClusterTargetException e = ApiFailures.translate(unreachable, "read statefulset db/pg");
        assertEquals(Reason.UNAVAILABLE, e.reason());
        assertEquals("cannot read statefulset db/pg: no answer from the API server (ConnectException: Connection refused)",
                e.getMessage());
        assertTrue(ApiFailures.isTransient(unreachable));
    }

    @Test
    void onlyWhatMaySucceedLaterIsTransient() {
        assertTrue(ApiFailures.isTransient(new ApiException(409, Map.of(), "")));
        assertTrue(ApiFailures.isTransient(new ApiException(429, Map.of(), "")));
        assertTrue(ApiFailures.isTransient(new ApiException(503, Map.of(), "")));
        assertFalse(ApiFailures.isTransient(new ApiException(403, Map.of(), "")));
        assertFalse(ApiFailures.isTransient(new ApiException(404, Map.of(), "")));
        assertFalse(ApiFailures.isTransient(new ApiException(422, Map.of(), "")));
    }
}
