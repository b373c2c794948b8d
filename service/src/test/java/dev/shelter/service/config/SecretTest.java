package dev.shelter.service.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecretTest {

    @Test
    void readsAFileDroppingOneTrailingNewline(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "s3cr3t value\n");
        assertEquals("s3cr3t value", Secret.parse("file:" + file).reveal());
        Files.writeString(file, "kept\n\n");
        assertEquals("kept\n", Secret.parse("file:" + file).reveal());
    }

    @Test
    void takesAnInlineValueAsIs() {
        assertEquals("inline-value", Secret.parse("inline-value").reveal());
    }

    @Test
    void neverPrintsTheValue(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pw");
        Files.writeString(file, "hunter2-hunter2");
        assertFalse(Secret.parse("file:" + file).toString().contains("hunter2"));
        assertFalse(Secret.parse("hunter2-inline").toString().contains("hunter2"));
    }

    @Test
    void missingFileIsAnErrorNamingTheFile(@TempDir Path dir) {
        Path missing = dir.resolve("absent");
        UncheckedIOException error = assertThrows(UncheckedIOException.class, () -> Secret.parse("file:" + missing));
        assertTrue(error.getMessage().contains(missing.toString()), error.getMessage());
    }
}
