#!/usr/bin/env bats
# A cluster on https, as one spread over several machines runs: the API
# server with a certificate of its own CA (not the system's) and tokens;
# the controller manager, scheduler, kubelet (in its own network namespace)
# and mk-fs given that CA with --certificate-authority; kubectl with a
# token, which it sends over https only. Exec goes over TLS from mk-fs and
# mk-exec (fs/tlspipe.c) and from kubectl (WebSocket). Addresses
# 172.31.243.0/24 on a bridge made for the test.

load helpers
load fs_helpers
bats_require_minimum_version 1.5.0

TOKEN=tls-admin-token
NODE_TOKEN=tls-node-token
NET=172.31.243

setup_file() {
    [ "$(id -u)" = 0 ] || skip "needs root"
    command -v runc >/dev/null && command -v conmon >/dev/null || skip "needs runc and conmon"
    local tag
    tag=$(printf '%04x' $((RANDOM % 65536)))
    export BR=mkt$tag NETNS=mkt$tag-n1
    export E2E_DIR=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/tls.XXXXXX")
    printf '%s,admin,admin\n%s,kubelet,node\n' "$TOKEN" "$NODE_TOKEN" >"$E2E_DIR/tokens"
    echo "$TOKEN" >"$E2E_DIR/admin.token"
    echo "$NODE_TOKEN" >"$E2E_DIR/node.token"
    export CA=$E2E_DIR/ca.pem
    # A CA, and the server's certificate it signs, for the bridge address.
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=minik8s-test-ca \
        -keyout "$E2E_DIR/ca.key" -out "$CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=mk-apiserver \
        -keyout "$E2E_DIR/server.key" -out "$E2E_DIR/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:%s.1\n' "$NET" >"$E2E_DIR/san.ext"
    openssl x509 -req -in "$E2E_DIR/server.csr" -CA "$CA" -CAkey "$E2E_DIR/ca.key" \
        -CAcreateserial -days 1 -extfile "$E2E_DIR/san.ext" -out "$E2E_DIR/server.pem" 2>/dev/null
    "$MK_BIN/mk-image" --root "$E2E_DIR/images" build-busybox

    ip link add "$BR" type bridge
    ip addr add "$NET.1/24" dev "$BR"
    ip link set "$BR" up
    ip netns add "$NETNS"
    ip link add "$BR-v1" type veth peer name eth0 netns "$NETNS"
    ip link set "$BR-v1" master "$BR" up
    ip -n "$NETNS" addr add "$NET.11/24" dev eth0
    ip -n "$NETNS" link set eth0 up
    ip -n "$NETNS" link set lo up

    MK_APISERVER_LISTEN=$NET.1:0 start_apiserver --token-file "$E2E_DIR/tokens" \
        --tls-cert "$E2E_DIR/server.pem" --tls-key "$E2E_DIR/server.key"
    [[ "$MK_SERVER" == https://* ]]
    local trust=(--server "$MK_SERVER" --certificate-authority "$CA")
    "$MK_BIN/mk-controller-manager" "${trust[@]}" --token-file "$E2E_DIR/admin.token" \
        --controllers nodeipam 2>>"$E2E_DIR/cm.log" &
    echo $! >"$E2E_DIR/cm.pid"
    "$MK_BIN/mk-scheduler" "${trust[@]}" --token-file "$E2E_DIR/admin.token" \
        2>>"$E2E_DIR/scheduler.log" &
    echo $! >"$E2E_DIR/scheduler.pid"
    nsenter --net="/var/run/netns/$NETNS" "$MK_BIN/mk-kubelet" "${trust[@]}" \
        --node-name tlsnode --root-dir "$E2E_DIR/node" --image-dir "$E2E_DIR/images" \
        --node-ip "$NET.11" --token-file "$E2E_DIR/node.token" \
        --auth-token-file "$E2E_DIR/tokens" 2>>"$E2E_DIR/kubelet.log" &
    echo $! >"$E2E_DIR/kubelet.pid"
    start_mount --token-file "$E2E_DIR/admin.token" --certificate-authority "$CA"
    export MINIK8S_MOUNT=$MK_MNT
    cat >"$E2E_DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mk
  cluster: {server: "$MK_SERVER", certificate-authority: "$CA"}
contexts:
- name: mk
  context: {cluster: mk, user: mk, namespace: default}
current-context: mk
users:
- name: mk
  user: {token: "$TOKEN"}
EOF
    cat >"$E2E_DIR/talk.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: talk}
spec:
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'echo hello-over-tls; exec sleep 3600']
EOF
    cp "$E2E_DIR/talk.yaml" "$MK_MNT/pods/"
    wait_for 60 eval '[ "$(api GET /api/v1/namespaces/default/pods/talk | jq -r .status.phase)" = Running ]'
}

teardown_file() {
    [ -n "${E2E_DIR:-}" ] || return 0
    api DELETE /api/v1/namespaces/default/pods >/dev/null || true
    wait_for 20 eval '[ "$(curl -s -H "Authorization: Bearer $TOKEN" http://$NET.11:10250/pods)" = "[]" ]' || true
    stop_mount
    local d
    for d in kubelet scheduler cm; do
        [ -f "$E2E_DIR/$d.pid" ] && stop_pid "$(cat "$E2E_DIR/$d.pid")"
    done
    [ -d "$E2E_DIR/node" ] && nsenter --net="/var/run/netns/$NETNS" \
        "$MK_BIN/mk-kubelet" --cleanup --root-dir "$E2E_DIR/node" || true
    ip netns del "$NETNS" 2>/dev/null || true
    ip link del "$BR" 2>/dev/null || true
    stop_apiserver
    rm -rf "$E2E_DIR" "$MK_APISERVER_DATA" "$MK_APISERVER_LOG"
}

api() { # METHOD PATH: an admin request over https, body on stdout
    curl -sS --cacert "$CA" -H "Authorization: Bearer $TOKEN" -X "$1" "$MK_SERVER$2"
}

k() { timeout 30 kubectl --kubeconfig "$E2E_DIR/kubeconfig" "$@"; }

@test "tls: the daemons reach the server through its CA; a pod is scheduled and runs" {
    [ "$(api GET /api/v1/nodes/tlsnode | jq -r '.status.conditions[] | select(.type=="Ready") | .status')" = True ]
    [ "$(api GET /api/v1/namespaces/default/pods/talk | jq -r .spec.nodeName)" = tlsnode ]
    grep -q hello-over-tls "$MK_MNT/pods/talk/logs/c"
}

@test "tls: without the CA a daemon refuses the server in one clear line" {
    run -1 timeout 10 "$MK_BIN/mk-scheduler" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token"
    [ "${#lines[@]}" = 1 ]
    [[ "$output" == "mk-scheduler: cannot reach $MK_SERVER: "*certificate* ]]
    run -1 timeout 10 "$MK_BIN/mk-scheduler" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" \
        --certificate-authority "$E2E_DIR/nope.pem"
    [[ "$output" == "mk-scheduler: "* ]]
}

@test "tls: exec through the mount and mk-exec over TLS; a wrong CA is refused" {
    run timeout 20 bash -c "exec 3<>'$MK_MNT/pods/talk/exec/c'; printf 'echo via-tls \$((6*7))\nexit\n' >&3; cat <&3"
    [[ "$output" == *"via-tls 42"* ]]
    run "$MK_ROOT/tools/rkubectl" exec talk -- sh -c 'echo out; exit 4'
    [ "$status" -eq 4 ]
    [ "$output" = out ]
    run timeout 20 "$MK_BIN/mk-exec" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" \
        --certificate-authority "$CA" talk -- sh -c 'echo direct; exit 3'
    [ "$status" -eq 3 ]
    [ "$output" = direct ]
    # The server's own certificate is no CA of it: verification fails.
    run timeout 20 "$MK_BIN/mk-exec" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" \
        --certificate-authority "$E2E_DIR/server.pem" -c c talk -- true
    [ "$status" -ne 0 ] && [ "$status" -ne 3 ]
    [[ "$output" == *"TLS to $NET.1"*certificate* ]]
}

@test "tls: rkubectl exec -it through mk-exec with MINIK8S_CA_FILE" {
    command -v script >/dev/null || skip "needs script(1)"
    run timeout 30 bash -c "(sleep 2; printf 'tty; exit 5\r'; sleep 5) |
        MINIK8S_TOKEN_FILE='$E2E_DIR/admin.token' MINIK8S_CA_FILE='$CA' \
        script -qec '$MK_ROOT/tools/rkubectl exec -it talk' /dev/null"
    [ "$status" -eq 5 ]
    [[ "$output" == *"/dev/pts/"* ]]
}

@test "tls: kubectl with a token: get, logs, exec" {
    run k get pods
    [ "$status" -eq 0 ] && [[ "$output" == *talk*Running* ]]
    run k logs talk
    [ "$output" = hello-over-tls ]
    run k exec talk -- sh -c 'echo from-kubectl; exit 6'
    [ "$status" -eq 6 ]
    [[ "$output" == *from-kubectl* ]]
}
