# tests/e2e/lib/functions.bash - the rscluster (three real kubelets) plus
# what functions need: the python3/fnrt-sh runtime images, routes from the
# test's root namespace to each node's pod CIDR (through the node's address
# on the test bridge), and an mk-router with short autoscaling windows.
# For functions.bats and workflows.bats.
#
#   RS_NET=172.31.246 fn_cluster_up   in setup_file (after load helpers, lib/rscluster);
#                                     FN_ROUTER_FLAGS replaces the router's window flags
#   fn_cluster_down                   in teardown_file
#   call NAME [JSON]                  POST through mk-router: body, then a line "HTTP <code>"
#   fn_create NAME YAML-SPEC          a Function (cp into the mount)
#   fn_status NAME PATH               .status.PATH of a Function ("" if absent)
#   fn_pods NAME                      live pods of the function, one a line

fn_cluster_up() {
    ROUTER_PORT=$(free_port)
    # mk-fs (started by rs_cluster_up) sends functions/<name>/invoke there.
    export ROUTER="http://127.0.0.1:$ROUTER_PORT" MINIK8S_ROUTER="http://127.0.0.1:$ROUTER_PORT"
    rs_cluster_up
    "$MK_BIN/mk-image" --root "$IMAGES" build-python3 "$MK_BIN/mk-fnrt"
    local i cidr
    for i in 1 2 3; do
        ip netns exec "mkr$E2E_TAG-n$i" sysctl -qw net.ipv4.ip_forward=1
        cidr=$(api GET "/api/v1/nodes/node$i" | jq -r .spec.podCIDR)
        ip route replace "$cidr" via "$RS_NET.1$i" dev "$BR"
    done
    # shellcheck disable=SC2086 # the flags are words
    "$MK_BIN/mk-router" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" \
        --listen "127.0.0.1:$ROUTER_PORT" ${FN_ROUTER_FLAGS:---stable-window 6 --panic-window 2 --tick-ms 500} \
        --queue-timeout 60 --max-steps 50 2>>"$E2E_DIR/router.log" &
    echo $! >"$E2E_DIR/router.pid"
    wait_for 10 curl -sf "$ROUTER/healthz" >/dev/null
}

fn_cluster_down() {
    [ -n "${E2E_DIR:-}" ] || return 0
    local n
    # Functions first, or their controller would bring the ReplicaSets back.
    for n in $(api GET /apis/minik8s.io/v1/namespaces/default/functions | jq -r '.items[]?.metadata.name'); do
        api DELETE "/apis/minik8s.io/v1/namespaces/default/functions/$n" >/dev/null || true
    done
    # shellcheck disable=SC2016
    wait_for 10 eval '[ "$(api GET /apis/apps/v1/namespaces/default/replicasets | jq ".items | length")" = 0 ]' || true
    [ -f "$E2E_DIR/router.pid" ] && stop_pid "$(cat "$E2E_DIR/router.pid")"
    rs_cluster_down
}

call() { # NAME [JSON]
    curl -sS -m 90 -w '\nHTTP %{http_code}\n' -d "${2:-{\}}" "$ROUTER/functions/$1"
}

fn_create() { # NAME SPEC-YAML (indented two spaces)
    printf 'apiVersion: minik8s.io/v1\nkind: Function\nmetadata: {name: %s}\nspec:\n%s\n' "$1" "$2" \
        >"$E2E_DIR/$1.yaml"
    cp "$E2E_DIR/$1.yaml" "$MNT/functions/"
}

fn_status() { api GET "/apis/minik8s.io/v1/namespaces/default/functions/$1" | jq -r ".status.$2 // \"\""; }

fn_pods() {
    api GET "/api/v1/namespaces/default/pods?labelSelector=minik8s.io/function=$1" |
        jq -r '.items[] | select(.metadata.deletionTimestamp == null) | .metadata.name'
}
