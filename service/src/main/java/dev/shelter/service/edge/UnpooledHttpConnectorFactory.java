package dev.shelter.service.edge;

import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import io.dropwizard.jetty.HttpConnectorFactory;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * Dropwizard's {@code type: http} connector, with network buffers that are never pooled.
 *
 * <p>Twice in CI a request body read as the head of a request ("P…", "POST …") right after an
 * idle timeout failed a blocked read: the signature of a request buffer released twice into
 * Jetty's pool and then handed to two readers at once (Jetty issues 12939, 12227). Bodies here
 * are WAL segments and restore requests; one request's bytes must never reach another. Without a
 * pool, a buffer released twice is only garbage. Heap buffers keep the per-request cost at an
 * allocation the young generation absorbs.
 *
 * <p>{@link #replaceStockConnectors} makes {@code type: http} and {@code type: https} in a
 * configuration file mean these factories: of two subtypes with one name, Jackson takes the one
 * registered last, and the application registers these after Dropwizard's discovered ones.
 */
@JsonTypeName("http")
public class UnpooledHttpConnectorFactory extends HttpConnectorFactory {

    @Override
    protected ByteBufferPool buildBufferPool() {
        return ByteBufferPool.NON_POOLING;
    }

    @Override
    protected HttpConfiguration buildHttpConfiguration() {
        return withHeapBuffers(super.buildHttpConfiguration());
    }

    /** Called from the application's {@code initialize}, before any configuration is read. */
    public static void replaceStockConnectors(ObjectMapper configurationMapper) {
        configurationMapper.registerSubtypes(new NamedType(UnpooledHttpConnectorFactory.class, "http"),
                new NamedType(UnpooledHttpsConnectorFactory.class, "https"));
    }

    static HttpConfiguration withHeapBuffers(HttpConfiguration configuration) {
        configuration.setUseInputDirectByteBuffers(false);
        configuration.setUseOutputDirectByteBuffers(false);
        return configuration;
    }
}
