#!/usr/bin/env bats
# mk-kubelet and mk-image as commands: flags, errors, start and stop, the
# image store, hollow mode. (Pods that run: pods.bats.)

load helpers

setup() {
    T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/kubelet.XXXXXX")
    KPID=
}

teardown() {
    if [ -n "$KPID" ]; then
        kill "$KPID" 2>/dev/null || true
        wait "$KPID" 2>/dev/null || true
    fi
    stop_apiserver
    [ -d "$T/root" ] && "$MK_BIN/mk-kubelet" --cleanup --root-dir "$T/root" 2>/dev/null || true
    rm -rf "$T" "${MK_APISERVER_DATA:-}" "${MK_APISERVER_LOG:-}"
}

@test "mk-kubelet --help and bad flags" {
    run "$MK_BIN/mk-kubelet" --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"--node-name"* && "$output" == *"--pod-cidr"* && "$output" == *"--hollow"* ]]
    run "$MK_BIN/mk-kubelet" --node-name n1
    [ "$status" -eq 2 ]
    [[ "$output" == *"required"* ]]
    run "$MK_BIN/mk-kubelet" --server http://127.0.0.1:1 --node-name Bad_Name --root-dir "$T/root"
    [ "$status" -eq 2 ]
    run "$MK_BIN/mk-kubelet" --server http://127.0.0.1:1 --node-name n1 --root-dir "$T/root" --runtime kata
    [ "$status" -eq 1 ]
    [[ "$output" == *"runc or crun"* ]]
}

@test "mk-kubelet without an API server: one clear line, non-zero exit" {
    # Port 1: nothing listens there, where a free port may be taken by then.
    run "$MK_BIN/mk-kubelet" --server http://127.0.0.1:1 --node-name n1 \
        --root-dir "$T/root" --port "$(free_port)"
    [ "$status" -eq 1 ]
    echo "$output"
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"node n1"* ]]
}

