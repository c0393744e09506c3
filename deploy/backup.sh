#!/usr/bin/env bash
# Dump Corridor's PostgreSQL database into an encrypted file, or refuse to dump at all.
#
# Run daily by deploy/systemd/corridor-backup.timer. Encryption is not optional: with no
# recipient configured the script writes nothing and exits 1. An unencrypted dump must
# never be the default: it would hold the wrapped keys, the audit chain, every operational
# column (who, when, which shelter) and the blind indexes, readable by whoever finds the
# file. The ciphertext of the sensitive fields stays ciphertext either way.
#
# Settings (environment, e.g. the unit's EnvironmentFile):
#   DATABASE_URL or DATABASE_URL_FILE  postgres://user[:password]@host:port/name (as Django's)
#   CORRIDOR_BACKUP_AGE_RECIPIENTS     a file of age public keys (age1...), one a line; the
#                                      private keys live OFF this server (preferred)
#   CORRIDOR_BACKUP_GPG_RECIPIENT      else: a GnuPG key id or fingerprint in the keyring of
#                                      the user that runs this (its public key only)
#   CORRIDOR_BACKUP_DIR                where the files go (default /var/backups/corridor)
#   CORRIDOR_BACKUP_KEEP               how many of the newest files to keep (default 14)
#
# Restore: age --decrypt -i KEY FILE | pg_restore --clean --no-owner -d DATABASE
#     (or: gpg --decrypt FILE | pg_restore ...). The dump never touches the disk in clear:
# pg_dump writes into the encryption tool's pipe, and a failed run leaves no partial file.
set -euo pipefail
umask 077

die() { echo "backup: $*" >&2; exit 1; }

dest=${CORRIDOR_BACKUP_DIR:-/var/backups/corridor}
keep=${CORRIDOR_BACKUP_KEEP:-14}
url=${DATABASE_URL:-}
if [ -z "$url" ] && [ -n "${DATABASE_URL_FILE:-}" ]; then
    url=$(<"$DATABASE_URL_FILE")
fi
[ -n "$url" ] || die "DATABASE_URL (or DATABASE_URL_FILE) is not set"

if [ -n "${CORRIDOR_BACKUP_AGE_RECIPIENTS:-}" ]; then
    command -v age >/dev/null || die "age is not installed (apt-get install age)"
    [ -s "$CORRIDOR_BACKUP_AGE_RECIPIENTS" ] || die "no age recipient in $CORRIDOR_BACKUP_AGE_RECIPIENTS"
    encrypt=(age --encrypt --recipients-file "$CORRIDOR_BACKUP_AGE_RECIPIENTS")
    suffix=age
elif [ -n "${CORRIDOR_BACKUP_GPG_RECIPIENT:-}" ]; then
    command -v gpg >/dev/null || die "gpg is not installed"
    encrypt=(gpg --batch --quiet --trust-model always --encrypt
        --recipient "$CORRIDOR_BACKUP_GPG_RECIPIENT" --output -)
    suffix=gpg
else
    die "no encryption configured: set CORRIDOR_BACKUP_AGE_RECIPIENTS (a file of age public keys) or CORRIDOR_BACKUP_GPG_RECIPIENT. Nothing was written: an unencrypted dump is never made."
fi
command -v pg_dump >/dev/null || die "pg_dump is not installed (apt-get install postgresql-client)"

# The URL's parts go to pg_dump as libpq variables, so a password never shows in the
# process list (a command-line argument would).
parts=$(python3 - "$url" <<'PY'
import shlex, sys
from urllib.parse import unquote, urlsplit
u = urlsplit(sys.argv[1])
if u.scheme not in ("postgres", "postgresql", "pgsql"):
    sys.exit(f"backup: not a PostgreSQL URL (scheme {u.scheme!r})")
values = {
    "PGHOST": unquote(u.hostname or ""), "PGPORT": str(u.port or ""),
    "PGUSER": unquote(u.username or ""), "PGPASSWORD": unquote(u.password or ""),
    "PGDATABASE": unquote(u.path.lstrip("/")),
}
for name, value in values.items():
    if value:
        print(f"export {name}={shlex.quote(value)}")
PY
) || exit 1
eval "$parts"
[ -n "${PGDATABASE:-}" ] || die "the URL names no database"

mkdir -p "$dest"
name="corridor-$(date -u +%Y%m%dT%H%M%SZ).dump.$suffix"
partial="$dest/.$name.partial"
trap 'rm -f "$partial"' EXIT
pg_dump --format=custom --no-owner --no-privileges | "${encrypt[@]}" >"$partial"
mv "$partial" "$dest/$name"
trap - EXIT
echo "backup: wrote $dest/$name"

# Keep the newest $keep encrypted dumps.
find "$dest" -maxdepth 1 -type f -name 'corridor-*.dump.*' -printf '%f\n' | sort -r \
    | tail -n +"$((keep + 1))" | while read -r old; do rm -f "$dest/$old"; done
