# tests/e2e/lib/cluster.bash - three mk-kubelets (or CLUSTER_NODES) as nodes
# on this machine, each in its own network namespace, over mk-apiserver,
# mk-controller-manager, mk-scheduler, and if asked mk-fs at $MNT and an
# mk-proxy in every node. For pods.bats, services.bats, tls.bats and
# lib/rscluster.bash (replicaset, hpa, ingress, functions, workflows).
#
# Layout (addresses made for the test, never the host's 192.0.2.0/24):
#   root ns: bridge $BR $CLUSTER_NET.1/24 - the API server listens there
#   netns $(node_ns I), I = 1..N: eth0 $CLUSTER_NET.1I, a kubelet (and proxy)
#   each, started with nsenter --net (`ip netns exec` would give it a private
#   mount namespace, hiding the mounts it makes from the host)
# Each test file names its own CLUSTER_NET and CLUSTER_NS, so files never
# collide; a random tag in every name keeps two runs of one file apart.
#
#   CLUSTER_NET=172.31.250 cluster_up   in setup_file (after `load helpers`);
#                                       exports E2E_DIR, E2E_TAG, BR, IMAGES, MNT,
#                                       MK_SERVER, MK_TOKEN and the parameters
#   cluster_down                        in teardown_file: pods through the API, then
#                                       every daemon by pid, netns, links, mount, dirs
#   start_kubelet I / stop_kubelet I [SIGNAL]   node I (TERM and wait by default)
#   start_proxy I / stop_proxy I
#   node_ns I / in_node I COMMAND...    node I's netns name / run a command in it
#   api METHOD PATH [curl args]         an admin request, body on stdout
#   kubelet_get I PATH                  a request to node I's kubelet (port 10250)
#   node_ready NAME / node_empty I
#   pod NAME / pod_jq NAME FILTER / phase_is NAME PHASE
#
# Parameters (environment, read by cluster_up):
#   CLUSTER_NET        first three octets of the test's /24 (required)
#   CLUSTER_NS         prefix of the bridge, veth and netns names (mkc)
#   CLUSTER_CM_FLAGS   mk-controller-manager flags (none: every controller)
#   CLUSTER_LABELS     kubelet --labels, {i} standing for the node's index
#                      (e2e=yes,slot=n{i})
#   CLUSTER_HEARTBEAT  kubelet --heartbeat-seconds (2)
#   CLUSTER_PROXY      1: an mk-proxy in every node (0)
#   CLUSTER_FS         1: mk-fs mounted at $MNT (1)
#   CLUSTER_NODES      how many nodes (3)
#   CLUSTER_TLS        1: the API server on https with a certificate of a CA
#                      made for the test, $CLUSTER_CA, which every client is
#                      given with --certificate-authority (0)

TOKEN=e2e-admin-token
NODE_TOKEN=e2e-node-token
DEV_TOKEN=e2e-dev-token # an rbac user: what its bindings grant

