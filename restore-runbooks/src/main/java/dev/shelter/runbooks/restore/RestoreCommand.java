package dev.shelter.runbooks.restore;

import dev.shelter.runbooks.backup.ClusterName;

/**
 * The restore_command a restored server fetches WAL from Shelter with (DESIGN.md section 3, rule 7):
 * exit 1 only when Shelter answers 404 (the file is not archived: the end of WAL); any other
 * failure, a refused connection or a 5xx, exits 255, which makes PostgreSQL stop recovery instead
 * of taking a transient error for the end of WAL and promoting early.
 */
public final class RestoreCommand {

    private RestoreCommand() {
    }

    /** {@code baseUrl} and {@code tokenFile} are checked by the configuration: no quotes, spaces or $. */
    public static String curl(String baseUrl, ClusterName cluster, String tokenFile) {
        String url = baseUrl.replaceAll("/+$", "") + "/api/v1/clusters/" + cluster.value() + "/wal/%f";
        return "c=$(curl -sS -o \"%p.part\" -w \"%%{http_code}\" -H \"Authorization: Bearer $(cat " + tokenFile + ")\" " + url
                + ") || exit 255; case \"$c\" in 200) mv \"%p.part\" \"%p\";; 404) rm -f \"%p.part\"; exit 1;; "
                + "*) rm -f \"%p.part\"; exit 255;; esac";
    }
}
