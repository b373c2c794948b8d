package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.ClusterName;

/**
 * The restore_command a restored server fetches WAL from Shelter with (DESIGN.md section 3, rule 7):
 * exit 1 only when Shelter answers 404 (the file is not archived: the end of WAL); any other
 * failure, a refused connection or a 5xx, exits 255, which makes PostgreSQL stop recovery instead
 * of taking a transient error for the end of WAL and promoting early.
 *
 * <p>Except once the signal files are gone. PostgreSQL removes recovery.signal just before it
 * writes the new timeline's history, and that write fetches the parent timeline's history with
 * restore_command. Stopped there by an exit 255 (Shelter restarting), the server is left without
 * its signal file and would come back in crash recovery on the old timeline, replaying the WAL it
 * kept in pg_wal past the target. Without a signal file the command so fetches nothing and exits 1:
 * PostgreSQL reads its own copy in pg_wal, kept when recovery began (timeline 1 has none).
 */
public final class RestoreCommand {

    private RestoreCommand() {
    }

    /** {@code baseUrl} and {@code tokenFile} are checked by the configuration: no quotes, spaces or $. */
    public static String curl(String baseUrl, ClusterName cluster, String tokenFile) {
        String url = baseUrl.replaceAll("/+$", "") + "/api/v1/clusters/" + cluster.value() + "/wal/%f";
        return "[ -f recovery.signal ] || [ -f standby.signal ] || exit 1; c=$(curl -sS -o \"%p.part\" -w \"%%{http_code}\" -H \"Authorization: Bearer $(cat " + tokenFile + ")\" " + url
                + ") || exit 255; case \"$c\" in 200) mv \"%p.part\" \"%p\";; 404) rm -f \"%p.part\"; exit 1;; "
                + "*) rm -f \"%p.part\"; exit 255;; esac";
    }
}
