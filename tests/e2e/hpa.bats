#!/usr/bin/env bats
# HorizontalPodAutoscalers end to end: busybox pods really burn CPU (a busy
# loop while a file exists on a hostPath the test controls), the kubelets
# measure it from the cgroups, mk-apiserver serves it as metrics.k8s.io
# PodMetrics, and the HPA controller scales the ReplicaSet. The cluster is
# tests/e2e/lib/rscluster.bash (--hpa-sync-period 1). No metric is faked.

load helpers
load lib/rscluster

setup_file() {
    export RS_NET=172.31.254
    rs_cluster_up
    mkdir -p "$E2E_DIR/load"
}

teardown_file() {
    rm -f "$E2E_DIR/load/on"
    rs_cluster_down
}

burner_rs() { # NAME
    cat >"$E2E_DIR/$1.yaml" <<YAML
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: $1}
spec:
  replicas: 1
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
      volumes: [{name: load, hostPath: {path: $E2E_DIR/load}}]
      containers:
      - name: burn
        image: busybox
        resources: {requests: {cpu: 100m, memory: 16Mi}, limits: {cpu: 200m}}
        volumeMounts: [{name: load, mountPath: /load}]
        command: [sh, -c, 'while true; do if [ -f /load/on ]; then i=0; while [ \$i -lt 20000 ]; do i=\$((i+1)); done; else sleep 0.5; fi; done']
YAML
    cp "$E2E_DIR/$1.yaml" "$MNT/replicasets/"
}

hpa() { # NAME TARGET BEHAVIOR-YAML
    cat >"$E2E_DIR/hpa-$1.yaml" <<YAML
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: $1}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: ReplicaSet, name: $2}
  minReplicas: 1
  maxReplicas: 3
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
  behavior: $3
YAML
    cp "$E2E_DIR/hpa-$1.yaml" "$MNT/horizontalpodautoscalers/"
}

hpa_get() { api GET "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/$1"; }
cond() { # HPA TYPE -> "status reason"
    hpa_get "$1" | jq -r --arg t "$2" '.status.conditions[]? | select(.type==$t) | "\(.status) \(.reason)"'
}
replicas_are() { [ "$(rs_spec "$1" replicas)" = "$2" ]; }
running_pods() { [ "$(rs_status "$1" readyReplicas)" = "$2" ]; }

@test "a missing target or missing metrics show as conditions, not a crash" {
    hpa lost nothere '{}'
    wait_for 20 eval '[ "$(cond lost AbleToScale)" = "False FailedGetScale" ]'
    hpa_get lost | jq -e '.status.conditions[] | select(.type=="AbleToScale") | .message | test("nothere")'
    api DELETE /apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/lost >/dev/null
    pid_alive "$(cat "$E2E_DIR/cm.pid")"
}

@test "a Deployment as the target: minReplicas scales it through its spec.replicas" {
    api POST /apis/apps/v1/namespaces/default/deployments -H 'Content-Type: application/yaml' --data-binary @- >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: dtarget}
spec:
  replicas: 1
  selector: {matchLabels: {app: dtarget}}
  template:
    metadata: {labels: {app: dtarget}}
    spec: {containers: [{name: c, image: busybox, command: [sleep, '3600']}]}
YAML
    api POST /apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers -H 'Content-Type: application/yaml' --data-binary @- >/dev/null <<'YAML'
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: dtarget}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: dtarget}
  minReplicas: 2
  maxReplicas: 3
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
YAML
    wait_for 20 eval '[ "$(api GET /apis/apps/v1/namespaces/default/deployments/dtarget | jq .spec.replicas)" = 2 ]'
    wait_for 20 eval '[ "$(cond dtarget ScalingLimited)" = "True TooFewReplicas" ]'
    api GET "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=dtarget,reason=SuccessfulRescale" |
        jq -e '.items[0].message == "New size: 2; reason: below the minimum replica count"'
    api DELETE /apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/dtarget >/dev/null
    api DELETE /apis/apps/v1/namespaces/default/deployments/dtarget >/dev/null
}

