#!/usr/bin/env bash
# The daily backup: `manage.py backup` (the database and the media files, age-encrypted to the
# organisation recovery key and any extra recipient, signed beside it), then rotation.
#
# Run by deploy/systemd/corridor-backup.timer. Every backup is encrypted: the organisation
# recovery key is always a recipient (the trustees' k shares open it, with our restore or the
# stock `age`), so no clear dump is ever written. Restore with `manage.py restore FILE` into an
# empty database (README, "Backup and restore"); check a file with `manage.py backup_verify`.
#
# Settings (environment, e.g. the unit's EnvironmentFile and credentials, as the web unit's):
#   DATABASE_URL or DATABASE_URL_FILE  the database (as Django's); the audit signing key and
#                                      the other secrets as for the web unit
#   CORRIDOR_BACKUP_AGE_RECIPIENTS     optional: a file of further age public keys (age1...),
#                                      one a line (# comments allowed); their private keys live
#                                      OFF this server
#   CORRIDOR_BACKUP_DIR                where the files go (default /var/backups/corridor)
#   CORRIDOR_BACKUP_KEEP               how many of the newest backups to keep (default 14)
#   CORRIDOR_PYTHON                    the Python with Corridor installed (default: the
#                                      checkout's .venv)
# A failed run leaves no partial file.
set -euo pipefail
umask 077

die() { echo "backup: $*" >&2; exit 1; }

root=$(cd "$(dirname "$0")/.." && pwd)
python=${CORRIDOR_PYTHON:-$root/.venv/bin/python}
dest=${CORRIDOR_BACKUP_DIR:-/var/backups/corridor}
keep=${CORRIDOR_BACKUP_KEEP:-14}
[ -x "$python" ] || die "no Python at $python (set CORRIDOR_PYTHON)"
case $keep in '' | *[!0-9]* | 0) die "CORRIDOR_BACKUP_KEEP must be a whole number of at least 1" ;; esac

recipients=()
if [ -n "${CORRIDOR_BACKUP_AGE_RECIPIENTS:-}" ]; then
    [ -r "$CORRIDOR_BACKUP_AGE_RECIPIENTS" ] || die "cannot read $CORRIDOR_BACKUP_AGE_RECIPIENTS"
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%%#*}
        line=${line//[[:space:]]/}
        [ -n "$line" ] && recipients+=(--recipient "$line")
    done <"$CORRIDOR_BACKUP_AGE_RECIPIENTS"
fi

mkdir -p "$dest"
name="corridor-$(date -u +%Y%m%dT%H%M%SZ).backup.age"
partial="$dest/.$name.partial"
trap 'rm -f "$partial" "$partial.minisig"' EXIT
"$python" "$root/manage.py" backup --out "$partial" "${recipients[@]}"
mv "$partial.minisig" "$dest/$name.minisig"
mv "$partial" "$dest/$name"
trap - EXIT
echo "backup: wrote $dest/$name and $name.minisig"

# Keep the newest $keep backups (each with its signature).
find "$dest" -maxdepth 1 -type f -name 'corridor-*.backup.age' -printf '%f\n' | sort -r \
    | tail -n +"$((keep + 1))" | while read -r old; do
        rm -f "$dest/$old" "$dest/$old.minisig"
    done
