package dev.shelter.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * The one kubelet endpoint the tests need: {@code GET /containerLogs/{namespace}/{pod}/{container}},
 * which the API server proxies {@code pods/{pod}/log} to, on the node's InternalIP and kubelet port
 * (the {@link TestKubelet} writes both into each test node's status). HTTPS with a self-signed key
 * made by the JDK's keytool: an API server started without {@code --kubelet-certificate-authority}
 * (deploy/local/lib/kube.sh) does not verify a kubelet's certificate, and a real one does not speak
 * plain HTTP to a kubelet. Supports {@code tailLines}, as Shelter asks for it.
 */
final class KubeletLogServer implements AutoCloseable {

    private final HttpsServer server;

    /** {@code logs} finds a pod's log file by namespace and pod name. */
    KubeletLogServer(Path workDirectory, BiFunction<String, String, Optional<Path>> logs) {
        try {
            server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(selfSigned(workDirectory)));
            server.setExecutor(Executors.newFixedThreadPool(2, r -> {
                Thread thread = new Thread(r, "test-kubelet-logs");
                thread.setDaemon(true);
                return thread;
            }));
            server.createContext("/containerLogs/", exchange -> serve(exchange, logs));
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("the test kubelet's log server did not start", e);
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private static void serve(HttpExchange exchange, BiFunction<String, String, Optional<Path>> logs) throws IOException {
        try (exchange) {
            String[] parts = exchange.getRequestURI().getPath().split("/");
            // "", "containerLogs", namespace, pod, container
            Optional<Path> log = parts.length >= 4 ? logs.apply(parts[2], parts[3]) : Optional.empty();
            if (log.isEmpty() || !Files.exists(log.get())) {
                send(exchange, 404, "no log for " + exchange.getRequestURI().getPath() + "\n");
                return;
            }
            List<String> lines = Files.readAllLines(log.get(), StandardCharsets.UTF_8);
            int tail = tailLines(exchange.getRequestURI().getRawQuery()).orElse(lines.size());
            send(exchange, 200, String.join("\n", lines.subList(Math.max(0, lines.size() - tail), lines.size()))
                    + (lines.isEmpty() ? "" : "\n"));
        }
    }

    private static Optional<Integer> tailLines(String query) {
        if (query == null) {
            return Optional.empty();
        }
        for (String parameter : query.split("&")) {
            String[] pair = parameter.split("=", 2);
            if (pair.length == 2 && pair[0].equals("tailLines")) {
                return Optional.of(Integer.parseInt(URLDecoder.decode(pair[1], StandardCharsets.UTF_8)));
            }
        }
        return Optional.empty();
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** A key pair and self-signed certificate for 127.0.0.1, made by the JDK's own keytool. */
    private static SSLContext selfSigned(Path workDirectory) throws IOException {
        Path store = workDirectory.resolve("kubelet-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".p12");
        char[] password = "test-kubelet".toCharArray();
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "kubelet", "-keyalg", "RSA",
                "-keysize", "2048", "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", new String(password))
                .redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("keytool failed: " + output);
            }
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, password);
            }
            KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            managers.init(keys, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(managers.getKeyManagers(), null, null);
            return context;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool ran", e);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot load the test kubelet's key: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(store);
        }
    }
}
