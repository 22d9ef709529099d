#!/usr/bin/env bats
# mk-controller-manager's node controllers against a real mk-apiserver:
# nodeipam (podCIDRs) and nodelifecycle (silent nodes, taints, eviction).
# Nodes are Node objects made with curl; the test posts their heartbeats.

load lib/scheduling

setup() {
    LOGDIR=$(mktemp -d "${BATS_TMPDIR:-/tmp}/nodes.XXXXXX")
    start_apiserver
    CM_PID=
    HB_PID=
    SCHED_PID=
    HOLLOW_PID=
}

teardown() {
    [ -z "$HB_PID" ] || { kill "$HB_PID" 2>/dev/null; wait "$HB_PID" 2>/dev/null || true; }
    local rc=0
    stop_daemon "$SCHED_PID" || true
    stop_daemon "$HOLLOW_PID" || true
    stop_daemon "$CM_PID" || rc=1
    stop_apiserver
    if [ -z "${BATS_TEST_COMPLETED:-}" ] || [ $rc -ne 0 ]; then
        echo "# controller-manager log:" >&3
        sed 's/^/#   /' "$LOGDIR/cm.log" >&3 || true
    fi
    rm -rf "$LOGDIR" "$MK_APISERVER_DATA" "$MK_APISERVER_LOG"
    return $rc
}

start_cm() {
    start_daemon CM_PID "$LOGDIR/cm.log" "$MK_BIN/mk-controller-manager" --server "$MK_SERVER" "$@"
}

has_cidr() {
    local c
    c=$(node_field "$1" '.spec.podCIDR // ""') && [ -n "$c" ]
}

@test "controller-manager: --help, unknown controller, no server" {
    run "$MK_BIN/mk-controller-manager" --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"nodeipam"* && "$output" == *"nodelifecycle"* ]]
    run "$MK_BIN/mk-controller-manager" --server "$MK_SERVER" --controllers nodeipam,nope
    [ "$status" -eq 2 ]
    [[ "$output" == *'unknown controller "nope"'* ]]
    run "$MK_BIN/mk-controller-manager" --server "http://127.0.0.1:$(free_port)"
    [ "$status" -eq 1 ]
    [[ "$output" == *"cannot reach"* ]]
}

@test "nodeipam: distinct /24s from the cluster CIDR, kept across a restart" {
    make_node n1
    make_node n2
    start_cm --controllers nodeipam
    make_node n3
    for n in n1 n2 n3; do wait_for 10 has_cidr "$n"; done
    cidrs=$(for n in n1 n2 n3; do node_field "$n" .spec.podCIDR; done)
    [ "$(sort -u <<<"$cidrs" | wc -l)" -eq 3 ]
    while read -r c; do [[ "$c" =~ ^10\.244\.[0-9]+\.0/24$ ]]; done <<<"$cidrs"
    [ "$(node_field n1 '.spec.podCIDRs[0]')" = "$(node_field n1 .spec.podCIDR)" ]
    # A restarted controller rebuilds what is taken from the nodes.
    stop_daemon "$CM_PID"
    make_node n4
    start_cm --controllers nodeipam
    wait_for 10 has_cidr n4
    c4=$(node_field n4 .spec.podCIDR)
    ! grep -qx "$c4" <<<"$cidrs"
    # A deleted node's range goes back to the pool.
    req DELETE /api/v1/nodes/n2
    wait_for 10 grep -q "node n2 deleted: .* released" "$LOGDIR/cm.log"
}

@test "nodeipam: a small cluster CIDR runs out and says so" {
    start_cm --controllers nodeipam --cluster-cidr 10.250.0.0/23 --node-cidr-mask-size 24
    make_node a
    make_node b
    make_node c
    wait_for 10 has_cidr a
    wait_for 10 has_cidr b
    wait_for 10 grep -q "node c: no free /24 left" "$LOGDIR/cm.log"
    [ "$(sort -u <(node_field a .spec.podCIDR; node_field b .spec.podCIDR) | wc -l)" -eq 2 ]
}

