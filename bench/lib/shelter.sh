# shellcheck shell=bash
#
# bench/lib/shelter.sh -- the Shelter side of bench/backup-mode. Sourced by bench/backup-mode.
#
# ============================================================================================
#  TO BE IMPLEMENTED: shelter_backup_mode_seconds (a stub that prints "n/a" until then)
# ============================================================================================
#
# shelter_backup_mode_seconds DATA_DIR PG_PORT PG_PASSWORD_FILE RBD_IMAGE ARCHIVE_DIR
#
#   DATA_DIR          the running cluster's data directory (on the RBD image, mounted via
#                     deploy/local/rbd-volume; owned by postgres)
#   PG_PORT           its port on 127.0.0.1 (user postgres, scram-sha-256 over TCP)
#   PG_PASSWORD_FILE  a file holding the postgres user's password (one line, mode 600)
#   RBD_IMAGE         the image the data directory lives on, in pool $SHELTER_STACK_CEPH_POOL
#   ARCHIVE_DIR       where the cluster's archive_command copies WAL segments
#                     ('test ! -f ARCHIVE_DIR/%f && cp %p ARCHIVE_DIR/%f'), on local disk
#
#   Takes one Shelter backup of that cluster and prints, as the only line on stdout, the seconds
#   PostgreSQL spent in backup mode (pg_backup_start .. pg_backup_stop), e.g. "0.42"; or "n/a".
#   Log to stderr. Return non-zero on failure (the bench then reports "fail" for that size and
#   exits non-zero at the end). It runs inside a command substitution of the bench (bash, as
#   root), so `set -e` does not apply in it: check what matters. PostgreSQL must be running and
#   the volume attached when it returns; snapshots it creates are the bench's to clean up (the
#   whole Ceph cluster is purged at the end).
#
#   Environment available: SHELTER_STACK_DIR, SHELTER_STACK_CEPH_CONF, SHELTER_STACK_CEPH_KEYRING,
#   SHELTER_STACK_CEPH_USER, SHELTER_STACK_CEPH_POOL, SHELTER_STACK_S3_ENDPOINT (http),
#   SHELTER_STACK_S3_REGION, SHELTER_STACK_S3_ACCESS_KEY, SHELTER_STACK_S3_SECRET_KEY,
#   BENCH_REPO_ROOT (this repository), BENCH_PG_SOCKET_DIR (the cluster's Unix socket directory),
#   BENCH_RBD_MOUNT (where the image is mounted), BENCH_WORK_DIR (scratch space of this size).
shelter_backup_mode_seconds() {
  local data_dir=$1 pg_port=$2 pg_password_file=$3 rbd_image=$4 archive_dir=$5
  : "$data_dir" "$pg_port" "$pg_password_file" "$rbd_image" "$archive_dir"
  echo n/a
  return 0
}
