#!/usr/bin/env bash
# bench/scheduler/run.sh - mk-scheduler throughput: 10,000 pods onto 1,000
# hollow nodes. Starts a fresh mk-apiserver, the hollow nodes (kubemark
# style: they register, heartbeat and report their pods Running) and
# mk-scheduler; creates the pods from 16 threads; prints pods bound per
# second, from the first create to the last binding seen by a watch.
# Target: >= 5,000 pods/s (kube-scheduler's own thresholds: 680-1,100).
#
#   bench/scheduler/run.sh [PODS] [NODES]
set -euo pipefail
cd "$(dirname "$0")/../.."
PODS=${1:-10000}
NODES=${2:-1000}
B=build/release
LIBS="$(pkg-config --libs json-c yaml-0.1 sqlite3 libcurl) -lpthread -lm"

# The same flags as everything else: let the Makefile compile the objects.
make -s -j"$(nproc)" bin/mk-apiserver bin/mk-scheduler $B/lib/libmkstore.a \
    $B/obj/bench/scheduler/load.o $B/obj/kubelet/hollow.o
mkdir -p $B/bench
cc -o $B/bench/sched-load $B/obj/bench/scheduler/load.o $B/obj/kubelet/hollow.o \
    $B/lib/libmkstore.a $LIBS

tmp=$(mktemp -d /tmp/bench-scheduler.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

wait_log() { # FILE PATTERN SECONDS
    for ((i = 0; i < $3 * 10; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "bench: no '$2' in $1 after $3 s:" >&2
    tail -5 "$1" >&2
    return 1
}

bin/mk-apiserver --listen 127.0.0.1:0 --data-dir "$tmp/data" 2>"$tmp/apiserver.log" &
pids+=($!)
wait_log "$tmp/apiserver.log" "listening on" 10
server=http://$(sed -n 's/.*listening on \([^ ]*\) .*/\1/p' "$tmp/apiserver.log" | head -1)

$B/bench/sched-load hollow --server "$server" --nodes "$NODES" 2>"$tmp/hollow.log" &
pids+=($!)
wait_log "$tmp/hollow.log" "registered" 60

bin/mk-scheduler --server "$server" 2>"$tmp/scheduler.log" &
pids+=($!)
wait_log "$tmp/scheduler.log" "caches synced: $NODES nodes" 30

$B/bench/sched-load pods --server "$server" --pods "$PODS" --threads 16
