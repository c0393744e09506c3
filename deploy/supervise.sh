#!/bin/sh
# Run a command again whenever it exits, until this script is stopped (INT or TERM).
#
#   deploy/supervise.sh [-d SECONDS] COMMAND [ARGS...]
#
# `make run` keeps the worker (`manage.py work`) alive with it: a worker that died would
# raise no alert for a missed check-in, and nothing else would say so (decision 0018).
# Production uses systemd's Restart=always instead (deploy/systemd/corridor-worker.service).
set -u
delay=5
if [ "${1:-}" = "-d" ]; then
    delay=$2
    shift 2
fi
[ "$#" -gt 0 ] || { echo "usage: $0 [-d SECONDS] COMMAND [ARGS...]" >&2; exit 2; }

child=""
stop() {
    [ -n "$child" ] && kill "$child" 2>/dev/null && wait "$child" 2>/dev/null
    exit 0
}
trap stop INT TERM

restarts=0
while :; do
    "$@" &
    child=$!
    wait "$child"
    status=$?
    restarts=$((restarts + 1))
    echo "supervise: $1 exited with status $status; restart $restarts in $delay s" >&2
    sleep "$delay" &
    child=$!
    wait "$child"
done
