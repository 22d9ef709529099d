#!/usr/bin/env bats
# rkubectl logs and exec through the mount, with a real node behind them:
# mk-apiserver, mk-scheduler, node IPAM, one mk-kubelet (runc) in its own
# network namespace, and mk-fs. Addresses 172.31.251.0/24 on a bridge made
# for the test (pods.bats uses 172.31.250.0/24).

load helpers
load fs_helpers

TOKEN=rk-admin-token
NODE_TOKEN=rk-node-token

setup_file() {
    [ "$(id -u)" = 0 ] || skip "needs root"
    command -v runc >/dev/null && command -v conmon >/dev/null || skip "needs runc and conmon"
    local tag
    tag=$(printf '%04x' $((RANDOM % 65536)))
    export RK_TAG=$tag BR=mkr$tag NETNS=mkr$tag-n1
    export E2E_DIR=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/rkn.XXXXXX")
    printf '%s,admin,admin\n%s,kubelet,node\n' "$TOKEN" "$NODE_TOKEN" >"$E2E_DIR/tokens"
    echo "$TOKEN" >"$E2E_DIR/admin.token"
    echo "$NODE_TOKEN" >"$E2E_DIR/node.token"
    "$MK_BIN/mk-image" --root "$E2E_DIR/images" build-busybox

    ip link add "$BR" type bridge
    ip addr add 172.31.251.1/24 dev "$BR"
    ip link set "$BR" up
    ip netns add "$NETNS"
    ip link add "mkr$tag-v1" type veth peer name eth0 netns "$NETNS"
    ip link set "mkr$tag-v1" master "$BR" up
    ip -n "$NETNS" addr add 172.31.251.11/24 dev eth0
    ip -n "$NETNS" link set eth0 up
    ip -n "$NETNS" link set lo up

    MK_APISERVER_LISTEN=172.31.251.1:0 start_apiserver --token-file "$E2E_DIR/tokens"
    export MK_TOKEN=$TOKEN
    "$MK_BIN/mk-controller-manager" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" \
        --controllers nodeipam 2>>"$E2E_DIR/cm.log" &
    echo $! >"$E2E_DIR/cm.pid"
    "$MK_BIN/mk-scheduler" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" \
        2>>"$E2E_DIR/scheduler.log" &
    echo $! >"$E2E_DIR/scheduler.pid"
    nsenter --net="/var/run/netns/$NETNS" "$MK_BIN/mk-kubelet" \
        --server "$MK_SERVER" --node-name rknode --root-dir "$E2E_DIR/node" \
        --image-dir "$E2E_DIR/images" --node-ip 172.31.251.11 \
        --token-file "$E2E_DIR/node.token" --auth-token-file "$E2E_DIR/tokens" \
        2>>"$E2E_DIR/kubelet.log" &
    echo $! >"$E2E_DIR/kubelet.pid"
    start_mount --token-file "$E2E_DIR/admin.token"
    export MINIK8S_MOUNT=$MK_MNT
    wait_for 30 test -d "$MK_MNT/nodes/rknode"
}

teardown_file() {
    [ -n "${E2E_DIR:-}" ] || return 0
    curl -s -o /dev/null -X DELETE -H "Authorization: Bearer $TOKEN" \
        "$MK_SERVER/api/v1/namespaces/default/pods" || true
    wait_for 20 bash -c "[ \"\$(curl -s -H 'Authorization: Bearer $TOKEN' http://172.31.251.11:10250/pods)\" = '[]' ]" || true
    stop_mount
    local d
    for d in kubelet cm scheduler; do
        [ -f "$E2E_DIR/$d.pid" ] && stop_pid "$(cat "$E2E_DIR/$d.pid")"
    done
    [ -d "$E2E_DIR/node" ] && nsenter --net="/var/run/netns/$NETNS" \
        "$MK_BIN/mk-kubelet" --cleanup --root-dir "$E2E_DIR/node" || true
    ip netns del "$NETNS" 2>/dev/null || true
    ip link del "$BR" 2>/dev/null || true
    stop_apiserver
    rm -rf "$E2E_DIR" "$MK_APISERVER_DATA" "$MK_APISERVER_LOG"
}

rk() { "$MK_ROOT/tools/rkubectl" "$@"; }

running() { rk get pod "$1" | grep -q Running; }

@test "rkubectl logs, logs -f and exec (exit status, stderr, quoting) with a real kubelet" {
    cat >"$E2E_DIR/talk.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: talk}
spec:
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "echo hello-log; sleep 3600"]
EOF
    rk create -f "$E2E_DIR/talk.yaml"
    wait_for 30 running talk
    run rk get pods -o wide
    [[ ${lines[1]} =~ ^talk\ +1/1\ +Running\ +0\ +.*\ +rknode$ ]] || { echo "$output"; false; }
    wait_for 10 bash -c "'$MK_ROOT/tools/rkubectl' logs talk | grep -q hello-log"
    timeout 3 "$MK_ROOT/tools/rkubectl" logs -f talk >"$E2E_DIR/follow.out" || true
    grep -q hello-log "$E2E_DIR/follow.out"
    run rk exec talk -- sh -c 'echo out; echo err >&2; exit 4'
    [ "$status" -eq 4 ]
    [[ $output == *out* && $output == *err* ]]
    run rk exec talk -- echo "a  b" '$HOME'
    [ "$status" -eq 0 ]
    [ "$output" = 'a  b $HOME' ]
    # The exec file itself: write commands, read the output until sh exits.
    run timeout 10 bash -c "exec 3<>'$MK_MNT/pods/talk/exec/c'; printf 'echo via-file\nexit\n' >&3; cat <&3"
    [ "$status" -eq 0 ]
    [ "$output" = via-file ]
}
