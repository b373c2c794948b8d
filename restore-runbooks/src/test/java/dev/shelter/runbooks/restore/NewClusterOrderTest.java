package dev.shelter.runbooks.restore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The order a restore-prepare job gets to make a new cluster's claim a cluster of its own, and the line it prints back. */
class NewClusterOrderTest {

    @TempDir
    Path pgdata;

    @Test
    void itCrossesAsOneArgumentAndComesBackTheSame() {
        NewClusterOrder withPort = new NewClusterOrder("pg/orders", "orders-look", OptionalInt.of(6543),
                "curl -sSf -X PUT --data-binary \"@%p\" 'http://shelter:8080/x/%f' # é");
        String encoded = withPort.encode();
        assertTrue(encoded.matches("[A-Za-z0-9_-]+"), "safe as a command argument: " + encoded);
        assertEquals(withPort, NewClusterOrder.decode(encoded));
        NewClusterOrder withoutPort = new NewClusterOrder("pg/orders", "orders-look", OptionalInt.empty(), "cmd");
        assertEquals(withoutPort, NewClusterOrder.decode(withoutPort.encode()));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> NewClusterOrder.decode("bm90IGFuIG9yZGVy"));
        assertTrue(refused.getMessage().startsWith("not a new-cluster order from Shelter"), refused.getMessage());
    }

    @Test
    void carriedOutItConfiguresTheCopyOnceAndReportsIt() throws Exception {
        Files.createDirectories(pgdata.resolve("pg_replslot/shelter_orders"));
        Files.writeString(pgdata.resolve("postmaster.pid"), "77\n");
        Files.writeString(pgdata.resolve("postgresql.auto.conf"), "work_mem = '8MB'\n");
        NewClusterOrder order = new NewClusterOrder("pg/orders", "orders-look", OptionalInt.empty(), "archive 'it'");

        List<String> report = order.carryOut(pgdata);
        order.carryOut(pgdata); // a job run again: one block, not two
        order.checkReport("some noise\n" + String.join("\n", report) + "\n");

        String settings = Files.readString(pgdata.resolve("postgresql.auto.conf"));
        assertEquals("work_mem = '8MB'\n# Shelter: this is a new cluster restored from a backup of pg/orders\n"
                + "cluster_name = 'orders-look'\narchive_mode = on\narchive_command = 'archive ''it'''\n", settings);
        assertFalse(Files.exists(pgdata.resolve("postmaster.pid")));
        assertEquals(0, pgdata.resolve("pg_replslot").toFile().list().length);
        assertThrows(IllegalStateException.class, () -> order.checkReport("shelter restore-prepare: done\n"));
    }

    @Test
    void aPortNamedByTheRequestIsWrittenToo() throws Exception {
        new NewClusterOrder("pg/orders", "orders-look", OptionalInt.of(6543), "cmd").carryOut(pgdata);

        assertTrue(Files.readString(pgdata.resolve("postgresql.auto.conf")).contains("\nport = 6543\ncluster_name = 'orders-look'\n"));
    }
}
