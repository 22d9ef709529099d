#!/usr/bin/env bash
# bench/scheduler/run.sh - mk-scheduler throughput: 10,000 pods onto 1,000
# hollow nodes. Starts a fresh mk-apiserver, the hollow nodes (kubemark
# style: they register, heartbeat and report their pods Running) and
# mk-scheduler; creates the pods from 16 threads; prints pods bound per
# second, from the first create to the last binding seen by a watch.
# Target: >= 5,000 pods/s (kube-scheduler's own thresholds: 680-1,100).
#
#   bench/scheduler/run.sh [PODS] [NODES]
#   BENCH_MODE=precreate bench/scheduler/run.sh   pods made first, timed from
#                                                 the scheduler's start
#   BENCH_VERBOSE=1 ...                           CPU seconds per process
set -euo pipefail
cd "$(dirname "$0")/../.."
PODS=${1:-10000}
NODES=${2:-1000}
B=build/release
LIBS="$(pkg-config --libs json-c yaml-0.1 sqlite3 libcurl) -lpthread -lm"

# The same flags as everything else: let the Makefile compile the objects.
make -s -j"$(nproc)" bin/mk-apiserver bin/mk-scheduler $B/lib/libmkstore.a \
    $B/lib/libscheduler.a $B/obj/bench/scheduler/load.o $B/obj/kubelet/hollow.o
mkdir -p $B/bench
cc -o $B/bench/sched-load $B/obj/bench/scheduler/load.o $B/obj/kubelet/hollow.o \
    $B/lib/libscheduler.a $B/lib/libmkstore.a $LIBS

# The decision loop alone, for scale: what one deciding thread can do.
$B/bench/sched-load decide --pods "$PODS" --nodes "$NODES" >&2

tmp=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/bench-scheduler.XXXXXX")
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

start_scheduler() {
    # shellcheck disable=SC2086
    bin/mk-scheduler --server "$server" ${SCHED_FLAGS:-} 2>"$tmp/scheduler.log" &
    pids+=($!)
    sched_pid=$!
}

if [ "${BENCH_MODE:-}" = precreate ]; then
    # The scheduler's own ceiling: all pods exist before it starts; the
    # clock runs from its start (informer sync included) to the last binding.
    $B/bench/sched-load pods --server "$server" --pods "$PODS" --threads 16 --create-only
    coproc WATCH { $B/bench/sched-load pods --server "$server" --pods "$PODS" --wait-only; }
    watch_pid=$WATCH_PID
    read -r line <&"${WATCH[0]}"  # "watching": the clock has started
    start_scheduler
    cat <&"${WATCH[0]}" || true
    wait "$watch_pid"
else
    start_scheduler
    wait_log "$tmp/scheduler.log" "caches synced: $NODES nodes" 30
    $B/bench/sched-load pods --server "$server" --pods "$PODS" --threads 16
fi
if [ -n "${BENCH_VERBOSE:-}" ]; then
    for p in "${pids[@]}"; do
        echo "cpu: $(ps -o args= -p "$p" | cut -c1-40): $(awk '{print ($14+$15)/100}' "/proc/$p/stat") s" >&2
    done
fi
