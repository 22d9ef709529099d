#!/usr/bin/env bash
# bench/controllers/run.sh - a ReplicaSet of 1,000 replicas on hollow nodes:
# the time from its create to 1,000 pods bound (ReplicaSet controller's
# slow-start batches + mk-scheduler). Starts a fresh mk-apiserver,
# `mk-kubelet --hollow --hollow-nodes N`, mk-scheduler and
# mk-controller-manager (replicaset, garbagecollector). Target: under 2 s.
#
#   bench/controllers/run.sh [REPLICAS] [NODES]
set -euo pipefail
cd "$(dirname "$0")/../.."
REPLICAS=${1:-1000}
NODES=${2:-100}
B=${BENCH_BUILD:-build/release}
LIBS="$(pkg-config --libs json-c yaml-0.1 sqlite3 libcurl) -lpthread -lm"

make -s -j"$(nproc)" BUILD="$B" bin/mk-apiserver bin/mk-scheduler bin/mk-kubelet \
    bin/mk-controller-manager "$B/lib/libmkstore.a" "$B/obj/bench/controllers/rsbench.o"
mkdir -p "$B/bench"
cc -o "$B/bench/rsbench" "$B/obj/bench/controllers/rsbench.o" "$B/lib/libmkstore.a" $LIBS

tmp=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/bench-controllers.XXXXXX")
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

bin/mk-kubelet --server "$server" --node-name hollow --root-dir "$tmp/kubelet" \
    --hollow --hollow-nodes "$NODES" 2>"$tmp/kubelet.log" &
pids+=($!)
for ((i = 0; i < 300; i++)); do
    n=$(curl -s "$server/api/v1/nodes" | jq '.items | length')
    [ "$n" -ge "$NODES" ] && break
    sleep 0.1
done
bin/mk-scheduler --server "$server" 2>"$tmp/scheduler.log" &
pids+=($!)
bin/mk-controller-manager --server "$server" --controllers replicaset,garbagecollector \
    2>"$tmp/cm.log" &
pids+=($!)
wait_log "$tmp/cm.log" "informer pods: connected" 20
sleep 0.5
"$B/bench/rsbench" --server "$server" --replicas "$REPLICAS" || {
    tail -5 "$tmp/cm.log" "$tmp/scheduler.log" >&2
    exit 1
}
if [ -n "${BENCH_VERBOSE:-}" ]; then
    grep -E 'replicaset:' "$tmp/cm.log" >&2 || true
    for p in "${pids[@]}"; do
        echo "cpu: $(ps -o args= -p "$p" | cut -c1-40): $(awk '{print ($14+$15)/100}' "/proc/$p/stat") s" >&2
    done
fi
