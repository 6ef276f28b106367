# Shared by deploy/backup.sh and deploy/restore.sh (sourced, not run).
# Connection settings, all from the environment (compose's `backup` service sets them from
# .env; set them yourself to run the scripts directly against a MariaDB host):
#   MARIADB_HOST (db)  MARIADB_PORT (3306)  MARIADB_USER (kezek)  MARIADB_PASSWORD
#   MARIADB_DATABASE (kezek)  MEDIA_DIR (/data/media)  BACKUP_DIR (/backups)
#   BACKUP_PASSPHRASE  BACKUP_KEEP (14)

set -euo pipefail
umask 077
export LC_ALL=C

MARIADB_HOST=${MARIADB_HOST:-db}
MARIADB_PORT=${MARIADB_PORT:-3306}
MARIADB_USER=${MARIADB_USER:-kezek}
MARIADB_DATABASE=${MARIADB_DATABASE:-kezek}
MEDIA_DIR=${MEDIA_DIR:-/data/media}
BACKUP_DIR=${BACKUP_DIR:-/backups}
# openssl enc parameters; restore.sh must use the very same ones.
CIPHER_ARGS=(-aes-256-cbc -salt -pbkdf2 -iter 200000 -md sha256 -pass env:BACKUP_PASSPHRASE)

die() {
  echo "${SCRIPT}: $*" >&2
  exit 1
}

need_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is not installed (Debian: apt-get install mariadb-client openssl)"
  done
}

check_passphrase() {
  [[ -n ${BACKUP_PASSPHRASE:-} ]] || die "BACKUP_PASSPHRASE is not set (see .env.example)"
  case ${BACKUP_PASSPHRASE,,} in
    *change-me* | *changeme* | "<"*) die "BACKUP_PASSPHRASE is still a placeholder" ;;
  esac
  export BACKUP_PASSPHRASE
}

# A private work folder, removed on exit, holding the client option file: the password
# never appears on a command line.
make_workdir() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/kezek-${SCRIPT%.sh}.XXXXXX")
  trap 'rm -rf -- "$WORK"' EXIT
  {
    echo "[client]"
    echo "host=${MARIADB_HOST}"
    echo "port=${MARIADB_PORT}"
    echo "user=${MARIADB_USER}"
    echo "protocol=tcp"
    echo "default-character-set=utf8mb4"
    if [[ -n ${MARIADB_PASSWORD:-} ]]; then echo "password=${MARIADB_PASSWORD}"; fi
  } >"$WORK/client.cnf"
}

sql() {
  mariadb --defaults-extra-file="$WORK/client.cnf" --batch --skip-column-names "$@"
}