@test "nodelifecycle: a silent node goes Ready=Unknown, tainted; its pods are evicted; a heartbeat clears it" {
    make_node quiet
    make_node loud
    make_pod on-quiet '{}' 100m 64Mi quiet
    make_pod on-loud '{}' 100m 64Mi loud
    for p in on-quiet on-loud; do
        req PATCH "/api/v1/namespaces/default/pods/$p/status" \
            -H 'Content-Type: application/merge-patch+json' \
            -d '{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}'
        [ "$CODE" = 200 ]
    done
    ( while :; do heartbeat loud; heartbeat quiet; sleep 0.5; done ) &
    HB_PID=$!
    start_cm --controllers nodelifecycle --node-monitor-grace-period 2 --pod-eviction-timeout 4
    sleep 3
    # Heartbeating: Ready and untainted.
    [ "$(node_field quiet '.status.conditions[] | select(.type=="Ready") | .status')" = True ]
    kill "$HB_PID"; wait "$HB_PID" 2>/dev/null || true
    ( while :; do heartbeat loud; sleep 0.5; done ) &
    HB_PID=$!
    ready='.status.conditions[] | select(.type=="Ready")'
    wait_for 15 eval '[ "$(node_field quiet "$ready | .status")" = Unknown ]'
    [ "$(node_field quiet "$ready | .reason")" = NodeStatusUnknown ]
    [ "$(node_field quiet "$ready | .message")" = "Kubelet stopped posting node status." ]
    wait_for 10 eval '[ "$(node_field quiet "[.spec.taints[]? | select(.key==\"node.kubernetes.io/unreachable\")] | length")" = 2 ]'
    # Its pods stop counting as ready at once, and go after the eviction timeout.
    wait_for 10 eval '[ "$(pod_field on-quiet "$ready | .status")" = False ]'
    [ "$(pod_field on-quiet "$ready | .reason")" = NodeNotReady ]
    wait_for 15 pod_deleted on-quiet
    grep -q "evicted pod default/on-quiet" "$LOGDIR/cm.log"
    # Both as Events: the node's (in default, about no namespace) and the pod's.
    req GET '/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind=Node,reason=NodeNotReady'
    jq -e '.items[] | select(.involvedObject.name == "quiet" and .involvedObject.namespace == null)' <<<"$BODY"
    req GET '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=on-quiet,reason=TaintManagerEviction'
    jq -e '.items[0].message == "Deleting pod default/on-quiet: node quiet is not ready"' <<<"$BODY"
    # The heartbeating node and its pod are untouched.
    [ "$(node_field loud "$ready | .status")" = True ]
    [ "$(pod_field on-loud "$ready | .status")" = True ]
    [ "$(node_field loud '[.spec.taints[]?] | length')" = 0 ]
    # The kubelet comes back: Ready=True, the taints go.
    kill "$HB_PID"; wait "$HB_PID" 2>/dev/null || true
    ( while :; do heartbeat loud; heartbeat quiet; sleep 0.5; done ) &
    HB_PID=$!
    wait_for 10 eval '[ "$(node_field quiet "[.spec.taints[]? | select(.key==\"node.kubernetes.io/unreachable\")] | length")" = 0 ]'
    [ "$(node_field quiet "$ready | .status")" = True ]
}

@test "hollow nodes: registered Ready, get podCIDRs, the scheduler spreads pods onto them, they go Running" {
    [ -x "$MK_BIN/mk-kubelet" ] || skip "bin/mk-kubelet not built"
    start_cm --controllers nodeipam
    start_daemon HOLLOW_PID "$LOGDIR/hollow.log" "$MK_BIN/mk-kubelet" --server "$MK_SERVER" \
        --node-name hollow --hollow --hollow-nodes 3 --labels tier=scale
    start_daemon SCHED_PID "$LOGDIR/scheduler.log" "$MK_BIN/mk-scheduler" --server "$MK_SERVER"
    ready='.status.conditions[] | select(.type=="Ready") | .status'
    for n in hollow-0 hollow-1 hollow-2; do
        wait_for 10 eval '[ "$(node_field $n "$ready")" = True ]'
        [ "$(node_field $n '.metadata.labels.tier')" = scale ]
        [ "$(node_field $n '.status.allocatable.pods')" = 110 ]
        wait_for 10 has_cidr $n
    done
    for i in 1 2 3 4 5 6; do make_pod "h-$i" '{"tier":"scale"}'; done
    for i in 1 2 3 4 5 6; do
        wait_for 10 eval '[ "$(pod_field h-$i .status.phase)" = Running ]'
    done
    counts=$(for i in 1 2 3 4 5 6; do pod_field "h-$i" .spec.nodeName; done | sort | uniq -c |
        awk '{print $1}' | tr '\n' ' ')
    [ "$counts" = "2 2 2 " ]
    stop_daemon "$SCHED_PID"
    SCHED_PID=
    stop_daemon "$HOLLOW_PID"
    HOLLOW_PID=
}

@test "nodeipam: keeps working across an API server restart" {
    make_node r1
    start_cm --controllers nodeipam
    wait_for 10 has_cidr r1
    MK_APISERVER_LISTEN=${MK_SERVER#http://}
    stop_apiserver
    sleep 1
    start_apiserver
    make_node r2
    wait_for 20 has_cidr r2
    [ "$(node_field r1 .spec.podCIDR)" != "$(node_field r2 .spec.podCIDR)" ]
}
