package dev.shelter.testing;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The test runs PostgreSQL clusters of its own ({@link PostgresInstance}) with the local binaries; see {@link RealServerExtension}. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(PostgresBinariesExtension.class)
@Tag("real-server")
public @interface RealPostgresBinaries {
}
