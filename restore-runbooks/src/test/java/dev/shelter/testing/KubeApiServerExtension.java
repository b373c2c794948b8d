package dev.shelter.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The kube-apiserver of {@code deploy/local/stack up kube} (built from Debian's source package);
 * there is no container of it to fall back on.
 */
final class KubeApiServerExtension extends RealServerExtension<KubeApiServer> {

    @Override
    protected Class<KubeApiServer> serverType() {
        return KubeApiServer.class;
    }

    @Override
    protected String serverName() {
        return "kube-apiserver";
    }

    @Override
    protected String environmentHint() {
        return "SHELTER_STACK_KUBE_URL, SHELTER_STACK_KUBE_ADMIN_TOKEN and SHELTER_STACK_KUBE_CA";
    }

    @Override
    protected Optional<KubeApiServer> fromEnvironment() {
        Optional<String> url = env("SHELTER_STACK_KUBE_URL");
        Optional<String> token = env("SHELTER_STACK_KUBE_ADMIN_TOKEN");
        Optional<Path> ca = env("SHELTER_STACK_KUBE_CA").map(Path::of).filter(Files::isReadable);
        if (url.isEmpty() || token.isEmpty() || ca.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new KubeApiServer(url.get(), token.get(), ca.get()));
    }

    @Override
    protected Optional<KubeApiServer> fromContainer() {
        return Optional.empty();
    }
}
