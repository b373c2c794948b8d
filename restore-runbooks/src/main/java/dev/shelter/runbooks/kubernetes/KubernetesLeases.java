package dev.shelter.runbooks.kubernetes;

import dev.shelter.runbooks.catalog.Lease;
import dev.shelter.runbooks.catalog.Leases;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Preconditions;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Leases as {@code coordination.k8s.io/v1} Lease objects in Shelter's namespace, as Kubernetes'
 * own leader election keeps them. Every change is a replace conditioned on the object's
 * resourceVersion, so of two replicas racing only one wins. Whether a lease expired is judged the
 * way client-go judges it, by this replica's monotonic clock: a lease whose record has not changed
 * for its whole duration since this replica first saw it has expired, whatever the holder's clock
 * wrote in it. Durations are whole seconds, at least one.
 */
public final class KubernetesLeases implements Leases {

    private final CoordinationV1Api api;
    private final String namespace;
    private final Clock clock;
    private final LongSupplier nanoTime;
    /** Per lease object: the record last seen (resourceVersion) and when this replica first saw it. */
    private final Map<String, Observed> observed = new ConcurrentHashMap<>();

    private record Observed(String resourceVersion, long sinceNanos) {
    }

    public KubernetesLeases(ApiClient client, String namespace, Clock clock, LongSupplier nanoTime) {
        this.api = new CoordinationV1Api(client);
        this.namespace = namespace;
        this.clock = clock;
        this.nanoTime = nanoTime;
    }

    /** A lease's name as a Lease object's: a DNS subdomain, and a hash where the name is none. */
    static String objectName(String lease) {
        String candidate = "shelter." + lease.replace('/', '.');
        if (candidate.length() <= 253 && candidate.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")) {
            return candidate;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(lease.getBytes(StandardCharsets.UTF_8));
            return "shelter.lease-" + HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Lease acquireOrRenew(String name, String replica, Duration ttl) {
        String object = objectName(name);
        int seconds = (int) Math.max(1, (ttl.toMillis() + 999) / 1000);
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<V1Lease> current = readObject(object);
            OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
            if (current.isEmpty()) {
                V1Lease fresh = new V1Lease().metadata(new V1ObjectMeta().name(object).namespace(namespace)
                        .putLabelsItem("app.kubernetes.io/managed-by", "shelter"))
                        .spec(new V1LeaseSpec().holderIdentity(replica).leaseDurationSeconds(seconds).acquireTime(now).renewTime(now)
                                .leaseTransitions(0));
                try {
                    return remember(name, api.createNamespacedLease(namespace, fresh).execute());
                } catch (ApiException e) {
                    if (e.getCode() == 409) {
                        continue; // another replica created it first: read whose it is
                    }
                    throw ApiFailures.translate(e, "create lease " + namespace + "/" + object);
                }
            }
            V1Lease lease = current.get();
            V1LeaseSpec spec = lease.getSpec() == null ? new V1LeaseSpec() : lease.getSpec();
            String holder = spec.getHolderIdentity();
            boolean mine = replica.equals(holder);
            boolean free = holder == null || holder.isEmpty();
            if (!mine && !free && !expired(object, lease)) {
                return remember(name, lease);
            }
            V1LeaseSpec next = new V1LeaseSpec().holderIdentity(replica).leaseDurationSeconds(seconds).renewTime(now)
                    .acquireTime(mine && spec.getAcquireTime() != null ? spec.getAcquireTime() : now)
                    .leaseTransitions((spec.getLeaseTransitions() == null ? 0 : spec.getLeaseTransitions()) + (mine ? 0 : 1));
            lease.setSpec(next);
            try {
                return remember(name, api.replaceNamespacedLease(object, namespace, lease).execute());
            } catch (ApiException e) {
                if (e.getCode() == 409 || e.getCode() == 404) {
                    continue; // changed or removed meanwhile: look again
                }
                throw ApiFailures.translate(e, "renew lease " + namespace + "/" + object);
            }
        }
        throw new IllegalStateException("lease " + namespace + "/" + object + " kept changing under five attempts to take or renew it");
    }

    @Override
    public void release(String name, String replica) {
        String object = objectName(name);
        Optional<V1Lease> current = readObject(object);
        if (current.isEmpty() || current.get().getSpec() == null || !replica.equals(current.get().getSpec().getHolderIdentity())) {
            return;
        }
        try {
            api.deleteNamespacedLease(object, namespace).body(new V1DeleteOptions().preconditions(new V1Preconditions()
                    .resourceVersion(current.get().getMetadata().getResourceVersion()))).execute();
        } catch (ApiException e) {
            if (e.getCode() != 404 && e.getCode() != 409) { // gone, or taken by another meanwhile: not ours to delete
                throw ApiFailures.translate(e, "delete lease " + namespace + "/" + object);
            }
        }
        observed.remove(object);
    }

    @Override
    public Optional<Lease> read(String name) {
        return readObject(objectName(name)).filter(lease -> lease.getSpec() != null && lease.getSpec().getHolderIdentity() != null
                && !lease.getSpec().getHolderIdentity().isEmpty()).map(lease -> toLease(name, lease));
    }

    /** Expired once its record has stayed the same for its whole duration, by this replica's clock since it first saw it. */
    private boolean expired(String object, V1Lease lease) {
        String version = lease.getMetadata().getResourceVersion();
        long now = nanoTime.getAsLong();
        Observed seen = observed.compute(object, (key, before) -> before != null && before.resourceVersion().equals(version) ? before
                : new Observed(version, now));
        Integer seconds = lease.getSpec().getLeaseDurationSeconds();
        return now - seen.sinceNanos() >= Duration.ofSeconds(seconds == null ? 0 : seconds).toNanos();
    }

    private Lease remember(String name, V1Lease lease) {
        String object = lease.getMetadata().getName();
        String version = lease.getMetadata().getResourceVersion();
        observed.compute(object, (key, before) -> before != null && before.resourceVersion().equals(version) ? before
                : new Observed(version, nanoTime.getAsLong()));
        return toLease(name, lease);
    }

    private static Lease toLease(String name, V1Lease lease) {
        V1LeaseSpec spec = lease.getSpec();
        Instant renewed = spec.getRenewTime() != null ? spec.getRenewTime().toInstant() : Instant.EPOCH;
        Instant acquired = spec.getAcquireTime() != null ? spec.getAcquireTime().toInstant() : renewed;
        int seconds = spec.getLeaseDurationSeconds() == null ? 0 : spec.getLeaseDurationSeconds();
        return new Lease(name, spec.getHolderIdentity(), acquired, renewed, renewed.plusSeconds(seconds));
    }

    private Optional<V1Lease> readObject(String object) {
        return ApiCall.readOrEmpty("read lease " + namespace + "/" + object, () -> api.readNamespacedLease(object, namespace).execute());
    }
}
