# tests/e2e/lib/rscluster.bash - a three-node cluster of real daemons for the
# ReplicaSet and HPA tests (replicaset.bats, hpa.bats; also ingress.bats and,
# through lib/functions.bash, functions.bats and workflows.bats): the cluster
# of lib/cluster.bash with every controller (short node-lifecycle and HPA
# periods), heartbeats every second, slot labels, mk-fs at $MNT, and names
# mkr$E2E_TAG-* (netns mkr$E2E_TAG-n1..3).
#
#   RS_NET=172.31.253 rs_cluster_up     in setup_file (after `load ../helpers`)
#   rs_cluster_down                     in teardown_file; removes everything
#   rs_status NAME FIELD                .status.FIELD of ReplicaSet NAME (0 if absent)
#   rs_spec NAME FIELD                  .spec.FIELD of ReplicaSet NAME
#   rs_pods NAME                        names of the live pods it owns, one a line
#   pods_on NAME NODE                   how many of them are bound to NODE
#   and everything of lib/cluster.bash: api, start_kubelet I / stop_kubelet I
#   [SIGNAL], node_ready NAME, kubelet_get I PATH, node_empty I, ...

# Next to this file, whichever .bats file loads it.
source "$(dirname "${BASH_SOURCE[0]}")/cluster.bash"

rs_cluster_up() {
    export CLUSTER_NET=$RS_NET CLUSTER_NS=mkr CLUSTER_HEARTBEAT=1 CLUSTER_FS=1 \
        CLUSTER_LABELS='e2e=yes,slot=n{i}' \
        CLUSTER_CM_FLAGS='--node-monitor-grace-period 4 --pod-eviction-timeout 4 --hpa-sync-period 1'
    cluster_up
}

rs_cluster_down() {
    [ -n "${E2E_DIR:-}" ] || return 0
    local n
    # Owners first (their pods go with them); cluster_down takes any pod left.
    for n in $(api GET /apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers | jq -r '.items[]?.metadata.name'); do
        api DELETE "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/$n" >/dev/null || true
    done
    for n in $(api GET /apis/apps/v1/namespaces/default/replicasets | jq -r '.items[]?.metadata.name'); do
        api DELETE "/apis/apps/v1/namespaces/default/replicasets/$n" >/dev/null || true
    done
    cluster_down
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
