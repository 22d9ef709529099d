# tests/e2e/helpers.bash - helpers every e2e test file shares.
#
#   load helpers                      (from a .bats file in tests/e2e)
#   start_apiserver [flags...]        a fresh mk-apiserver on a free loopback port with
#                                     its own data dir; sets MK_SERVER (URL),
#                                     MK_APISERVER_PID, MK_APISERVER_DATA, MK_APISERVER_LOG.
#                                     Set MK_APISERVER_DATA / MK_APISERVER_LISTEN first to
#                                     restart on the same store / address.
#   stop_apiserver [SIGNAL]           stop it by pid (TERM by default), wait for the exit
#   stop_all_apiservers               stop every server this test file started, also
#                                     those restarted inside a test (for teardown_file)
#   free_port                         a loopback TCP port nobody listens on now
#   kubeconfig_for [SERVER] [TOKEN]   write a kubeconfig for kubectl, print its path
#   req METHOD PATH [curl args...]    call MK_SERVER (with MK_TOKEN if set); sets CODE, BODY
#   wait_for SECONDS COMMAND...       retry COMMAND every 0.1 s until it succeeds
#   stop_pid PID                      TERM, up to 10 s, then KILL (a daemon a test started)

MK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MK_BIN=${MK_BIN:-$MK_ROOT/bin}
# kubectl caches discovery per server address; keep it out of ~/.kube.
export KUBECACHEDIR=${KUBECACHEDIR:-${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/kubectl-cache}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() {
    local secs=$1 i
    shift
    for ((i = 0; i < secs * 10; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    "$@"
}

stop_pid() {
    local pid=$1 i
    kill "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
}

start_apiserver() {
    local tmp=${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}
    if [ -z "${MK_APISERVER_DATA:-}" ]; then
        MK_APISERVER_DATA=$(mktemp -d "$tmp/apiserver.XXXXXX")
    fi
    MK_APISERVER_LOG=$MK_APISERVER_DATA.log
    # A restart appends to the same log: only lines after this count.
    local seen=0
    [ -f "$MK_APISERVER_LOG" ] && seen=$(wc -l <"$MK_APISERVER_LOG")
    "$MK_BIN/mk-apiserver" --listen "${MK_APISERVER_LISTEN:-127.0.0.1:0}" \
        --data-dir "$MK_APISERVER_DATA" "$@" 2>>"$MK_APISERVER_LOG" &
    MK_APISERVER_PID=$!
    # A restart inside a test sets MK_APISERVER_PID only in that test's
    # shell; the file-wide record lets teardown_file stop it all the same.
    echo "$MK_APISERVER_PID" >>"${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/apiserver.pids"
    local i addr=
    for ((i = 0; i < 100; i++)); do
        addr=$(tail -n +$((seen + 1)) "$MK_APISERVER_LOG" |
            sed -n 's/.*mk-apiserver: listening on \([^ ]*\) .*/\1/p' | tail -1)
        [ -n "$addr" ] && break
        if ! kill -0 "$MK_APISERVER_PID" 2>/dev/null; then
            echo "mk-apiserver did not start:" >&2
            cat "$MK_APISERVER_LOG" >&2
            return 1
        fi
        sleep 0.1
    done
    [ -n "$addr" ] || { echo "mk-apiserver: no 'listening' line in 10 s" >&2; return 1; }
    local scheme=http
    case " $* " in *" --tls-cert "*) scheme=https ;; esac
    MK_SERVER=$scheme://$addr
    export MK_SERVER MK_APISERVER_PID MK_APISERVER_DATA MK_APISERVER_LOG
}

# Running and not a zombie (a daemon started by another bats shell is not
# our child, so nobody reaps it until the file ends).
pid_alive() {
    [ -e "/proc/$1" ] && ! grep -qE '^[0-9]+ \(.*\) Z' "/proc/$1/stat" 2>/dev/null
}

# Sets MK_APISERVER_STATUS to the exit status when the server is our child.
stop_apiserver() {
    local sig=${1:-TERM} pid=${MK_APISERVER_PID:-} i
    MK_APISERVER_STATUS=
    [ -n "$pid" ] || return 0
    kill -"$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        pid_alive "$pid" || break
        sleep 0.1
    done
    if pid_alive "$pid"; then
        echo "mk-apiserver $pid ignored SIG$sig for 10 s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    if wait "$pid" 2>/dev/null; then MK_APISERVER_STATUS=0; else MK_APISERVER_STATUS=$?; fi
    MK_APISERVER_PID=
}

stop_all_apiservers() {
    local record=${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/apiserver.pids pid
    stop_apiserver
    [ -f "$record" ] || return 0
    for pid in $(cat "$record"); do
        # Only our server: a pid that ended may have been reused since.
        grep -q mk-apiserver "/proc/$pid/cmdline" 2>/dev/null || continue
        MK_APISERVER_PID=$pid stop_apiserver
    done
    rm -f "$record"
}

kubeconfig_for() {
    local server=${1:-$MK_SERVER} token=${2:-${MK_TOKEN:-}}
    local f
    f=$(mktemp "${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/kubeconfig.XXXXXX")
    {
        echo "apiVersion: v1"
        echo "kind: Config"
        echo "clusters:"
        echo "- name: mk"
        echo "  cluster:"
        echo "    server: \"$server\""
        case $server in https:*) echo "    insecure-skip-tls-verify: true" ;; esac
        echo "contexts:"
        echo "- name: mk"
        echo "  context: {cluster: mk, user: mk, namespace: default}"
        echo "current-context: mk"
        echo "users:"
        echo "- name: mk"
        if [ -n "$token" ]; then
            echo "  user: {token: \"$token\"}"
        else
            echo "  user: {}"
        fi
    } >"$f"
    echo "$f"
}

req() {
    local method=$1 path=$2 out
    shift 2
    out=$(curl -sS -k -X "$method" ${MK_TOKEN:+-H "Authorization: Bearer $MK_TOKEN"} \
        -w '\n%{http_code}' "$@" "$MK_SERVER$path")
    CODE=${out##*$'\n'}
    BODY=${out%$'\n'*}
}
