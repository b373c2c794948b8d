package dev.shelter.service.app;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for requests an HTTP client library would refuse to send or
 * would mend on the way: any method, any path bytes, a Host header of our choosing, a body that
 * stops. One request per connection ({@code Connection: close}).
 */
final class RawHttp {

    private static final int TIMEOUT_MILLIS = 120_000;

    /** An answer as it came off the wire; headers by lower-case name. */
    record Reply(int status, Map<String, String> headers, String body, String raw) {

        String header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }

        @Override
        public String toString() {
            return raw.length() > 2000 ? raw.substring(0, 2000) + "…" : raw;
        }
    }

    private final int port;

    RawHttp(int port) {
        this.port = port;
    }

    /** Sends {@code head} (request line and headers, without the blank line) and the body, and reads the answer. */
    Reply send(String requestLine, Map<String, String> headers, byte[] body) {
        StringBuilder head = new StringBuilder(requestLine).append("\r\n");
        Map<String, String> all = new LinkedHashMap<>();
        all.put("Host", "127.0.0.1:" + port);
        all.putAll(headers);
        all.putIfAbsent("Connection", "close");
        if (body != null && !all.containsKey("Transfer-Encoding")) {
            all.putIfAbsent("Content-Length", Integer.toString(body.length));
        }
        all.forEach((name, value) -> {
            if (value != null) {
                head.append(name).append(": ").append(value).append("\r\n");
            }
        });
        head.append("\r\n");
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                try {
                    out.write(body);
                } catch (SocketException refusedMidBody) {
                    // The server answered and closed before taking all of it: the answer is still there to read.
                }
            }
            out.flush();
            return read(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(requestLine + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sends the head, then the body a piece at a time with a pause between pieces, as a slow link
     * delivers it: the server has answered long before the body is all there.
     */
    Reply sendThrottled(String requestLine, Map<String, String> headers, byte[] body, int piece, long pauseMillis) {
        StringBuilder head = new StringBuilder(requestLine).append("\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            for (int at = 0; at < body.length; at += piece) {
                out.write(body, at, Math.min(piece, body.length - at));
                out.flush();
                Thread.sleep(pauseMillis);
            }
            return read(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(requestLine + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends the head and the first {@code sent} bytes of a body declared as {@code declared} bytes, then waits for the answer. */
    Reply sendAndStall(String requestLine, Map<String, String> headers, long declared, byte[] sent) {
        Map<String, String> withLength = new LinkedHashMap<>(headers);
        withLength.put("Content-Length", Long.toString(declared));
        StringBuilder head = new StringBuilder(requestLine).append("\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n");
        withLength.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("\r\n");
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(sent);
            out.flush();
            return read(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(requestLine + ": " + e.getMessage(), e);
        }
    }

    /** Sends the head and part of the body, then hangs up without reading an answer. */
    void sendAndHangUp(String requestLine, Map<String, String> headers, long declared, byte[] sent) {
        StringBuilder head = new StringBuilder(requestLine).append("\r\nHost: 127.0.0.1:" + port + "\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-Length: ").append(declared).append("\r\n\r\n");
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(sent);
            out.flush();
            socket.setSoLinger(true, 0); // a reset, as a killed client leaves
        } catch (IOException e) {
            throw new UncheckedIOException(requestLine + ": " + e.getMessage(), e);
        }
    }

    private static Reply read(InputStream in) throws IOException {
        byte[] all = in.readAllBytes();
        String raw = new String(all, StandardCharsets.UTF_8);
        int end = raw.indexOf("\r\n\r\n");
        if (!raw.startsWith("HTTP/1.1 ") || end < 0) {
            throw new IOException("not an HTTP answer: '" + raw + "'");
        }
        String[] lines = raw.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].substring(9, 12));
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
        }
        String body = raw.substring(end + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Reply(status, headers, body, raw);
    }

    private static String dechunk(String chunked) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int at = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, lineEnd).split(";")[0].strip(), 16);
            if (size == 0) {
                return body.toString(StandardCharsets.UTF_8);
            }
            body.writeBytes(chunked.substring(lineEnd + 2, lineEnd + 2 + size).getBytes(StandardCharsets.UTF_8));
            at = lineEnd + 2 + size + 2;
        }
    }
}
