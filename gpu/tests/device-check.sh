#!/usr/bin/env bash
# gpu/tests/device-check.sh - the whole GpuJob chain on a machine with an
# NVIDIA GPU: mk-apiserver, mk-gpu, and a one-node Slurm behind sshd on
# loopback (tests/e2e/lib/hpc.bash) with the GPU as a gres. It submits
# examples/gpujob-matmul.yaml (a 512x512 matrix multiply that checks the
# GPU's result against the CPU itself) and prints one line:
#
#   PASS <the job's output line>
#   FAIL <reason: message / output>
#
# Run as root from anywhere on a Debian machine with CUDA (nvcc) and the
# NVIDIA driver; missing Debian packages are installed with apt. Everything
# it starts is stopped, and the test user and temp dirs removed, on exit.
# Takes about a minute once the packages are there; gives up after 4.
#
# Environment:
#   MK_DEVICE_CHECK_NO_GPU=1   the gres is backed by /dev/null and the
#                              example runs with --host-fallback: checks
#                              everything but the GPU itself on a machine
#                              without one
#   MK_DEVICE_CHECK_TIMEOUT=S  how long to wait for the job (default 180)
#   MK_DEVICE_CHECK_DEBS=DIR   a machine with no package archive: unpack the
#                              .deb files gpu/tests/device-debs.sh fetched
#                              into /, never replacing a file already there,
#                              in place of apt-get
#   MK_DEVICE_CHECK_PREBUILT=1 use bin/mk-apiserver and bin/mk-gpu as they
#                              are (built elsewhere) instead of make
#   MK_DEVICE_CHECK_LOGS=DIR   leave every daemon's log in DIR/device-check-logs.tgz
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
NO_GPU=${MK_DEVICE_CHECK_NO_GPU:-}
TIMEOUT=${MK_DEVICE_CHECK_TIMEOUT:-180}
LOG=$(mktemp -d /tmp/mk-device-check.XXXXXX)
trap 'rm -rf "$LOG"' EXIT # until cleanup() below takes over

result() { # result PASS|FAIL TEXT...: the one line this script exists for
    local verdict=$1
    shift
    echo "$verdict $(tr '\n' ' ' <<<"$*" | sed 's/  */ /g; s/ $//')"
}

fail() {
    result FAIL "$*"
    exit 1
}

[ "$(id -u)" -eq 0 ] || fail "must run as root"
export PATH=$PATH:/usr/local/cuda/bin
command -v nvcc >/dev/null || fail "nvcc not found (install CUDA; looked in PATH and /usr/local/cuda/bin)"
if [ -z "$NO_GPU" ]; then
    ls /dev/nvidia[0-9]* >/dev/null 2>&1 || fail "no /dev/nvidia0: no NVIDIA GPU or driver"
fi

