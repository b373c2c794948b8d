package dev.shelter.testing;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The test runs Patroni clusters of its own ({@link LocalPatroniCluster}) with the local Patroni and
 * etcd; combine with {@link RealPostgresBinaries} for the servers they manage. See {@link RealServerExtension}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(PatroniExtension.class)
@Tag("real-server")
public @interface RealPatroni {
}
