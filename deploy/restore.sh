#!/usr/bin/env bash
# Restore one Kezek backup made by deploy/backup.sh: the database and the media folder are
# replaced by the backup's. Stop the app and the scheduler first.
#
#   In the stack:  docker compose stop app scheduler
#                  docker compose run --rm backup bash deploy/restore.sh --yes /backups/FILE
#                  docker compose up -d
#   Directly:      (same environment as backup.sh) deploy/restore.sh --yes FILE
#
# The file is decrypted and verified before anything is touched: a wrong BACKUP_PASSPHRASE
# or a damaged file changes nothing.
SCRIPT=restore.sh
# shellcheck source=deploy/backup-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/backup-common.sh"

yes=""
if [[ ${1:-} == --yes ]]; then
  yes=1
  shift
fi
[[ $# -eq 1 ]] || die "usage: restore.sh [--yes] BACKUP_FILE"
file=$1
[[ -f $file ]] || die "$file does not exist"
need_tools mariadb openssl tar gzip sha256sum
check_passphrase
make_workdir

# 1. Decrypt and unpack into the private work folder, and check every checksum.
if ! openssl enc -d "${CIPHER_ARGS[@]}" -in "$file" 2>"$WORK/errors" | gzip -dc 2>>"$WORK/errors" |
  tar -C "$WORK" -xf - 2>>"$WORK/errors"; then
  die "cannot decrypt $file: wrong BACKUP_PASSPHRASE or a damaged file. Nothing was changed."
fi
for part in SHA256SUMS MANIFEST database.sql media.tar; do
  [[ -f $WORK/$part ]] || die "$file is not a Kezek backup (no $part). Nothing was changed."
done
(cd "$WORK" && sha256sum --check --quiet SHA256SUMS >/dev/null 2>&1) ||
  die "$file is damaged (checksum mismatch). Nothing was changed."
revision=$(sed -n 's/^alembic_revision=//p' "$WORK/MANIFEST")

if [[ -z $yes ]]; then
  [[ -t 0 ]] || die "this replaces database $MARIADB_DATABASE and $MEDIA_DIR: add --yes"
  read -r -p "Replace database $MARIADB_DATABASE and $MEDIA_DIR with $file? Type yes: " answer
  [[ $answer == yes ]] || die "cancelled. Nothing was changed."
fi

# 2. The database: drop every table (so none from a newer schema lingers), then load.
sql -e "CREATE DATABASE IF NOT EXISTS \`$MARIADB_DATABASE\`
        CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" ||
  die "cannot reach MariaDB at $MARIADB_HOST:$MARIADB_PORT. Nothing was changed."
drops=$(sql "$MARIADB_DATABASE" -e "
  SELECT CONCAT(IF(table_type = 'VIEW', 'DROP VIEW IF EXISTS ', 'DROP TABLE IF EXISTS '),
                '\`', REPLACE(table_name, '\`', '\`\`'), '\`;')
  FROM information_schema.tables WHERE table_schema = DATABASE()")
printf 'SET FOREIGN_KEY_CHECKS=0;\n%s\n' "$drops" | sql "$MARIADB_DATABASE" ||
  die "could not empty database $MARIADB_DATABASE"
sql "$MARIADB_DATABASE" <"$WORK/database.sql" ||
  die "loading the dump failed: database $MARIADB_DATABASE is incomplete; run the restore again"

# 3. The media: the folder may be a volume's mount point, so empty it rather than replace it.
mkdir -p -- "$MEDIA_DIR"
find "$MEDIA_DIR" -mindepth 1 -delete
tar -C "$MEDIA_DIR" -xf "$WORK/media.tar" --no-same-owner || die "unpacking the media failed"

count=$(tar -tf "$WORK/media.tar" | grep -vc '/$' || true)
echo "restore: restored database $MARIADB_DATABASE (schema revision ${revision:-none})" \
  "and $count media file(s) from $file"
