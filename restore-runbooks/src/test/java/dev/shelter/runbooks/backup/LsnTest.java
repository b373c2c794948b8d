package dev.shelter.runbooks.backup;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LsnTest {

    @Test
    void parsesAndPrintsPostgresText() {
        Lsn lsn = Lsn.parse("16/3002D50");
        assertEquals(0x16_0300_2D50L, lsn.value());
        assertEquals("16/3002D50", lsn.toString());
        assertEquals("0/0", new Lsn(0).toString());
    }

    @Test
    void comparesUnsigned() {
        Lsn high = Lsn.parse("FFFFFFFF/FFFFFFFF");
        assertTrue(high.isAfter(Lsn.parse("7FFFFFFF/0")));
        assertEquals("FFFFFFFF/FFFFFFFF", high.toString());
    }

    @Test
    void refusesWhatIsNotAnLsn() {
        assertThrows(IllegalArgumentException.class, () -> Lsn.parse("16-3002D50"));
        assertThrows(IllegalArgumentException.class, () -> Lsn.parse("123456789/0"));
        assertThrows(IllegalArgumentException.class, () -> Lsn.parse(null));
    }
}
