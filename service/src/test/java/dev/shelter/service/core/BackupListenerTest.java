package dev.shelter.service.core;

import dev.shelter.runbooks.backup.BackupManifest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BackupListenerTest {

    @Test
    void everyListenerHearsEvenWhenOneBeforeItThrowsAndTheFirstFailureIsRethrown() {
        List<String> heard = new ArrayList<>();
        IllegalStateException first = new IllegalStateException("events down");
        IllegalStateException second = new IllegalStateException("metrics down");
        BackupListener all = BackupListener.all(
                manifest -> {
                    heard.add("events");
                    throw first;
                },
                manifest -> heard.add("metrics"),
                manifest -> {
                    heard.add("last");
                    throw second;
                });

        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> all.backupEnded((BackupManifest) null));

        assertSame(first, thrown);
        assertEquals(List.of(second), List.of(thrown.getSuppressed()));
        assertEquals(List.of("events", "metrics", "last"), heard);
    }
}
