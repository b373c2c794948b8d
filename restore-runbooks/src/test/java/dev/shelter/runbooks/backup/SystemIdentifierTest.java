package dev.shelter.runbooks.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SystemIdentifierTest {

    @Test
    void readsAndPrintsTheDecimalPostgresShows() {
        SystemIdentifier id = SystemIdentifier.parse("7311744470813461234");
        assertEquals(7311744470813461234L, id.value());
        assertEquals("7311744470813461234", id.toString());
    }

    @Test
    void isUnsigned() {
        // pg_control_system() prints the uint64: identifiers above 2^63 are not negative.
        SystemIdentifier max = SystemIdentifier.parse("18446744073709551615");
        assertEquals(-1L, max.value());
        assertEquals("18446744073709551615", max.toString());
        assertEquals(max, new SystemIdentifier(-1L));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "+7", "7311744470813461234 ", "0x10", "18446744073709551616", "123456789012345678901"})
    void refusesWhatIsNotOne(String text) {
        assertThrows(IllegalArgumentException.class, () -> SystemIdentifier.parse(text));
    }

    @Test
    void refusesNull() {
        assertThrows(IllegalArgumentException.class, () -> SystemIdentifier.parse(null));
    }
}
