package dev.shelter.service.config;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shelter.service.app.ShelterApplication;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.jetty.ConnectorFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * {@code type: http} and {@code type: https} in a configuration build connectors whose network
 * buffers are never handed out twice: a buffer released (even twice) is not given to the next
 * reader, so one request's bytes cannot reach another's body.
 */
class ConnectorBuffersTest {

    @TempDir
    static Path work;

    private static ObjectMapper configurationMapper;
    private static Path keyStore;

    @BeforeAll
    static void readConfigurationsAsTheApplicationDoes() throws Exception {
        ShelterApplication application = new ShelterApplication();
        Bootstrap<ShelterConfiguration> bootstrap = new Bootstrap<>(application);
        application.initialize(bootstrap);
        configurationMapper = bootstrap.getObjectMapper();
        keyStore = work.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "shelter", "-keyalg", "EC", "-dname", "CN=127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String said = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, keytool.waitFor(), said);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "https"})
    void aConfiguredConnectorNeverReusesANetworkBuffer(String type) throws Exception {
        ConnectorFactory factory = configurationMapper.readValue(
                "{\"type\": \"" + type + "\", \"port\": 0, \"bindHost\": \"127.0.0.1\", \"keyStorePath\": \"" + keyStore
                        + "\", \"keyStorePassword\": \"changeit\", \"keyStoreType\": \"PKCS12\"}",
                ConnectorFactory.class);
        ServerConnector connector = build(factory);

        assertFreshAfterRelease(connector.getByteBufferPool());
        // Dropwizard wraps the HTTP factory in a metrics one, which holds it as a bean.
        Collection<HttpConnectionFactory> httpFactories = connector.getContainedBeans(HttpConnectionFactory.class);
        assertEquals(1, httpFactories.size());
        HttpConfiguration http = httpFactories.iterator().next().getHttpConfiguration();
        assertFalse(http.isUseInputDirectByteBuffers(), "unpooled buffers are heap buffers");
        assertFalse(http.isUseOutputDirectByteBuffers(), "unpooled buffers are heap buffers");
    }

    /** What the check above tells apart: Dropwizard's own factory hands a released buffer out again. */
    @Test
    void dropwizardsOwnConnectorReusesAReleasedBuffer() throws Exception {
        ByteBufferPool pool = build(new HttpConnectorFactory()).getByteBufferPool();
        RetainableByteBuffer first = pool.acquire(4096, false);
        ByteBuffer memory = first.getByteBuffer();
        first.release();
        RetainableByteBuffer second = pool.acquire(4096, false);
        assertSame(memory, second.getByteBuffer());
        second.release();
    }

    private static void assertFreshAfterRelease(ByteBufferPool pool) {
        for (boolean direct : new boolean[] {false, true}) {
            RetainableByteBuffer first = pool.acquire(4096, direct);
            ByteBuffer memory = first.getByteBuffer();
            first.release();
            RetainableByteBuffer second = pool.acquire(4096, direct);
            assertNotSame(memory, second.getByteBuffer(), "a released buffer was handed out again");
            second.release();
        }
    }

    private static ServerConnector build(ConnectorFactory factory) throws Exception {
        Server server = new Server();
        return (ServerConnector) factory.build(server, new MetricRegistry(), "test", new QueuedThreadPool());
    }
}
