#!/usr/bin/env bash
# Back up Kezek: a consistent dump of the database plus the media folder, in one
# timestamped file encrypted with AES-256 (openssl, key derived from BACKUP_PASSPHRASE with
# PBKDF2); then delete all but the newest BACKUP_KEEP backups.
#
#   In the stack:  docker compose run --rm backup
#   Directly:      MARIADB_HOST=127.0.0.1 MARIADB_PASSWORD=... MEDIA_DIR=/srv/media \
#                  BACKUP_DIR=/srv/backups BACKUP_PASSPHRASE=... deploy/backup.sh
# Settings: see deploy/backup-common.sh. Restore with deploy/restore.sh.
SCRIPT=backup.sh
# shellcheck source=deploy/backup-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/backup-common.sh"

BACKUP_KEEP=${BACKUP_KEEP:-14}
[[ $BACKUP_KEEP =~ ^[1-9][0-9]*$ ]] || die "BACKUP_KEEP must be a whole number of at least 1"
need_tools mariadb mariadb-dump openssl tar gzip sha256sum
check_passphrase
[[ -d $MEDIA_DIR ]] || die "MEDIA_DIR $MEDIA_DIR is not a folder"
mkdir -p -- "$BACKUP_DIR"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$BACKUP_DIR/kezek-$stamp.tar.gz.enc"
[[ ! -e $target ]] || die "$target already exists"
make_workdir

# One transaction gives a consistent snapshot of every InnoDB table without locking the
# app out. The media come second: every file a dumped row refers to exists by then.
revision=$(sql "$MARIADB_DATABASE" -e "SELECT version_num FROM alembic_version" 2>/dev/null |
  paste -sd, -) || revision=""
mariadb-dump --defaults-extra-file="$WORK/client.cnf" --single-transaction --quick \
  --hex-blob --triggers --no-tablespaces "$MARIADB_DATABASE" >"$WORK/database.sql" ||
  die "mariadb-dump of $MARIADB_DATABASE at $MARIADB_HOST:$MARIADB_PORT failed"
tar -C "$MEDIA_DIR" -cf "$WORK/media.tar" . || die "could not archive $MEDIA_DIR"
{
  echo "format=1"
  echo "created=$stamp"
  echo "database=$MARIADB_DATABASE"
  echo "alembic_revision=$revision"
} >"$WORK/MANIFEST"
(cd "$WORK" && sha256sum MANIFEST database.sql media.tar >SHA256SUMS)

# Written under a temporary name, so a half-written file never counts as a backup.
partial="$BACKUP_DIR/.kezek-$stamp.partial"
trap 'rm -rf -- "$WORK" "$partial"' EXIT
tar -C "$WORK" -cf - SHA256SUMS MANIFEST database.sql media.tar | gzip -6 |
  openssl enc -e "${CIPHER_ARGS[@]}" -out "$partial" || die "encryption failed"
mv -- "$partial" "$target"
echo "backup: wrote $target ($(du -h "$target" | cut -f1), schema revision ${revision:-none})"

# Prune: names sort by time (LC_ALL=C), so the oldest come first.
shopt -s nullglob
backups=("$BACKUP_DIR"/kezek-*.tar.gz.enc)
excess=$((${#backups[@]} - BACKUP_KEEP))
if ((excess > 0)); then
  rm -f -- "${backups[@]:0:excess}"
  echo "backup: deleted $excess old backup(s), kept the newest $BACKUP_KEEP"
fi
