# bench/lib/common.sh - shared by the benchmark scripts: free ports, daemon
# start/stop by pid, cleanup on exit. Source it; call bench_init first.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_PIDS=()

bench_init() {
    BENCH_TMP=$(mktemp -d /tmp/minik8s-bench.XXXXXX)
    trap bench_cleanup EXIT INT TERM
}

# The scripts run with set -e: a kill of a daemon that already exited must
# not end this before the rm (it left a store of 100,000 pods in /tmp).
bench_cleanup() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${BENCH_PIDS[@]}"; do
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$BENCH_TMP"
}

# A TCP port on 127.0.0.1 that nothing listens on.
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 20000))
        ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
    done
}

# bench_start NAME CMD...: start in the background, remember the pid.
bench_start() {
    local name=$1
    shift
    "$@" >"$BENCH_TMP/$name.log" 2>&1 &
    BENCH_PIDS+=($!)
    eval "${name//-/_}_pid=$!"
}

wait_http() {
    for _ in $(seq 1 100); do
        curl -fsS "$1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "bench: $1 did not answer" >&2
    return 1
}

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