@test "CPU load scales a ReplicaSet up; it scales down no sooner than the stabilization window" {
    burner_rs burn
    wait_for 60 running_pods burn 1
    # The metrics API, as metrics-server serves it, and listed in discovery.
    api GET /apis | jq -e '.groups[] | select(.name=="metrics.k8s.io")'
    api GET /apis/metrics.k8s.io/v1beta1 | jq -e '.resources[] | select(.name=="pods")'
    wait_for 20 eval 'api GET /apis/metrics.k8s.io/v1beta1/namespaces/default/pods | jq -e ".items[] | select(.metadata.labels.app==\"burn\") | .containers[0].usage.cpu"'
    hpa burn burn '{scaleDown: {stabilizationWindowSeconds: 15, policies: [{type: Percent, value: 100, periodSeconds: 15}]}}'
    # Idle: 1 replica, a valid metric, nothing to do.
    wait_for 30 eval '[ "$(cond burn ScalingActive)" = "True ValidMetricFound" ]'
    replicas_are burn 1
    # Load: each pod burns its 200m limit = 200% of its 100m request, four
    # times the 50% target: up to maxReplicas 3.
    touch "$E2E_DIR/load/on"
    wait_for 120 replicas_are burn 3
    wait_for 60 running_pods burn 3
    local st
    st=$(hpa_get burn)
    jq -e '.status.currentMetrics[0].resource.current.averageUtilization > 50' <<<"$st"
    jq -e '.status.lastScaleTime != null and .status.desiredReplicas == 3' <<<"$st"
    wait_for 20 eval '[ "$(cond burn ScalingLimited)" = "True TooManyReplicas" ]'
    api GET '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=burn,reason=SuccessfulRescale' |
        jq -e '[.items[] | select(.involvedObject.kind == "HorizontalPodAutoscaler" and (.message | startswith("New size: ")))] | length > 0'
    [ "$(cond burn AbleToScale | cut -d" " -f1)" = True ]
    # Load off: the 15 s window holds the highest recent recommendation (3).
    rm -f "$E2E_DIR/load/on"
    local t0 t1
    t0=$(date +%s.%N)
    wait_for 120 eval '[ "$(rs_spec burn replicas)" -lt 3 ]'
    t1=$(date +%s.%N)
    echo "first scale-down $(echo "$t1 - $t0" | bc) s after the load stopped" >&3
    # No sooner than the window, less the HPA's 1 s period and a second of slack
    # for the last loaded sample.
    [ "$(echo "$t1 - $t0 >= 13" | bc)" = 1 ]
    wait_for 120 replicas_are burn 1
    api DELETE /apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/burn >/dev/null
    api DELETE /apis/apps/v1/namespaces/default/replicasets/burn >/dev/null
    wait_for 60 eval '[ "$(rs_pods burn | wc -l)" = 0 ]'
}

@test "a scale-up policy of Pods: 1 per 15 s is respected" {
    burner_rs step
    wait_for 60 running_pods step 1
    hpa step step '{scaleUp: {policies: [{type: Pods, value: 1, periodSeconds: 15}]}}'
    wait_for 30 eval '[ "$(cond step ScalingActive)" = "True ValidMetricFound" ]'
    touch "$E2E_DIR/load/on"
    # Sample the ReplicaSet's replicas with the time until it reaches 3.
    local samples=() start now r limited=0 i
    start=$(date +%s.%N)
    for ((i = 0; i < 240; i++)); do
        now=$(date +%s.%N)
        r=$(rs_spec step replicas)
        samples+=("$now $r")
        [ "$(cond step ScalingLimited)" = "True ScaleUpLimit" ] && limited=1
        [ "$r" = 3 ] && break
        sleep 0.5
    done
    rm -f "$E2E_DIR/load/on"
    [ "$r" = 3 ]
    [ "$limited" = 1 ]
    # It went 1 -> 2 -> 3, and no two samples less than 14 s apart (the
    # policy's 15 s, less a second for the clocks of the two processes)
    # differ by more than one pod.
    local a b ta ra tb rb
    for ((a = 0; a < ${#samples[@]}; a++)); do
        read -r ta ra <<<"${samples[a]}"
        for ((b = a + 1; b < ${#samples[@]}; b++)); do
            read -r tb rb <<<"${samples[b]}"
            [ "$(echo "$tb - $ta < 14" | bc)" = 1 ] || break
            [ $((rb - ra)) -le 1 ] || { echo "at $ta: $ra, at $tb: $rb" >&2; false; }
        done
    done
    read -r ta ra <<<"${samples[0]}"
    read -r tb rb <<<"${samples[${#samples[@]}-1]}"
    echo "1 -> 3 replicas in $(echo "$tb - $start" | bc) s" >&3
    api DELETE /apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/step >/dev/null
    api DELETE /apis/apps/v1/namespaces/default/replicasets/step >/dev/null
    wait_for 60 eval '[ "$(rs_pods step | wc -l)" = 0 ]'
}
