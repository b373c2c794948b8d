package dev.shelter.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The stack's loop-mounted XFS (reflink=1), from SHELTER_STACK_REFLINK_DIR; no container can mount one. */
final class ReflinkFilesystemExtension extends RealServerExtension<ReflinkFilesystem> {

    @Override
    protected Class<ReflinkFilesystem> serverType() {
        return ReflinkFilesystem.class;
    }

    @Override
    protected String serverName() {
        return "reflink filesystem";
    }

    @Override
    protected String environmentHint() {
        return "SHELTER_STACK_REFLINK_DIR";
    }

    @Override
    protected Optional<ReflinkFilesystem> fromEnvironment() {
        return env("SHELTER_STACK_REFLINK_DIR").map(Path::of).filter(Files::isDirectory).map(ReflinkFilesystem::new);
    }

    @Override
    protected Optional<ReflinkFilesystem> fromContainer() {
        return Optional.empty();
    }
}
