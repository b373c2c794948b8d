package dev.shelter.service.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TableTest {

    @Test
    void eachColumnIsAsWideAsItsWidestCellAndTheLastIsNotPadded() {
        String rendered = new Table("ID", "FINISHED", "LABEL")
                .row("a", "2026-01-05T10:15:02.123456789Z", "nightly run")
                .row("bbbbbbbbbb", "2026-01-05T10:15:02Z", "x")
                .render();

        assertEquals("""
                ID          FINISHED                        LABEL
                a           2026-01-05T10:15:02.123456789Z  nightly run
                bbbbbbbbbb  2026-01-05T10:15:02Z            x
                """, rendered);
    }

    @Test
    void emptyCellsShowAsADashAndLineBreaksAsSpaces() {
        assertEquals("""
                A  B
                -  one two
                """, new Table("A", "B").row(null, " one\r\n  two ").render());
        assertEquals("A  B\n", new Table("A", "B").render());
    }

    @Test
    void aRowMustFillEveryColumn() {
        assertThrows(IllegalArgumentException.class, () -> new Table("A", "B").row("only one"));
    }
}
