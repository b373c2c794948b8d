package dev.shelter.service.edge;

import com.fasterxml.jackson.annotation.JsonTypeName;
import io.dropwizard.jetty.HttpsConnectorFactory;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.HttpConfiguration;

/** Dropwizard's {@code type: https} connector without pooled network buffers, for the reason {@link UnpooledHttpConnectorFactory} gives. */
@JsonTypeName("https")
public class UnpooledHttpsConnectorFactory extends HttpsConnectorFactory {

    @Override
    protected ByteBufferPool buildBufferPool() {
        return ByteBufferPool.NON_POOLING;
    }

    @Override
    protected HttpConfiguration buildHttpConfiguration() {
        return UnpooledHttpConnectorFactory.withHeapBuffers(super.buildHttpConfiguration());
    }
}
