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

    /** Sends the request line, the headers and the body at once, and reads the answer. */
    Reply send(String requestLine, Map<String, String> headers, byte[] body) {
        try (Socket socket = open()) {
            OutputStream out = socket.getOutputStream();
            boolean chunked = headers.containsKey("Transfer-Encoding");
            out.write(head(requestLine, headers, body == null || chunked ? null : (long) body.length));
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
     * Sends the body a piece at a time with a pause between pieces, as a slow link delivers it:
     * the server has its answer ready long before the body is all there.
     */
    Reply sendThrottled(String requestLine, Map<String, String> headers, byte[] body, int piece, long pauseMillis) {
        try (Socket socket = open()) {
            OutputStream out = socket.getOutputStream();
            out.write(head(requestLine, headers, (long) body.length));
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

    /** Declares a body of {@code declared} bytes, sends only {@code sent}, and waits for the answer. */
    Reply sendAndStall(String requestLine, Map<String, String> headers, long declared, byte[] sent) {
        try (Socket socket = open()) {
            OutputStream out = socket.getOutputStream();
            out.write(head(requestLine, headers, declared));
            out.write(sent);
            out.flush();
            return read(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(requestLine + ": " + e.getMessage(), e);
        }
    }

    /** Declares a body of {@code declared} bytes, sends only {@code sent}, then hangs up with a reset, as a killed client does. */
    void sendAndHangUp(String requestLine, Map<String, String> headers, long declared, byte[] sent) {
        try (Socket socket = open()) {
            OutputStream out = socket.getOutputStream();
            out.write(head(requestLine, headers, declared));
            out.write(sent);
            out.flush();
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(requestLine + ": " + e.getMessage(), e);
        }
    }

    private Socket open() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        return socket;
    }

    /** The request line and headers; Host and {@code Connection: close} unless given, Content-Length when known. */
    private byte[] head(String requestLine, Map<String, String> headers, Long contentLength) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("Host", "127.0.0.1:" + port);
        all.putAll(headers);
        all.putIfAbsent("Connection", "close");
        if (contentLength != null) {
            all.putIfAbsent("Content-Length", Long.toString(contentLength));
        }
        StringBuilder head = new StringBuilder(requestLine).append("\r\n");
        all.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
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
