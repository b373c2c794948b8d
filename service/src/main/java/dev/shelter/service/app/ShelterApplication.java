package dev.shelter.service.app;

import com.fasterxml.jackson.databind.DeserializationFeature;
import dev.shelter.runbooks.cluster.ClusterSpec;
import dev.shelter.service.auth.Caller;
import dev.shelter.service.auth.RoleAuthorizer;
import dev.shelter.service.auth.TokenAuthenticator;
import dev.shelter.service.config.ClusterConfig;
import dev.shelter.service.config.ShelterConfiguration;
import dev.shelter.service.core.ClusterRegistry;
import dev.shelter.service.core.InspectCluster;
import dev.shelter.service.core.ServerInspector;
import dev.shelter.service.errors.ConstraintViolationMapper;
import dev.shelter.service.errors.DomainErrorMapper;
import dev.shelter.service.errors.JsonErrorHandler;
import dev.shelter.service.errors.MalformedJsonMapper;
import dev.shelter.service.health.CephPoolHealthCheck;
import dev.shelter.service.health.ObjectStoreHealthCheck;
import dev.shelter.service.health.PostgresHealthCheck;
import dev.shelter.service.postgres.JdbcServerInspector;
import dev.shelter.service.resources.ClustersResource;
import dev.shelter.service.resources.OpenApiResource;
import dev.shelter.storage.blob.BlobStore;
import io.dropwizard.auth.AuthDynamicFeature;
import io.dropwizard.auth.AuthValueFactoryProvider;
import io.dropwizard.auth.JSONUnauthorizedHandler;
import io.dropwizard.auth.oauth.OAuthCredentialAuthFilter;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.prometheus.metrics.exporter.servlet.jakarta.PrometheusMetricsServlet;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.glassfish.jersey.server.filter.RolesAllowedDynamicFeature;

import java.util.List;

/** Shelter's entry point and composition root: every adapter is built and wired here, by hand. */
public final class ShelterApplication extends Application<ShelterConfiguration> {

    public static void main(String[] args) throws Exception {
        new ShelterApplication().run(args);
    }

    @Override
    public String getName() {
        return "shelter";
    }

    @Override
    public void initialize(Bootstrap<ShelterConfiguration> bootstrap) {
        // ${VAR} and ${VAR:-default} in the YAML; an unset variable without a default is an error.
        bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(
                bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(true)));
    }

    @Override
    public void run(ShelterConfiguration config, Environment environment) {
        // A misspelt field in a request must be an error, not silently ignored.
        environment.getObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        ClusterRegistry clusters = new ClusterRegistry(config.clusters.stream().map(ClusterConfig::toSpec).toList());
        BlobStore objectStore = config.objectStore.open();
        environment.lifecycle().manage(closing(objectStore));
        ServerInspector inspector = new JdbcServerInspector();

        registerAuthentication(config, environment);
        registerErrorHandling(environment);
        environment.jersey().register(new ClustersResource(clusters, new InspectCluster(clusters, inspector)));
        environment.jersey().register(new OpenApiResource());
        registerHealthChecks(config, environment, clusters.all(), inspector, objectStore);
        registerPrometheus(environment);
    }

    private static void registerAuthentication(ShelterConfiguration config, Environment environment) {
        List<TokenAuthenticator.Grant> grants = config.auth.tokens.stream()
                .map(t -> new TokenAuthenticator.Grant(t.name, t.role, t.token.reveal())).toList();
        environment.jersey().register(new AuthDynamicFeature(new OAuthCredentialAuthFilter.Builder<Caller>()
                .setAuthenticator(new TokenAuthenticator(grants))
                .setAuthorizer(new RoleAuthorizer())
                .setPrefix("Bearer")
                .setRealm("shelter")
                .setUnauthorizedHandler(new JSONUnauthorizedHandler())
                .buildAuthFilter()));
        environment.jersey().register(RolesAllowedDynamicFeature.class);
        environment.jersey().register(new AuthValueFactoryProvider.Binder<>(Caller.class));
    }

    private static void registerErrorHandling(Environment environment) {
        environment.jersey().register(new DomainErrorMapper());
        environment.jersey().register(new MalformedJsonMapper());
        environment.jersey().register(new ConstraintViolationMapper());
        environment.getApplicationContext().setErrorHandler(new JsonErrorHandler());
        environment.getAdminContext().setErrorHandler(new JsonErrorHandler());
        environment.lifecycle().addServerLifecycleListener(server -> server.setErrorHandler(new JsonErrorHandler()));
    }

    private static void registerHealthChecks(ShelterConfiguration config, Environment environment, List<ClusterSpec> clusters,
                                             ServerInspector inspector, BlobStore objectStore) {
        for (ClusterSpec cluster : clusters) {
            environment.healthChecks().register("postgres-" + cluster.name().value(), new PostgresHealthCheck(cluster, inspector));
        }
        environment.healthChecks().register("object-store", new ObjectStoreHealthCheck(objectStore));
        if (config.ceph != null) {
            environment.healthChecks().register("ceph-pool", new CephPoolHealthCheck(config.ceph.toCephConfig()));
        }
    }

    /**
     * Prometheus text exposition of the Dropwizard metrics, on the admin port at /prometheus.
     * Jersey's "<method>.total" timers are left out: Prometheus naming strips a "_total" suffix,
     * so each would collide with its "<method>" timer and fail the whole scrape.
     */
    private static void registerPrometheus(Environment environment) {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new DropwizardExports(environment.metrics(), (name, metric) -> !name.endsWith(".total")));
        environment.admin().addServlet("prometheus", new PrometheusMetricsServlet(registry)).addMapping("/prometheus");
    }

    private static Managed closing(AutoCloseable resource) {
        return new Managed() {
            @Override
            public void stop() throws Exception {
                resource.close();
            }
        };
    }
}
