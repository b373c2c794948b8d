package dev.shelter.runbooks.patroni;

import dev.shelter.runbooks.cluster.ClusterTargetException;
import dev.shelter.runbooks.cluster.ClusterTargetException.Reason;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PatroniRestClientTest {

    private static final URI MEMBER = URI.create("http://127.0.0.1:8008");

    @Test
    void keepsPatronisPlainTextReason() {
        ClusterTargetException e = PatroniRestClient.refusal("POST /switchover", MEMBER, 412, "candidate does not exists");

        assertEquals(Reason.REFUSED, e.reason());
        assertEquals("Patroni at http://127.0.0.1:8008 answered POST /switchover with 412: candidate does not exists",
                e.getMessage());
    }

    @Test
    void mapsStatusesToReasons() {
        assertEquals(Reason.FORBIDDEN, PatroniRestClient.refusal("PATCH /config", MEMBER, 401, "not authenticated").reason());
        assertEquals(Reason.FORBIDDEN, PatroniRestClient.refusal("PATCH /config", MEMBER, 403, "Access is denied").reason());
        assertEquals(Reason.CONFLICT, PatroniRestClient.refusal("PATCH /config", MEMBER, 409, "").reason());
        assertEquals(Reason.UNAVAILABLE, PatroniRestClient.refusal("POST /switchover", MEMBER, 503, "Switchover failed").reason());
    }

    @Test
    void reducesPythonsHtmlErrorPageToItsWords() {
        String page = """
                <!DOCTYPE HTML>
                <html lang="en">
                    <head>
                        <meta charset="utf-8">
                        <title>Error response</title>
                    </head>
                    <body>
                        <h1>Error response</h1>
                        <p>Error code: 409</p>
                        <p>Message: Conflict.</p>
                    </body>
                </html>
                """;
        String message = PatroniRestClient.refusal("PATCH /config", MEMBER, 409, page).getMessage();

        assertTrue(message.endsWith("with 409: Error response Error code: 409 Message: Conflict."), message);
        assertFalse(message.contains("<"), message);
    }

    @Test
    void noMemberAnsweringIsUnavailableAndNamesEach() {
        PatroniRestClient client = new PatroniRestClient(List.of(URI.create("http://127.0.0.1:1"), URI.create("http://127.0.0.1:2/")),
                Duration.ofSeconds(2), Duration.ofSeconds(2));

        ClusterTargetException e = assertThrows(ClusterTargetException.class, client::members);

        assertEquals(Reason.UNAVAILABLE, e.reason());
        assertTrue(e.getMessage().startsWith("no Patroni member answered GET /cluster: http://127.0.0.1:1: ConnectException"),
                e.getMessage());
        assertTrue(e.getMessage().contains("; http://127.0.0.1:2/: "), e.getMessage());
    }
}
