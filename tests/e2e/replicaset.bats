#!/usr/bin/env bats
# ReplicaSets end to end: real mk-apiserver, mk-controller-manager,
# mk-scheduler, mk-fs and three mk-kubelets in network namespaces
# (tests/e2e/lib/rscluster.bash). Pods really run (busybox sleep).

load helpers
load lib/rscluster

setup_file() {
    export RS_NET=172.31.253
    rs_cluster_up
}

teardown_file() {
    rs_cluster_down
}

make_rs() { # NAME REPLICAS: created through /cluster, as a user would
    local f="$E2E_DIR/$1.yaml"
    cat >"$f" <<YAML
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: $1}
spec:
  replicas: $2
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
      containers:
      - name: main
        image: busybox
        command: [sh, -c, 'exec sleep 3600']
YAML
    cp "$f" "$MNT/replicasets/"
}

ready_is() { [ "$(rs_status "$1" readyReplicas)" = "$2" ] && [ "$(rs_status "$1" replicas)" = "$2" ] &&
    [ "$(rs_pods "$1" | wc -l)" = "$2" ]; }

delete_rs() { api DELETE "/apis/apps/v1/namespaces/default/replicasets/$1" >/dev/null; }
gone() { [ "$(api GET "$1" -o /dev/null -w '%{http_code}')" = 404 ]; }
no_pods_of() { [ "$(rs_pods "$1" | wc -l)" = 0 ]; }

@test "a ReplicaSet of 3 runs 3 owned pods named <rs>-xxxxx and replaces deleted ones" {
    make_rs web 3
    wait_for 60 ready_is web 3
    local p
    for p in $(rs_pods web); do
        [[ $p =~ ^web-[bcdfghjklmnpqrstvwxz2456789]{5}$ ]]
        [ "$(api GET "/api/v1/namespaces/default/pods/$p" | jq -r '.metadata.ownerReferences[0] | "\(.kind) \(.controller) \(.blockOwnerDeletion)"')" = "ReplicaSet true true" ]
    done
    [ "$(rs_status web fullyLabeledReplicas)" = 3 ]
    [ "$(rs_status web availableReplicas)" = 3 ]
    [ "$(rs_status web observedGeneration)" = 1 ]
    # Two pods deleted behind its back: two new ones, never more.
    local victims
    victims=$(rs_pods web | head -2)
    for p in $victims; do api DELETE "/api/v1/namespaces/default/pods/$p" >/dev/null; done
    wait_for 60 ready_is web 3
    for p in $victims; do ! rs_pods web | grep -qx "$p"; done
    sleep 2
    [ "$(rs_pods web | wc -l)" = 3 ]
    # Status through /cluster too.
    grep -q 'readyReplicas: 3' "$MNT/replicasets/web/status"
}

@test "scale through /cluster (echo N > scale) and rkubectl scale" {
    echo 5 >"$MNT/replicasets/web/scale"
    wait_for 60 ready_is web 5
    [ "$(rs_status web observedGeneration)" = "$(api GET /apis/apps/v1/namespaces/default/replicasets/web | jq -r .metadata.generation)" ]
    MINIK8S_MOUNT=$MNT "$MK_ROOT/tools/rkubectl" scale rs web --replicas=2
    wait_for 60 ready_is web 2
    sleep 2
    [ "$(rs_pods web | wc -l)" = 2 ]
}

@test "orphans matching the selector are adopted; a pod relabeled away is released and replaced" {
    cat >"$E2E_DIR/stray.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: stray, labels: {app: web}}
spec:
  containers: [{name: main, image: busybox, command: [sh, -c, 'exec sleep 3600']}]
YAML
    cp "$E2E_DIR/stray.yaml" "$MNT/pods/"
    # 2 wanted, 3 matching: the stray is adopted and one pod goes.
    wait_for 30 eval '[ "$(api GET /api/v1/namespaces/default/pods/stray | jq -r ".metadata.ownerReferences[0].name // empty")" = web ] || gone /api/v1/namespaces/default/pods/stray'
    wait_for 60 ready_is web 2
    # Relabel one owned pod: it is released (no owner) and replaced.
    local p
    p=$(rs_pods web | head -1)
    api PATCH "/api/v1/namespaces/default/pods/$p" -H 'Content-Type: application/merge-patch+json' \
        -d '{"metadata":{"labels":{"app":"other"}}}' >/dev/null
    wait_for 30 eval '[ "$(api GET /api/v1/namespaces/default/pods/'"$p"' | jq -r ".metadata.ownerReferences // [] | length")" = 0 ]'
    wait_for 60 ready_is web 2
    ! rs_pods web | grep -qx "$p"
    api DELETE "/api/v1/namespaces/default/pods/$p" >/dev/null
}