# ---- packages ----
PKGS="build-essential pkg-config libjson-c-dev libyaml-dev libsqlite3-dev libcurl4-openssl-dev
libmicrohttpd-dev libfuse3-dev libssh-dev libssl-dev uthash-dev
slurm-wlm munge openssh-server openssh-client jq curl procps passwd"
missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
unpack_debs() { # unpack_debs DIR ROOT: each package's files, where none is yet
    local deb data
    for deb in "$1"/*.deb; do
        data=$(ar t "$deb" | grep -m1 '^data\.tar') || return 1
        # --keep-directory-symlink: /lib and /sbin may be links to /usr's.
        ar p "$deb" "$data" | tar -x -f - -C "$2" --skip-old-files --keep-directory-symlink \
            --use-compress-program="$(case $data in *.xz) echo xz ;; *.zst) echo zstd ;; *) echo gzip ;; esac) -d" ||
            return 1
    done
}
if [ -n "${MK_DEVICE_CHECK_DEBS:-}" ]; then
    unpack_debs "$MK_DEVICE_CHECK_DEBS" / >"$LOG/debs.log" 2>&1 ||
        fail "unpacking $MK_DEVICE_CHECK_DEBS failed: $(tail -2 "$LOG/debs.log")"
    ldconfig
    # What the packages' maintainer scripts would have made: Debian's Slurm
    # daemons are named through update-alternatives.
    for d in slurmctld slurmd slurmstepd; do
        [ -e /usr/sbin/$d ] || ln -s $d-wlm /usr/sbin/$d
    done
    id sshd >/dev/null 2>&1 || useradd -r -d /run/sshd -s /usr/sbin/nologin sshd ||
        fail "could not add the user sshd (OpenSSH's privilege separation)"
elif [ -n "$missing" ]; then
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } \
        >"$LOG/apt.log" 2>&1 || fail "apt-get install$missing failed: $(tail -2 "$LOG/apt.log")"
fi

# ---- build ----
if [ -n "${MK_DEVICE_CHECK_PREBUILT:-}" ]; then
    for b in bin/mk-apiserver bin/mk-gpu; do
        [ -x "$b" ] || fail "MK_DEVICE_CHECK_PREBUILT: no $b"
        ! ldd "$b" | grep 'not found' || fail "$b: libraries missing: $(ldd "$b" | grep 'not found')"
    done
else
    make -j"$(nproc)" bin/mk-apiserver bin/mk-gpu >"$LOG/make.log" 2>&1 ||
        fail "build failed: $(grep -m3 -E 'error|Error' "$LOG/make.log")"
fi

# ---- start everything; stop it all on any exit ----
# shellcheck source=tests/e2e/lib/hpc.bash
source tests/e2e/lib/hpc.bash
# shellcheck source=tests/e2e/helpers.bash
source tests/e2e/helpers.bash
GPU_PID=
cleanup() {
    [ -n "$GPU_PID" ] && kill "$GPU_PID" 2>/dev/null && wait "$GPU_PID" 2>/dev/null
    if [ -n "${MK_DEVICE_CHECK_LOGS:-}" ]; then
        mkdir -p "$MK_DEVICE_CHECK_LOGS"
        tar -czf "$MK_DEVICE_CHECK_LOGS/device-check-logs.tgz" --ignore-failed-read --exclude='*.db*' \
            "$LOG" ${MK_APISERVER_LOG:+"$MK_APISERVER_LOG"} ${HPC_DIR:+"$HPC_DIR"/*.log "$HPC_DIR"/munge/*.log} 2>/dev/null
    fi
    stop_apiserver >/dev/null 2>&1
    hpc_stop >/dev/null 2>&1
    rm -rf "${MK_APISERVER_DATA:-}" "${MK_APISERVER_LOG:-}" "$LOG"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The GPU as a Slurm gres; without one, /dev/null stands in for the device
# file, so the gres setup and --gres=gpu:1 scheduling are still checked.
export HPC_GRES=gpu
[ -z "$NO_GPU" ] || export HPC_GRES_FILES=/dev/null
hpc_start 2>"$LOG/hpc.log" || fail "HPC site did not start: $(tail -3 "$LOG/hpc.log")"
TMPDIR=$LOG start_apiserver 2>"$LOG/apiserver.err" ||
    fail "mk-apiserver did not start: $(tail -2 "$LOG/apiserver.err")"
bin/mk-gpu --server "$MK_SERVER" --poll-interval 1000 </dev/null >/dev/null 2>"$LOG/mk-gpu.log" &
GPU_PID=$!

b64() { base64 -w0 "$@"; }
secret=$(jq -n --arg host "$(printf %s "$HPC_HOST" | b64)" --arg port "$(printf %s "$HPC_PORT" | b64)" \
    --arg user "$(printf %s "$HPC_USER" | b64)" --arg key "$(b64 "$HPC_KEY")" \
    --arg kh "$(b64 "$HPC_KNOWN_HOSTS")" \
    '{apiVersion: "v1", kind: "Secret", metadata: {name: "hpc"},
      data: {host: $host, port: $port, user: $user, privateKey: $key, knownHosts: $kh}}')
req POST /api/v1/namespaces/default/secrets -H 'Content-Type: application/json' -d "$secret"
[ "$CODE" = 201 ] || fail "creating the Secret: HTTP $CODE $BODY"

# The example as a user would submit it; without a GPU, the host check
# instead of the kernel.
manifest=$(cat examples/gpujob-matmul.yaml)
if [ -n "$NO_GPU" ]; then
    manifest=${manifest//- .\/matmul 512$'\n'/- .\/matmul 512 --host-fallback$'\n'}
fi
req POST /apis/minik8s.io/v1/namespaces/default/gpujobs -H 'Content-Type: application/yaml' \
    --data-binary "$manifest"
[ "$CODE" = 201 ] || fail "creating the GpuJob: HTTP $CODE $BODY"

# ---- wait for the end ----
phase=
for ((i = 0; i < TIMEOUT * 2; i++)); do
    req GET /apis/minik8s.io/v1/namespaces/default/gpujobs/matmul
    phase=$(jq -r '.status.phase // ""' <<<"$BODY")
    [ "$phase" = Succeeded ] || [ "$phase" = Failed ] && break
    kill -0 "$GPU_PID" 2>/dev/null || fail "mk-gpu exited: $(tail -3 "$LOG/mk-gpu.log")"
    sleep 0.5
done
output=$(jq -r '.status.output // ""' <<<"$BODY")
line=$(grep -m1 '^matmul ' <<<"$output")
case $phase in
Succeeded)
    if [ -z "$NO_GPU" ] && [[ "$line" != *" on GPU "*": PASS" ]]; then
        fail "the job succeeded but did not run on the GPU: $output"
    fi
    result PASS "$line"
    ;;
Failed)
    fail "$(jq -r '"\(.status.reason): \(.status.message // "")"' <<<"$BODY") / $output"
    ;;
*)
    fail "no result in ${TIMEOUT}s (phase ${phase:-none}): $(jq -c '.status // {}' <<<"$BODY") $(tail -3 "$LOG/mk-gpu.log")"
    ;;
esac
