# tests/e2e/lib/rscluster.bash - a three-node cluster of real daemons for the
# ReplicaSet and HPA tests (replicaset.bats, hpa.bats): mk-apiserver,
# mk-controller-manager (every controller, short node-lifecycle and HPA
# periods), mk-scheduler, mk-fs at $MNT and three mk-kubelets, each in a
# network namespace on a bridge made for the test (the layout of pods.bats:
# never the host's own 192.0.2.0/24).
#
#   RS_NET=172.31.253 rs_cluster_up     in setup_file (after `load ../helpers`)
#   rs_cluster_down                     in teardown_file; removes everything
#   api METHOD PATH [curl args]         an admin request, body on stdout
#   start_kubelet I / stop_kubelet I    node I (1..3)
#   rs_status NAME FIELD                .status.FIELD of ReplicaSet NAME (0 if absent)
#   rs_pods NAME                        names of the live pods it owns, one a line
#   node_ready NAME / pod_count_on I

RS_TOKEN=e2e-admin-token
RS_NODE_TOKEN=e2e-node-token

rs_cluster_up() {
    [ "$(id -u)" = 0 ] || skip "needs root"
    command -v runc >/dev/null && command -v conmon >/dev/null || skip "needs runc and conmon"
    local tag i
    tag=$(printf '%04x' $((RANDOM % 65536)))
    export E2E_TAG=$tag BR=mkr$tag
    export E2E_DIR=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/rs.XXXXXX")
    export IMAGES=$E2E_DIR/images MNT=$E2E_DIR/cluster TOKEN=$RS_TOKEN
    printf '%s,admin,admin\n%s,kubelet,node\n' "$RS_TOKEN" "$RS_NODE_TOKEN" >"$E2E_DIR/tokens"
    echo "$RS_TOKEN" >"$E2E_DIR/admin.token"
    echo "$RS_NODE_TOKEN" >"$E2E_DIR/node.token"
    "$MK_BIN/mk-image" --root "$IMAGES" build-busybox
    ip link add "$BR" type bridge
    ip addr add "$RS_NET.1/24" dev "$BR"
    ip link set "$BR" up
    for i in 1 2 3; do
        ip netns add "mkr$tag-n$i"
        ip link add "mkr$tag-v$i" type veth peer name eth0 netns "mkr$tag-n$i"
        ip link set "mkr$tag-v$i" master "$BR" up
        ip -n "mkr$tag-n$i" addr add "$RS_NET.1$i/24" dev eth0
        ip -n "mkr$tag-n$i" link set eth0 up
        ip -n "mkr$tag-n$i" link set lo up
    done
    MK_APISERVER_LISTEN=$RS_NET.1:0 start_apiserver --token-file "$E2E_DIR/tokens"
    export MK_TOKEN=$RS_TOKEN
    "$MK_BIN/mk-controller-manager" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" \
        --node-monitor-grace-period 4 --pod-eviction-timeout 4 --hpa-sync-period 1 \
        2>>"$E2E_DIR/cm.log" &
    echo $! >"$E2E_DIR/cm.pid"
    "$MK_BIN/mk-scheduler" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" \
        2>>"$E2E_DIR/scheduler.log" &
    echo $! >"$E2E_DIR/scheduler.pid"
    for i in 1 2 3; do start_kubelet "$i"; done
    mkdir -p "$MNT"
    "$MK_BIN/mk-fs" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" "$MNT" \
        2>>"$E2E_DIR/fs.log"
    for i in 1 2 3; do wait_for 30 node_ready "node$i"; done
}

rs_cluster_down() {
    [ -n "${E2E_DIR:-}" ] || return 0
    local i f
    # Owners first (their pods go with them), then any pod left.
    for n in $(api GET /apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers | jq -r '.items[]?.metadata.name'); do
        api DELETE "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/$n" >/dev/null || true
    done
    for n in $(api GET /apis/apps/v1/namespaces/default/replicasets | jq -r '.items[]?.metadata.name'); do
        api DELETE "/apis/apps/v1/namespaces/default/replicasets/$n" >/dev/null || true
    done
    for n in $(api GET /api/v1/namespaces/default/pods | jq -r '.items[]?.metadata.name'); do
        api DELETE "/api/v1/namespaces/default/pods/$n" >/dev/null || true
    done
    for i in 1 2 3; do
        [ -f "$E2E_DIR/kubelet$i.pid" ] && wait_for 20 node_empty "$i" || true
    done
    fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
    for i in 1 2 3; do stop_kubelet "$i"; done
    for f in cm scheduler; do
        [ -f "$E2E_DIR/$f.pid" ] && stop_pid "$(cat "$E2E_DIR/$f.pid")"
    done
    for i in 1 2 3; do
        [ -d "$E2E_DIR/node$i" ] && nsenter --net="/var/run/netns/mkr$E2E_TAG-n$i" \
            "$MK_BIN/mk-kubelet" --cleanup --root-dir "$E2E_DIR/node$i" 2>/dev/null || true
        ip netns del "mkr$E2E_TAG-n$i" 2>/dev/null || true
    done
    ip link del "$BR" 2>/dev/null || true
    rmdir /sys/fs/cgroup/*/minik8s /sys/fs/cgroup/minik8s 2>/dev/null || true
    stop_apiserver
    rm -rf "$E2E_DIR" "$MK_APISERVER_DATA" "$MK_APISERVER_LOG"
}

start_kubelet() {
    local i=$1
    nsenter --net="/var/run/netns/mkr$E2E_TAG-n$i" "$MK_BIN/mk-kubelet" \
        --server "$MK_SERVER" --node-name "node$i" --root-dir "$E2E_DIR/node$i" \
        --image-dir "$IMAGES" --node-ip "$RS_NET.1$i" --labels "e2e=yes,slot=n$i" \
        --token-file "$E2E_DIR/node.token" --auth-token-file "$E2E_DIR/tokens" \
        --backoff-base-ms 1000 --heartbeat-seconds 1 2>>"$E2E_DIR/kubelet$i.log" &
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

api() {
    local m=$1 p=$2
    shift 2
    curl -sS -X "$m" -H "Authorization: Bearer $RS_TOKEN" "$@" "$MK_SERVER$p"
}

kubelet_get() { curl -sS -H "Authorization: Bearer $RS_TOKEN" "http://$RS_NET.1$1:10250$2"; }
node_empty() { [ "$(kubelet_get "$1" /pods | jq length)" = 0 ]; }
node_ready() {
    [ "$(api GET "/api/v1/nodes/$1" | jq -r '.status.conditions[]? | select(.type=="Ready") | .status')" = True ] &&
        [ "$(api GET "/api/v1/nodes/$1" | jq -r '.spec.podCIDR // ""')" != "" ]
}
rs_status() { api GET "/apis/apps/v1/namespaces/default/replicasets/$1" | jq -r ".status.$2 // 0"; }
rs_spec() { api GET "/apis/apps/v1/namespaces/default/replicasets/$1" | jq -r ".spec.$2"; }
rs_pods() {
    api GET /api/v1/namespaces/default/pods | jq -r --arg rs "$1" \
        '.items[] | select(.metadata.deletionTimestamp == null) |
         select(any(.metadata.ownerReferences[]?; .name == $rs and .controller == true)) |
         .metadata.name'
}
pods_on() { # RS NODE: how many of its pods are bound to NODE
    api GET /api/v1/namespaces/default/pods | jq -r --arg rs "$1" --arg n "$2" \
        '[.items[] | select(.metadata.deletionTimestamp == null) |
          select(any(.metadata.ownerReferences[]?; .name == $rs)) |
          select(.spec.nodeName == $n)] | length'
}
