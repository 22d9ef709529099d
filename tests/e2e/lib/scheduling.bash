# tests/e2e/lib/scheduling.bash - nodes and pods by hand, for the
# scheduler and node controller tests (scheduler.bats, nodes.bats).
#
#   make_node NAME [LABELS_JSON] [CPU] [MEMORY] [PODS]   a Ready node (no kubelet)
#   heartbeat NAME [STATUS]      post the Ready condition with a fresh heartbeat
#   make_pod NAME [SELECTOR_JSON] [CPU] [MEMORY] [NODE]   a one-container pod
#   pod_field NAME JQ            print a field of a pod (jq filter)
#   pod_gone NAME / pod_deleted NAME   404 / 404 or marked for deletion
#   node_field NAME JQ           print a field of a node
#   start_daemon VAR LOG BIN ARGS...   start a daemon, pid in $VAR
#   stop_daemon PID              SIGTERM by pid, wait (SIGKILL after 10 s); fails
#                                unless it exited 0

load helpers

node_status_json() { # STATUS CPU MEMORY PODS
    local now
    now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    cat <<JSON
{"status":{"capacity":{"cpu":"$2","memory":"$3","pods":"$4"},
 "allocatable":{"cpu":"$2","memory":"$3","pods":"$4"},
 "conditions":[{"type":"Ready","status":"$1","reason":"KubeletReady",
  "lastHeartbeatTime":"$now","lastTransitionTime":"$now"}]}}
JSON
}

make_node() {
    local name=$1 labels=${2:-"{}"} cpu=${3:-4} mem=${4:-16Gi} pods=${5:-110}
    req POST /api/v1/nodes -H 'Content-Type: application/json' \
        -d "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"$name\",\"labels\":$labels}}"
    [ "$CODE" = 201 ] || { echo "create node $name: $CODE $BODY" >&2; return 1; }
    req PATCH "/api/v1/nodes/$name/status" -H 'Content-Type: application/merge-patch+json' \
        -d "$(node_status_json True "$cpu" "$mem" "$pods")"
    [ "$CODE" = 200 ] || { echo "node $name status: $CODE $BODY" >&2; return 1; }
}

heartbeat() {
    local name=$1 status=${2:-True} now
    now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    req PATCH "/api/v1/nodes/$name/status" -H 'Content-Type: application/merge-patch+json' \
        -d "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"$status\",\"reason\":\"KubeletReady\",\"lastHeartbeatTime\":\"$now\",\"lastTransitionTime\":\"$now\"}]}}"
    [ "$CODE" = 200 ]
}

make_pod() {
    local name=$1 sel=${2:-"{}"} cpu=${3:-100m} mem=${4:-64Mi} node=${5:-}
    req POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d "{
      \"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"$name\"},
      \"spec\":{${node:+\"nodeName\":\"$node\",}\"nodeSelector\":$sel,\"containers\":[{\"name\":\"c\",
        \"image\":\"busybox\",\"command\":[\"sleep\",\"3600\"],
        \"resources\":{\"requests\":{\"cpu\":\"$cpu\",\"memory\":\"$mem\"}}}]}}"
    [ "$CODE" = 201 ] || { echo "create pod $name: $CODE $BODY" >&2; return 1; }
}

pod_field() {
    req GET "/api/v1/namespaces/default/pods/$1"
    [ "$CODE" = 200 ] || return 1
    jq -r "$2" <<<"$BODY"
}

node_field() {
    req GET "/api/v1/nodes/$1"
    [ "$CODE" = 200 ] || return 1
    jq -r "$2" <<<"$BODY"
}

pod_bound() {
    local n
    n=$(pod_field "$1" '.spec.nodeName // ""') && [ -n "$n" ]
}

pod_gone() {
    req GET "/api/v1/namespaces/default/pods/$1"
    [ "$CODE" = 404 ]
}

# Deleted, or marked for deletion (an API server with graceful pod
# deletion keeps a bound pod until its kubelet confirms; none runs here).
pod_deleted() {
    req GET "/api/v1/namespaces/default/pods/$1"
    [ "$CODE" = 404 ] || { [ "$CODE" = 200 ] && [ "$(jq -r '.metadata.deletionTimestamp // ""' <<<"$BODY")" != "" ]; }
}

start_daemon() {
    local var=$1 log=$2
    shift 2
    "$@" 2>>"$log" &
    printf -v "$var" '%s' "$!"
}

stop_daemon() { # fails unless the daemon exits 0 on SIGTERM (a sanitizer report does not)
    local pid=$1 i rc=0
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        pid_alive "$pid" || break
        sleep 0.1
    done
    if pid_alive "$pid"; then
        echo "pid $pid ignored SIGTERM for 10 s" >&2
        kill -KILL "$pid" 2>/dev/null
        rc=1
    fi
    wait "$pid" 2>/dev/null || rc=$?
    return $rc
}