@test "a node whose kubelet dies: its pods are evicted and replaced on the other nodes" {
    make_rs spread 3
    wait_for 60 ready_is spread 3
    # The node with the most of its pods goes silent (SIGKILL: no goodbye).
    local n best=0 victim=
    for n in 1 2 3; do
        c=$(pods_on spread "node$n")
        if [ "$c" -gt "$best" ]; then best=$c victim=$n; fi
    done
    [ -n "$victim" ]
    stop_kubelet "$victim" KILL
    wait_for 30 eval '! node_ready node'"$victim"
    # Evicted after the (4 s) timeout, recreated where nodes are ready.
    wait_for 90 eval '[ "$(pods_on spread node'"$victim"')" = 0 ] && ready_is spread 3'
    local others=0
    for n in 1 2 3; do [ "$n" = "$victim" ] || others=$((others + $(pods_on spread "node$n"))); done
    [ "$others" = 3 ]
    [ "$(rs_pods spread | wc -l)" = 3 ]
    # The node comes back (and its kubelet removes what it ran).
    start_kubelet "$victim"
    wait_for 30 node_ready "node$victim"
    sleep 2
    [ "$(rs_pods spread | wc -l)" = 3 ]
    delete_rs spread
    wait_for 30 no_pods_of spread
}

@test "a restarted controller manager converges without doubling pods" {
    make_rs calm 4
    wait_for 60 ready_is calm 4
    # Stop it, change the wish while it is away, start it again.
    stop_pid "$(cat "$E2E_DIR/cm.pid")"
    api PATCH /apis/apps/v1/namespaces/default/replicasets/calm \
        -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"replicas":6}}' >/dev/null
    "$MK_BIN/mk-controller-manager" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" \
        --node-monitor-grace-period 4 --pod-eviction-timeout 4 --hpa-sync-period 1 \
        2>>"$E2E_DIR/cm.log" &
    echo $! >"$E2E_DIR/cm.pid"
    wait_for 60 ready_is calm 6
    # And once more, right after a scale-up is asked for.
    api PATCH /apis/apps/v1/namespaces/default/replicasets/calm \
        -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"replicas":9}}' >/dev/null
    stop_pid "$(cat "$E2E_DIR/cm.pid")"
    "$MK_BIN/mk-controller-manager" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" \
        --node-monitor-grace-period 4 --pod-eviction-timeout 4 --hpa-sync-period 1 \
        2>>"$E2E_DIR/cm.log" &
    echo $! >"$E2E_DIR/cm.pid"
    wait_for 60 ready_is calm 9
    sleep 3
    [ "$(rs_pods calm | wc -l)" = 9 ]
    [ "$(api GET /api/v1/namespaces/default/pods | jq '[.items[] | select(.metadata.labels.app=="calm")] | length')" = 9 ]
}

@test "deleting a ReplicaSet deletes its pods; propagationPolicy=Orphan keeps them, without the owner" {
    # Orphan: the pods stay, their owner reference is gone, the RS is gone.
    local before
    before=$(rs_pods calm | sort)
    api DELETE "/apis/apps/v1/namespaces/default/replicasets/calm?propagationPolicy=Orphan" >/dev/null
    wait_for 30 gone /apis/apps/v1/namespaces/default/replicasets/calm
    local p
    for p in $before; do
        [ "$(api GET "/api/v1/namespaces/default/pods/$p" | jq -r '.metadata.ownerReferences // [] | length')" = 0 ]
    done
    sleep 2
    [ "$(api GET /api/v1/namespaces/default/pods | jq '[.items[] | select(.metadata.labels.app=="calm")] | length')" = 9 ]
    # A new ReplicaSet of the same selector adopts them (and trims to 2).
    make_rs calm 2
    wait_for 60 ready_is calm 2
    # rm -r through the mount: Background, the pods go with it.
    rm -r "$MNT/replicasets/calm"
    wait_for 30 gone /apis/apps/v1/namespaces/default/replicasets/calm
    wait_for 60 eval '[ "$(api GET /api/v1/namespaces/default/pods | jq "[.items[] | select(.metadata.labels.app==\"calm\")] | length")" = 0 ]'
    # Foreground: the ReplicaSet stays (marked) until its pods are gone.
    delete_rs web
    wait_for 30 gone /apis/apps/v1/namespaces/default/replicasets/web
    wait_for 60 no_pods_of web
    make_rs fg 2
    wait_for 60 ready_is fg 2
    api DELETE "/apis/apps/v1/namespaces/default/replicasets/fg?propagationPolicy=Foreground" |
        jq -e '.metadata.finalizers == ["foregroundDeletion"]'
    wait_for 30 gone /apis/apps/v1/namespaces/default/replicasets/fg
    no_pods_of fg
}