cluster_up() {
    [ "$(id -u)" = 0 ] || skip "needs root"
    command -v runc >/dev/null && command -v conmon >/dev/null || skip "needs runc and conmon"
    [ -n "${CLUSTER_NET:-}" ] || { echo "cluster_up: set CLUSTER_NET" >&2; return 1; }
    export CLUSTER_NET CLUSTER_NS=${CLUSTER_NS:-mkc} CLUSTER_CM_FLAGS=${CLUSTER_CM_FLAGS:-} \
        CLUSTER_LABELS=${CLUSTER_LABELS:-e2e=yes,slot=n\{i\}} \
        CLUSTER_HEARTBEAT=${CLUSTER_HEARTBEAT:-2} CLUSTER_PROXY=${CLUSTER_PROXY:-0} \
        CLUSTER_FS=${CLUSTER_FS:-1} CLUSTER_NODES=${CLUSTER_NODES:-3} CLUSTER_TLS=${CLUSTER_TLS:-0} \
        CLUSTER_CA=
    local tag i
    tag=$(printf '%04x' $((RANDOM % 65536)))
    export E2E_TAG=$tag BR=$CLUSTER_NS$tag
    E2E_DIR=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/$CLUSTER_NS.XXXXXX")
    export E2E_DIR IMAGES=$E2E_DIR/images MNT=$E2E_DIR/cluster TOKEN
    printf '%s,admin,admin\n%s,kubelet,node\n%s,dev,rbac\n' "$TOKEN" "$NODE_TOKEN" "$DEV_TOKEN" \
        >"$E2E_DIR/tokens"
    echo "$TOKEN" >"$E2E_DIR/admin.token"
    echo "$NODE_TOKEN" >"$E2E_DIR/node.token"
    "$MK_BIN/mk-image" --root "$IMAGES" build-busybox

    ip link add "$BR" type bridge
    # Pinned: a bridge takes its lowest port's MAC otherwise (kubelet/netlink.c).
    ip link set "$BR" address "$(cat "/sys/class/net/$BR/address")"
    ip addr add "$CLUSTER_NET.1/24" dev "$BR"
    ip link set "$BR" up
    for i in $(nodes); do
        ip netns add "$(node_ns "$i")"
        ip link add "$CLUSTER_NS$tag-v$i" type veth peer name eth0 netns "$(node_ns "$i")"
        ip link set "$CLUSTER_NS$tag-v$i" master "$BR" up
        ip -n "$(node_ns "$i")" addr add "$CLUSTER_NET.1$i/24" dev eth0
        ip -n "$(node_ns "$i")" link set eth0 up
        ip -n "$(node_ns "$i")" link set lo up
    done

    local tls=()
    if [ "$CLUSTER_TLS" = 1 ]; then
        make_certs
        tls=(--tls-cert "$E2E_DIR/server.pem" --tls-key "$E2E_DIR/server.key")
    fi
    MK_APISERVER_LISTEN=$CLUSTER_NET.1:0 start_apiserver --token-file "$E2E_DIR/tokens" "${tls[@]}"
    export MK_TOKEN=$TOKEN
    # shellcheck disable=SC2046,SC2086 # the flags are words
    "$MK_BIN/mk-controller-manager" $(server_flags) --token-file "$E2E_DIR/admin.token" \
        $CLUSTER_CM_FLAGS 2>>"$E2E_DIR/cm.log" &
    echo $! >"$E2E_DIR/cm.pid"
    # shellcheck disable=SC2046
    "$MK_BIN/mk-scheduler" $(server_flags) --token-file "$E2E_DIR/admin.token" \
        2>>"$E2E_DIR/scheduler.log" &
    echo $! >"$E2E_DIR/scheduler.pid"
    for i in $(nodes); do start_kubelet "$i"; done
    if [ "$CLUSTER_PROXY" = 1 ]; then
        for i in $(nodes); do start_proxy "$i"; done
    fi
    if [ "$CLUSTER_FS" = 1 ]; then
        mkdir -p "$MNT"
        # shellcheck disable=SC2046
        "$MK_BIN/mk-fs" $(server_flags) --token-file "$E2E_DIR/admin.token" "$MNT" \
            2>>"$E2E_DIR/fs.log"
    fi
    for i in $(nodes); do wait_for 30 node_ready "node$i"; done
}

nodes() { seq 1 "$CLUSTER_NODES"; }

# --server, and the CA when the server is on https (paths without spaces:
# they are under mktemp's directory).
server_flags() { echo "--server $MK_SERVER${CLUSTER_CA:+ --certificate-authority $CLUSTER_CA}"; }

# A CA, and the API server's certificate it signs for $CLUSTER_NET.1
make_certs() {
    export CLUSTER_CA=$E2E_DIR/ca.pem
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=minik8s-test-ca \
        -keyout "$E2E_DIR/ca.key" -out "$CLUSTER_CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=mk-apiserver \
        -keyout "$E2E_DIR/server.key" -out "$E2E_DIR/server.csr" 2>/dev/null
    # and for the kubernetes Service's address, which clients in pods dial
    printf 'subjectAltName=IP:%s.1,IP:10.96.0.1\n' "$CLUSTER_NET" >"$E2E_DIR/san.ext"
    openssl x509 -req -in "$E2E_DIR/server.csr" -CA "$CLUSTER_CA" -CAkey "$E2E_DIR/ca.key" \
        -CAcreateserial -days 1 -extfile "$E2E_DIR/san.ext" -out "$E2E_DIR/server.pem" 2>/dev/null
}

