package dev.shelter.storage.blob;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BlobKeyTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "/abs", "trailing/", "a//b", "../escape", "a/../b", "a/./b", "back\\slash", "nul\u0000"})
    void rejectsKeysThatCouldEscapeOrAreAmbiguous(String value) {
        assertThrows(IllegalArgumentException.class, () -> BlobKey.of(value));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "wal/7301/1/000000010000000000000001", "chunks/ab/abcdef.zst", "x..y"})
    void acceptsRelativeKeys(String value) {
        assertEquals(value, BlobKey.of(value).value());
    }
}
