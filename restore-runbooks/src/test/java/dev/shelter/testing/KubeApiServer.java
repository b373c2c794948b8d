package dev.shelter.testing;

import java.nio.file.Path;

/** A real kube-apiserver: its URL, a token of the system:masters group, and its serving certificate. */
public record KubeApiServer(String url, String adminToken, Path certificateAuthority) {

    @Override
    public String toString() {
        return "kube-apiserver at " + url;
    }
}