cluster_down() {
    [ -n "${E2E_DIR:-}" ] || return 0
    local i f n
    # Pods first, through the API, so the kubelets remove what they made.
    for n in $(api GET /api/v1/namespaces/default/pods | jq -r '.items[]?.metadata.name'); do
        api DELETE "/api/v1/namespaces/default/pods/$n" >/dev/null || true
    done
    for i in $(nodes); do
        [ -f "$E2E_DIR/kubelet$i.pid" ] && wait_for 20 node_empty "$i" || true
    done
    fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
    for i in $(nodes); do stop_proxy "$i"; done
    for i in $(nodes); do stop_kubelet "$i"; done
    for f in cm scheduler; do
        [ -f "$E2E_DIR/$f.pid" ] && stop_pid "$(cat "$E2E_DIR/$f.pid")"
    done
    # Whatever a failed test left: every kubelet's pods, then the nodes.
    for i in $(nodes); do
        [ -d "$E2E_DIR/node$i" ] && in_node "$i" "$MK_BIN/mk-kubelet" --cleanup \
            --root-dir "$E2E_DIR/node$i" || true
        if [ "${CLUSTER_PROXY:-0}" = 1 ]; then
            in_node "$i" "$MK_BIN/mk-proxy" --cleanup 2>/dev/null || true
        fi
        ip netns del "$(node_ns "$i")" 2>/dev/null || true
        ip link del "$CLUSTER_NS$E2E_TAG-v$i" 2>/dev/null || true
    done
    ip link del "$BR" 2>/dev/null || true
    rmdir /sys/fs/cgroup/*/minik8s /sys/fs/cgroup/minik8s 2>/dev/null || true
    stop_apiserver
    # MK_E2E_KEEP_LOGS=DIR keeps the daemons' logs for a look after the run.
    if [ -n "${MK_E2E_KEEP_LOGS:-}" ]; then
        mkdir -p "$MK_E2E_KEEP_LOGS/$CLUSTER_NS$E2E_TAG"
        cp "$E2E_DIR"/*.log "$MK_APISERVER_LOG" "$MK_E2E_KEEP_LOGS/$CLUSTER_NS$E2E_TAG/" 2>/dev/null || true
    fi
    rm -rf "$E2E_DIR" "$MK_APISERVER_DATA" "$MK_APISERVER_LOG"
}

node_ns() { echo "$CLUSTER_NS$E2E_TAG-n$1"; }

in_node() { # I COMMAND...
    local i=$1
    shift
    nsenter --net="/var/run/netns/$(node_ns "$i")" "$@"
}

# nsenter itself, not in_node: $! must be the daemon, not a subshell.
start_kubelet() {
    local i=$1
    # shellcheck disable=SC2046
    nsenter --net="/var/run/netns/$(node_ns "$i")" "$MK_BIN/mk-kubelet" \
        $(server_flags) --node-name "node$i" --root-dir "$E2E_DIR/node$i" \
        --image-dir "$IMAGES" --node-ip "$CLUSTER_NET.1$i" --labels "${CLUSTER_LABELS//\{i\}/$i}" \
        --token-file "$E2E_DIR/node.token" --auth-token-file "$E2E_DIR/tokens" \
        --backoff-base-ms 1000 --heartbeat-seconds "$CLUSTER_HEARTBEAT" --volume-refresh-seconds 5 \
        2>>"$E2E_DIR/kubelet$i.log" &
    echo $! >"$E2E_DIR/kubelet$i.pid"
}

stop_kubelet() { # I [SIGNAL]
    [ -f "$E2E_DIR/kubelet$1.pid" ] || return 0
    if [ -n "${2:-}" ]; then
        kill -"$2" "$(cat "$E2E_DIR/kubelet$1.pid")" 2>/dev/null || true
    else
        stop_pid "$(cat "$E2E_DIR/kubelet$1.pid")"
    fi
    rm -f "$E2E_DIR/kubelet$1.pid"
}

start_proxy() {
    local i=$1
    # shellcheck disable=SC2046
    nsenter --net="/var/run/netns/$(node_ns "$i")" "$MK_BIN/mk-proxy" $(server_flags) \
        --node-name "node$i" --token-file "$E2E_DIR/admin.token" 2>>"$E2E_DIR/proxy$i.log" &
    echo $! >"$E2E_DIR/proxy$i.pid"
}

stop_proxy() {
    [ -f "$E2E_DIR/proxy$1.pid" ] || return 0
    stop_pid "$(cat "$E2E_DIR/proxy$1.pid")"
    rm -f "$E2E_DIR/proxy$1.pid"
}

api() { # METHOD PATH [curl args]: body on stdout
    local m=$1 p=$2
    shift 2
    curl -sS -X "$m" -H "Authorization: Bearer $TOKEN" ${CLUSTER_CA:+--cacert "$CLUSTER_CA"} \
        "$@" "$MK_SERVER$p"
}

kubelet_get() { # I PATH
    curl -sS -H "Authorization: Bearer $TOKEN" "http://$CLUSTER_NET.1$1:10250$2"
}

node_ready() {
    [ "$(api GET "/api/v1/nodes/$1" | jq -r '.status.conditions[]? | select(.type=="Ready") | .status')" = True ] &&
        [ "$(api GET "/api/v1/nodes/$1" | jq -r '.spec.podCIDR // ""')" != "" ]
}
node_empty() { [ "$(kubelet_get "$1" /pods | jq length)" = 0 ]; }

pod() { api GET "/api/v1/namespaces/default/pods/$1"; }
pod_jq() { pod "$1" | jq -r "$2"; }
phase_is() { [ "$(pod_jq "$1" .status.phase)" = "$2" ]; }
post_yaml() { api POST "$1" -H 'Content-Type: application/yaml' --data-binary @-; } # PATH, YAML on stdin