@test "mk-kubelet registers, serves healthz and metrics on loopback, stops on SIGTERM" {
    [ "$(id -u)" = 0 ] || skip "needs root"
    start_apiserver
    local port
    port=$(free_port)
    "$MK_BIN/mk-kubelet" --server "$MK_SERVER" --node-name solo --root-dir "$T/root" \
        --image-dir "$T/images" --port "$port" --heartbeat-seconds 1 2>"$T/k.log" &
    KPID=$!
    wait_for 10 curl -sf "http://127.0.0.1:$port/healthz"
    req GET /api/v1/nodes/solo
    [ "$CODE" = 200 ]
    [ "$(jq -r .status.daemonEndpoints.kubeletEndpoint.Port <<<"$BODY")" = "$port" ]
    curl -sf "http://127.0.0.1:$port/metrics" | grep -q '^kubelet_running_pods 0'
    # The busybox image is always there: built on first start.
    [ -x "$T/images/busybox/rootfs/bin/busybox" ]
    [ "$(curl -sf "http://127.0.0.1:$port/stats/summary" | jq -r .node.nodeName)" = solo ]
    # nodeInfo names this machine and its runtime.
    jq -e --arg boot "$(cat /proc/sys/kernel/random/boot_id)" '.status.nodeInfo |
        .bootID == $boot and (.osImage | length > 0) and (.machineID | length > 0) and
        (.containerRuntimeVersion | test("^runc://[0-9]")) and .architecture != ""' <<<"$BODY"
    # The node's use is the whole machine's (no pods run here: a sum of its
    # pods' would be 0), in the summary and in the metrics API.
    curl -sf "http://127.0.0.1:$port/stats/summary" |
        jq -e '.node.memory.workingSetBytes > 64*1024*1024 and .node.cpu.usageCoreNanoSeconds > 0'
    req GET /apis/metrics.k8s.io/v1beta1/nodes/solo
    [ "$CODE" = 200 ]
    jq -e '.usage.memory | rtrimstr("Ki") | tonumber > 65536' <<<"$BODY"
    # Its Lease in kube-node-lease, owned by the Node, renewed at each heartbeat.
    local uid renewed
    uid=$(curl -sf "$MK_SERVER/api/v1/nodes/solo" | jq -r .metadata.uid)
    req GET /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/solo
    [ "$CODE" = 200 ]
    jq -e --arg uid "$uid" '.spec.holderIdentity == "solo" and .spec.leaseDurationSeconds == 40 and
        .metadata.ownerReferences[0].uid == $uid' <<<"$BODY"
    renewed=$(jq -r .spec.renewTime <<<"$BODY")
    wait_for 10 eval '[ "$(curl -sf "$MK_SERVER/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/solo" | jq -r .spec.renewTime)" != "$renewed" ]'
    # The port is taken: a second kubelet says so and exits.
    run "$MK_BIN/mk-kubelet" --server "$MK_SERVER" --node-name solo2 --root-dir "$T/root2" \
        --port "$port"
    [ "$status" -eq 1 ]
    [[ "$output" == *"port $port"* ]]
    "$MK_BIN/mk-kubelet" --cleanup --root-dir "$T/root2" || true
    kill -TERM "$KPID"
    wait "$KPID"
    KPID=
    grep -q "stopping" "$T/k.log"
}

@test "mk-image: build-busybox, list, path, import a tarball, rm" {
    run "$MK_BIN/mk-image" --root "$T/img" build-busybox
    [ "$status" -eq 0 ]
    [ -x "$T/img/busybox/rootfs/bin/busybox" ]
    [ -L "$T/img/busybox/rootfs/bin/sh" ]
    grep -q '^root:x:0:0:' "$T/img/busybox/rootfs/etc/passwd"
    [ "$(stat -c %a "$T/img/busybox/rootfs/tmp")" = 1777 ]
    tar -C "$T/img/busybox/rootfs" -czf "$T/box.tgz" .
    run "$MK_BIN/mk-image" --root "$T/img" import tools "$T/box.tgz"
    [ "$status" -eq 0 ]
    run "$MK_BIN/mk-image" --root "$T/img" list
    [ "$output" = "$(printf 'busybox\ntools')" ]
    run "$MK_BIN/mk-image" --root "$T/img" path docker.io/library/tools:latest
    [ "$output" = "$T/img/tools/rootfs" ]
    run "$MK_BIN/mk-image" --root "$T/img" import bad "$T/nosuchfile"
    [ "$status" -eq 1 ]
    [ ! -e "$T/img/bad" ]
    ! ls -d "$T"/img/.tmp-* 2>/dev/null
    run "$MK_BIN/mk-image" --root "$T/img" rm tools
    [ "$status" -eq 0 ]
    [ ! -e "$T/img/tools" ]
}

@test "mk-image: import an OCI image layout (umoci)" {
    command -v umoci >/dev/null || skip "needs umoci"
    "$MK_BIN/mk-image" --root "$T/img" build-busybox
    umoci init --layout "$T/oci"
    umoci new --image "$T/oci:v1"
    umoci unpack --image "$T/oci:v1" "$T/bundle"
    cp -a "$T/img/busybox/rootfs/." "$T/bundle/rootfs/"
    umoci repack --image "$T/oci:v1" "$T/bundle"
    umoci config --image "$T/oci:v1" --config.cmd sh --config.cmd -c --config.cmd 'echo from-oci'
    run "$MK_BIN/mk-image" --root "$T/img" import ocibox "$T/oci:v1"
    [ "$status" -eq 0 ]
    [ -x "$T/img/ocibox/rootfs/bin/busybox" ]
    grep -q from-oci "$T/img/ocibox/config.json"
    # pull goes through skopeo: any transport, here the same layout.
    command -v skopeo >/dev/null || skip "needs skopeo"
    run "$MK_BIN/mk-image" --root "$T/img" pull "oci:$T/oci:v1" pulled
    [ "$status" -eq 0 ]
    [ -x "$T/img/pulled/rootfs/bin/busybox" ]
    ! ls -d "$T"/img/.tmp-* 2>/dev/null
}

@test "mk-kubelet --hollow registers hollow nodes and keeps them" {
    start_apiserver
    "$MK_BIN/mk-kubelet" --server "$MK_SERVER" --node-name hollow --hollow --hollow-nodes 3 \
        --labels tier=scale 2>"$T/h.log" &
    KPID=$!
    wait_for 10 eval '[ "$(curl -s "$MK_SERVER/api/v1/nodes" | jq ".items | length")" = 3 ]'
    [ "$(curl -s "$MK_SERVER/api/v1/nodes/hollow-1" | jq -r .metadata.labels.tier)" = scale ]
    kill -TERM "$KPID"
    wait "$KPID"
    KPID=
}
