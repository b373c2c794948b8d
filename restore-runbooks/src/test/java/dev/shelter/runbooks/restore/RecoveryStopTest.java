package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.Lsn;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RecoveryStopTest {

    private static byte[] history(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void readsTheReasonOfAHistoryLine() {
        assertEquals(Optional.of(new RecoveryStop("before transaction 741")),
                RecoveryStop.ofHistory(history("1\t0/3000148\tbefore transaction 741\n")));
    }

    @Test
    void readsTheReasonWhenPostgresEndsItWithANewlineOfItsOwn() {
        assertEquals(Optional.of(new RecoveryStop("before 2026-11-29 10:15:00.25+00")),
                RecoveryStop.ofHistory(history("1\t0/3000148\tbefore 2026-11-29 10:15:00.25+00\n\n")));
        assertEquals(Optional.of(new RecoveryStop("after LSN 0/3000148")),
                RecoveryStop.ofHistory(history("1\t0/3000148\tafter LSN 0/3000148\n\n")));
    }

    @Test
    void readsTheReasonOfTheLastLineOnly() {
        String third = "1\t0/3000148\tno recovery target specified\n\n2\t0/50000A0\tat restore point \"before upgrade\"\n";

        assertEquals(Optional.of(new RecoveryStop("at restore point \"before upgrade\"")), RecoveryStop.ofHistory(history(third)));
    }

    @Test
    void aHistoryWithoutAReasonHasNoStop() {
        assertEquals(Optional.empty(), RecoveryStop.ofHistory(history("")));
        assertEquals(Optional.empty(), RecoveryStop.ofHistory(history("\n\n")));
        assertEquals(Optional.empty(), RecoveryStop.ofHistory(history("# comment only\n")));
    }

    @Test
    void aStopAtTheTargetHasNoMismatch() {
        RecoveryStop stop = RecoveryStop.ofHistory(history("1\t0/3000148\tbefore transaction 741\n\n")).orElseThrow();

        assertEquals(Optional.empty(), stop.mismatch(new RestoreTarget.AtTransaction(741, false)));
    }

    @Test
    void aStopElsewhereSaysWhereItStoppedAndWhereItShouldHave() {
        RecoveryStop stop = RecoveryStop.ofHistory(history("1\t0/3000148\tno recovery target specified\n")).orElseThrow();

        assertEquals(Optional.of("recovery stopped with \"no recovery target specified\", not at LSN 0/3000148 (inclusive)"),
                stop.mismatch(new RestoreTarget.AtLsn(Lsn.parse("0/3000148"), true)));
        assertEquals(Optional.of("recovery stopped with \"before transaction 741\", not at transaction 741 (inclusive)"),
                new RecoveryStop("before transaction 741").mismatch(new RestoreTarget.AtTransaction(741, true)));
    }
}
