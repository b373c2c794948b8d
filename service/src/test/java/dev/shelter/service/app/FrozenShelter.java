package dev.shelter.service.app;

import dev.shelter.testing.Poll;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The crash tests' side of Shelter's failpoint: a Shelter started with one
 * ({@code -Dshelter.failpoint=<Step>:<moment>}), a wait until a run is frozen there, and the kill -9.
 */
final class FrozenShelter {

    private FrozenShelter() {
    }

    static ShelterProcess start(Path config, String token, Path log, String step, String moment) throws IOException {
        return ShelterProcess.start(config, token, log, List.of("-Dshelter.failpoint=" + step + ":" + moment));
    }

    static void awaitFrozen(ShelterProcess shelter, String step, String moment, Duration timeout) {
        String reached = "FAILPOINT REACHED " + step + ":" + moment;
        Poll.until("Shelter reaches " + step + ":" + moment, timeout, shelter::log, log -> log.contains(reached), () -> "");
    }

    static void kill(ShelterProcess shelter) throws InterruptedException {
        assertEquals(137, shelter.killHard(), "Shelter died of SIGKILL");
    }

    /** Deletes the backup, and kills Shelter once the delete is frozen at DeleteSnapshots:{@code moment}. */
    static void killDeleteAt(ShelterProcess shelter, ShelterClient client, String id, String moment) throws InterruptedException {
        CompletableFuture<ShelterClient.Answer> deleting = CompletableFuture.supplyAsync(() -> client.delete("/api/v1/backups/" + id));
        awaitFrozen(shelter, "DeleteSnapshots", moment, Duration.ofSeconds(90));
        kill(shelter);
        deleting.handle((answer, failure) -> answer).join(); // the connection died with Shelter
    }
}
