#!/usr/bin/env bats
# mk-scheduler against a real mk-apiserver. Nodes are plain Node objects
# made with curl (Ready, with capacity): no kubelet runs the pods, the test
# only looks at where they are bound and at their PodScheduled condition.

load lib/scheduling

setup() {
    LOGDIR=$(mktemp -d "${BATS_TMPDIR:-/tmp}/sched.XXXXXX")
    start_apiserver
    SCHED_PID=
}

teardown() {
    local rc=0
    stop_daemon "$SCHED_PID" || rc=1
    stop_apiserver
    if [ -z "${BATS_TEST_COMPLETED:-}" ] || [ $rc -ne 0 ]; then
        echo "# scheduler log:" >&3
        sed 's/^/#   /' "$LOGDIR/scheduler.log" >&3 || true
    fi
    rm -rf "$LOGDIR" "$MK_APISERVER_DATA" "$MK_APISERVER_LOG"
    return $rc
}

start_scheduler() {
    start_daemon SCHED_PID "$LOGDIR/scheduler.log" "$MK_BIN/mk-scheduler" --server "$MK_SERVER" "$@"
}

@test "scheduler: --help, and a clear error without a server" {
    run "$MK_BIN/mk-scheduler" --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"--server URL"* ]]
    run "$MK_BIN/mk-scheduler" --server "http://127.0.0.1:$(free_port)"
    [ "$status" -eq 1 ]
    [[ "$output" == *"cannot reach"* ]]
}

@test "scheduler: six pods spread round-robin over three nodes" {
    make_node node-a
    make_node node-b
    make_node node-c
    start_scheduler
    for i in 1 2 3 4 5 6; do
        make_pod "web-$i"
        wait_for 10 pod_bound "web-$i"   # one at a time: the order is the point
    done
    got=$(for i in 1 2 3 4 5 6; do pod_field "web-$i" .spec.nodeName; done | tr '\n' ' ')
    [ "$got" = "node-a node-b node-c node-a node-b node-c " ]
}

@test "scheduler: six pods created at once land two per node" {
    make_node node-a
    make_node node-b
    make_node node-c
    for i in 1 2 3 4 5 6; do make_pod "web-$i"; done
    start_scheduler
    for i in 1 2 3 4 5 6; do wait_for 10 pod_bound "web-$i"; done
    counts=$(for i in 1 2 3 4 5 6; do pod_field "web-$i" .spec.nodeName; done | sort | uniq -c |
        awk '{print $1}' | tr '\n' ' ')
    [ "$counts" = "2 2 2 " ]
}

@test "scheduler: a nodeSelector pins pods to the matching node" {
    make_node node-a '{"disk":"hdd"}'
    make_node node-b '{"disk":"ssd"}'
    make_node node-c
    start_scheduler
    for i in 1 2 3 4; do make_pod "db-$i" '{"disk":"ssd"}'; done
    for i in 1 2 3 4; do
        wait_for 10 pod_bound "db-$i"
        [ "$(pod_field "db-$i" .spec.nodeName)" = node-b ]
    done
}

@test "scheduler: required node affinity picks among the nodes it allows, and says why when none" {
    make_node node-a '{"zone":"a"}'
    make_node node-b '{"zone":"b"}'
    make_node node-c '{"zone":"c"}'
    start_scheduler
    aff_pod() { # NAME TERMS_JSON
        req POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d \
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"$1\"},\"spec\":{\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":$2}}},\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}"
        [ "$CODE" = 201 ]
    }
    for i in 1 2 3 4; do
        aff_pod "east-$i" '[{"matchExpressions":[{"key":"zone","operator":"NotIn","values":["a"]}]}]'
    done
    aff_pod nowhere '[{"matchExpressions":[{"key":"zone","operator":"In","values":["z"]}]}]'
    for i in 1 2 3 4; do wait_for 10 pod_bound "east-$i"; done
    [ "$(for i in 1 2 3 4; do pod_field "east-$i" .spec.nodeName; done | sort | uniq -c | awk '{print $1, $2}' | tr '\n' ' ')" = "2 node-b 2 node-c " ]
    cond='.status.conditions[]? | select(.type=="PodScheduled")'
    wait_for 10 eval '[ "$(pod_field nowhere "$cond | .message")" = "0/3 nodes are available: 3 node(s) didn'"'"'t match Pod'"'"'s node affinity/selector." ]'
}

@test "scheduler: an unschedulable pod says why, then is scheduled when a node fits" {
    make_node node-a '{"disk":"hdd"}' 4 1Gi
    make_node node-b '{}' 4 1Gi
    make_node node-c '{}' 4 1Gi
    start_scheduler
    make_pod gpu-job '{"gpu":"true"}' 100m 64Mi
    make_pod big '{}' 100m 2Gi
    cond='.status.conditions[]? | select(.type=="PodScheduled")'
    wait_for 10 eval '[ "$(pod_field gpu-job "$cond | .reason")" = Unschedulable ]'
    [ "$(pod_field gpu-job "$cond | .status")" = False ]
    [ "$(pod_field gpu-job "$cond | .message")" = \
        "0/3 nodes are available: 3 node(s) didn't match Pod's node selector." ]
    wait_for 10 eval '[ "$(pod_field big "$cond | .reason")" = Unschedulable ]'
    [ "$(pod_field big "$cond | .message")" = "0/3 nodes are available: 3 Insufficient memory." ]
    ! pod_bound gpu-job
    # A fitting node appears: both go there, without waiting for a resync.
    make_node node-gpu '{"gpu":"true"}' 8 32Gi
    wait_for 10 pod_bound gpu-job
    wait_for 10 pod_bound big
    [ "$(pod_field gpu-job .spec.nodeName)" = node-gpu ]
    [ "$(pod_field big .spec.nodeName)" = node-gpu ]
    # ...and no longer claim to be Unschedulable.
    wait_for 10 eval '[ "$(pod_field gpu-job "$cond | .status")" = True ]'
    [ "$(pod_field gpu-job "[.status.conditions[] | select(.type==\"PodScheduled\")] | length")" = 1 ]
}

@test "scheduler: requests are accounted, bound pods included, across a restart" {
    make_node node-a '{}' 1 4Gi
    make_pod pre '{}' 600m 64Mi node-a   # bound before the scheduler starts
    start_scheduler
    make_pod second '{}' 600m 64Mi
    cond='.status.conditions[]? | select(.type=="PodScheduled")'
    wait_for 10 eval '[ "$(pod_field second "$cond | .message")" = "0/1 nodes are available: 1 Insufficient cpu." ]'
    req DELETE '/api/v1/namespaces/default/pods/pre?gracePeriodSeconds=0' # no kubelet to wait for
    wait_for 10 pod_bound second
    stop_daemon "$SCHED_PID"
    start_scheduler
    make_pod third '{}' 600m 64Mi
    wait_for 10 eval '[ "$(pod_field third "$cond | .reason")" = Unschedulable ]'
    ! pod_bound third
}

@test "scheduler: not-ready and cordoned nodes get no pods" {
    make_node node-a
    make_node node-b
    heartbeat node-a False
    req PATCH /api/v1/nodes/node-b -H 'Content-Type: application/merge-patch+json' \
        -d '{"spec":{"unschedulable":true}}'
    start_scheduler
    make_pod p1
    cond='.status.conditions[]? | select(.type=="PodScheduled")'
    wait_for 10 eval '[ "$(pod_field p1 "$cond | .message")" = "0/2 nodes are available: 1 node(s) were not ready, 1 node(s) were unschedulable." ]'
    heartbeat node-a True
    wait_for 10 pod_bound p1
    [ "$(pod_field p1 .spec.nodeName)" = node-a ]
}

@test "scheduler and controller-manager: run with a controller token" {
    stop_apiserver
    tokens=$LOGDIR/tokens
    printf 'admintok,admin,admin\nctrltok,system:kube-scheduler,controller\n' >"$tokens"
    echo ctrltok >"$LOGDIR/ctrl.token"
    MK_APISERVER_DATA=
    start_apiserver --token-file "$tokens"
    MK_TOKEN=admintok
    make_node node-a
    start_scheduler --token-file "$LOGDIR/ctrl.token"
    start_daemon CM_PID "$LOGDIR/cm.log" "$MK_BIN/mk-controller-manager" --server "$MK_SERVER" \
        --token-file "$LOGDIR/ctrl.token" --controllers nodeipam
    make_pod p1
    wait_for 10 pod_bound p1
    wait_for 10 eval '[ -n "$(node_field node-a ".spec.podCIDR // \"\"")" ]'
    stop_daemon "$CM_PID"
    # A wrong token is a clear error at start.
    echo nope >"$LOGDIR/bad.token"
    run "$MK_BIN/mk-scheduler" --server "$MK_SERVER" --token-file "$LOGDIR/bad.token"
    [ "$status" -eq 1 ]
    [[ "$output" == *"refused by $MK_SERVER: Unauthorized"* ]]
}

@test "scheduler: resumes by itself after an API server restart" {
    make_node node-a
    make_node node-b
    start_scheduler
    make_pod before
    wait_for 10 pod_bound before
    MK_APISERVER_LISTEN=${MK_SERVER#http://}
    stop_apiserver
    sleep 1
    start_apiserver   # same data dir, same address
    make_pod after-1
    make_pod after-2
    wait_for 20 pod_bound after-1
    wait_for 10 pod_bound after-2
    # The cache survived: both nodes still take turns.
    [ "$(for p in after-1 after-2; do pod_field $p .spec.nodeName; done | sort -u | wc -l)" -eq 2 ]
    pid_alive "$SCHED_PID"
}

# A pod with labels and more spec (JSON members): spec_pod NAME LABELS SPEC
spec_pod() {
    req POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d \
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"$1\",\"labels\":$2},\"spec\":{$3,\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}"
    [ "$CODE" = 201 ] || { echo "create pod $1: $CODE $BODY" >&2; return 1; }
}

host_nodes() { # node-a node-b node-c, labelled as kubelets label them, and with a zone each
    make_node node-a '{"kubernetes.io/hostname":"node-a","zone":"z1"}'
    make_node node-b '{"kubernetes.io/hostname":"node-b","zone":"z1"}'
    make_node node-c '{"kubernetes.io/hostname":"node-c","zone":"z2"}'
}

@test "scheduler: required pod anti-affinity puts 3 replicas on 3 nodes and leaves a 4th Pending" {
    host_nodes
    start_scheduler
    anti='"affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"kubernetes.io/hostname"}]}}'
    for i in 1 2 3; do spec_pod "web-$i" '{"app":"web"}' "$anti"; done
    for i in 1 2 3; do wait_for 10 pod_bound "web-$i"; done
    [ "$(for i in 1 2 3; do pod_field "web-$i" .spec.nodeName; done | sort -u | wc -l)" -eq 3 ]
    spec_pod web-4 '{"app":"web"}' "$anti"
    cond='.status.conditions[]? | select(.type=="PodScheduled")'
    wait_for 10 eval '[ "$(pod_field web-4 "$cond | .message")" = "0/3 nodes are available: 3 node(s) didn'"'"'t match pod anti-affinity rules." ]'
    ! pod_bound web-4
    # The symmetric rule: a plain pod the replicas' terms select stays off their nodes too.
    spec_pod stray '{"app":"web"}' '"nodeSelector":{}'
    wait_for 10 eval '[ "$(pod_field stray "$cond | .message")" = "0/3 nodes are available: 3 node(s) didn'"'"'t satisfy existing pods anti-affinity rules." ]'
    # A replica goes: the 4th takes its node, without waiting for a resync.
    req DELETE '/api/v1/namespaces/default/pods/web-2?gracePeriodSeconds=0'
    wait_for 10 eval 'pod_bound web-4 || pod_bound stray'
}

@test "scheduler: required pod affinity puts pods with the pod they follow" {
    host_nodes
    start_scheduler
    with_db='"affinity":{"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"db"}},"topologyKey":"kubernetes.io/hostname"}]}}'
    # Created before the db: waits for it, then follows it.
    spec_pod web-1 '{"app":"web"}' "$with_db"
    cond='.status.conditions[]? | select(.type=="PodScheduled")'
    wait_for 10 eval '[ "$(pod_field web-1 "$cond | .message")" = "0/3 nodes are available: 3 node(s) didn'"'"'t match pod affinity rules." ]'
    spec_pod db '{"app":"db"}' '"nodeSelector":{"kubernetes.io/hostname":"node-b"}'
    wait_for 10 pod_bound db
    for i in 2 3 4; do spec_pod "web-$i" '{"app":"web"}' "$with_db"; done
    for i in 1 2 3 4; do
        wait_for 10 pod_bound "web-$i"
        [ "$(pod_field "web-$i" .spec.nodeName)" = node-b ]
    done
}

@test "scheduler: topology spread constraints spread pods over zones" {
    host_nodes
    make_node node-d '{"kubernetes.io/hostname":"node-d","zone":"z2"}'
    start_scheduler
    spread='"topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"app":"web"}}}]'
    for i in 1 2 3 4 5 6; do spec_pod "web-$i" '{"app":"web"}' "$spread"; done
    for i in 1 2 3 4 5 6; do wait_for 10 pod_bound "web-$i"; done
    zones=$(for i in 1 2 3 4 5 6; do pod_field "web-$i" .spec.nodeName; done |
        sed 's/node-[ab]/z1/; s/node-[cd]/z2/' | sort | uniq -c | awk '{print $1, $2}' | tr '\n' ' ')
    [ "$zones" = "3 z1 3 z2 " ]
    # Only z1's nodes allowed: by default (nodeAffinityPolicy Honor) z1 is
    # then the only domain and takes a 4th; counting z2 too, not a 5th.
    spec_pod z1-a '{"app":"web"}' "$spread,\"nodeSelector\":{\"zone\":\"z1\"}"
    wait_for 10 pod_bound z1-a
    ignore=${spread/DoNotSchedule\"/DoNotSchedule\",\"nodeAffinityPolicy\":\"Ignore\"}
    spec_pod z1-b '{"app":"web"}' "$ignore,\"nodeSelector\":{\"zone\":\"z1\"}"
    cond='.status.conditions[]? | select(.type=="PodScheduled")'
    wait_for 10 eval '[ "$(pod_field z1-b "$cond | .message")" = "0/4 nodes are available: 2 node(s) didn'"'"'t match Pod'"'"'s node selector, 2 node(s) didn'"'"'t match pod topology spread constraints." ]'
    ! pod_bound z1-b
}

@test "scheduler: preferred node affinity wins over the round robin" {
    host_nodes
    req PATCH /api/v1/nodes/node-c -H 'Content-Type: application/merge-patch+json' \
        -d '{"metadata":{"labels":{"disk":"ssd"}}}'
    start_scheduler
    prefer='"affinity":{"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":50,"preference":{"matchExpressions":[{"key":"disk","operator":"In","values":["ssd"]}]}}]}}'
    for i in 1 2 3; do
        spec_pod "fast-$i" '{}' "$prefer"
        wait_for 10 pod_bound "fast-$i"
        [ "$(pod_field "fast-$i" .spec.nodeName)" = node-c ]
    done
    # Without a preference: the round robin, as before.
    got=$(for i in 1 2 3; do
        make_pod "plain-$i"
        wait_for 10 pod_bound "plain-$i"
        pod_field "plain-$i" .spec.nodeName
    done | sort | tr '\n' ' ')
    [ "$got" = "node-a node-b node-c " ]
}

@test "scheduler: a pod with scheduling gates waits (SchedulingGated) until the last is taken off; gates never come back" {
    make_node node-a
    start_scheduler
    req POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d '{
      "apiVersion":"v1","kind":"Pod","metadata":{"name":"held"},
      "spec":{"schedulingGates":[{"name":"example.com/quota"},{"name":"example.com/review"}],
        "containers":[{"name":"c","image":"busybox"}]}}'
    [ "$CODE" = 201 ]
    cond='.status.conditions[]? | select(.type=="PodScheduled")'
    [ "$(pod_field held "$cond | .reason")" = SchedulingGated ]
    [ "$(pod_field held "$cond | .message")" = "Scheduling is blocked due to non-empty scheduling gates" ]
    make_pod free
    wait_for 10 pod_bound free # the scheduler is at work...
    ! pod_bound held           # ...and leaves the gated one alone
    # A binding by hand is refused too.
    req POST /api/v1/namespaces/default/pods/held/binding -H 'Content-Type: application/json' \
        -d '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"held"},"target":{"kind":"Node","name":"node-a"}}'
    [ "$CODE" = 422 ]
    [[ "$BODY" == *"non-empty .spec.schedulingGates"* ]]
    patch() { req PATCH /api/v1/namespaces/default/pods/held -H 'Content-Type: application/merge-patch+json' -d "$1"; }
    patch '{"spec":{"schedulingGates":[{"name":"example.com/review"},{"name":"example.com/more"}]}}'
    [ "$CODE" = 422 ]
    [[ "$BODY" == *"only deletion is allowed, but found new scheduling gate 'example.com/more'"* ]]
    patch '{"spec":{"schedulingGates":[{"name":"example.com/review"}]}}'
    [ "$CODE" = 200 ]
    sleep 1
    ! pod_bound held
    patch '{"spec":{"schedulingGates":[]}}'
    [ "$CODE" = 200 ]
    wait_for 10 pod_bound held
    [ "$(pod_field held "$cond | .status")" = True ]
    [ "$(pod_field held "[.status.conditions[] | select(.type==\"PodScheduled\")] | length")" = 1 ]
}

make_class() { # NAME VALUE [POLICY]
    req POST /apis/scheduling.k8s.io/v1/priorityclasses -H 'Content-Type: application/json' \
        -d "{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\",\"metadata\":{\"name\":\"$1\"},\"value\":$2${3:+,\"preemptionPolicy\":\"$3\"}}"
    [ "$CODE" = 201 ] || { echo "create class $1: $CODE $BODY" >&2; return 1; }
}

make_prio_pod() { # NAME CLASS CPU
    req POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d "{
      \"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"$1\"},
      \"spec\":{\"priorityClassName\":\"$2\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",
        \"resources\":{\"requests\":{\"cpu\":\"$3\",\"memory\":\"64Mi\"}}}]}}"
    [ "$CODE" = 201 ] || { echo "create pod $1: $CODE $BODY" >&2; return 1; }
}

@test "scheduler: a pod of a higher PriorityClass preempts a lower one and takes its room; preemptionPolicy Never waits" {
    make_node node-a '{}' 1 4Gi
    make_node node-b '{}' 1 4Gi
    make_class critical 1000
    make_class polite 500 Never
    start_scheduler
    make_pod low-a '{}' 600m 64Mi
    wait_for 10 pod_bound low-a
    make_pod low-b '{}' 700m 64Mi
    wait_for 10 pod_bound low-b
    [ "$(pod_field low-a .spec.nodeName) $(pod_field low-b .spec.nodeName)" = "node-a node-b" ]
    cond='.status.conditions[]? | select(.type=="PodScheduled")'
    # Never: no node fits, and nothing is preempted for it.
    make_prio_pod polite polite 600m
    [ "$(pod_field polite .spec.priority) $(pod_field polite .spec.preemptionPolicy)" = "500 Never" ]
    wait_for 10 eval '[ "$(pod_field polite "$cond | .reason")" = Unschedulable ]'
    [ "$(pod_field polite "$cond | .message")" = "0/2 nodes are available: 2 Insufficient cpu." ]
    sleep 1
    pod_bound low-a && pod_bound low-b
    # critical: one victim on either node, both of priority 0; the lower
    # sum and count tie, so node-a (first by name) loses low-a.
    make_prio_pod crit critical 500m
    [ "$(pod_field crit .spec.priority)" = 1000 ]
    wait_for 10 pod_gone low-a
    wait_for 10 pod_bound crit
    [ "$(pod_field crit .spec.nodeName)" = node-a ]
    pod_bound low-b
    # The victim is told why; the nomination is over once crit is bound.
    uid=$(pod_field crit .metadata.uid)
    wait_for 10 eval 'req GET /api/v1/namespaces/default/events; jq -e --arg m "Preempted by pod $uid on node node-a" \
        "[.items[] | select(.reason==\"Preempted\" and .involvedObject.name==\"low-a\" and .message==\$m)] | length == 1" <<<"$BODY"'
    wait_for 10 eval '[ "$(pod_field crit "$cond | .status")" = True ]'
    [ "$(pod_field crit '.status.nominatedNodeName // ""')" = "" ]
    # polite (600m) fits beside neither crit (500m) nor low-b (700m): still waiting.
    ! pod_bound polite
}

@test "scheduler: a preemptor waits for its victims without preempting more, and a lower pod cannot take its room" {
    # Graceful deletion: a victim stays, marked, until its kubelet (here:
    # the test) confirms.
    stop_apiserver
    start_apiserver --graceful-pod-deletion
    make_node node-a '{}' 1 4Gi
    make_node node-b '{}' 1 4Gi
    make_class critical 1000
    make_pod low '{}' 800m 64Mi node-a
    make_pod low2 '{}' 100m 64Mi node-a
    make_pod lowb '{}' 800m 64Mi node-b
    start_scheduler --pod-initial-backoff-seconds 4 --pod-max-backoff-seconds 4
    make_prio_pod crit critical 500m
    # node-a and node-b tie (one victim of priority 0 each): node-a, by
    # name. low must go; low2 (100m) can stay beside crit.
    wait_for 10 pod_deleted low
    wait_for 10 eval '[ "$(pod_field crit .status.nominatedNodeName)" = node-a ]'
    dt='.status.conditions[]? | select(.type=="DisruptionTarget") | "\(.status) \(.reason) \(.message)"'
    [ "$(pod_field low "$dt")" = "True PreemptionByScheduler default-scheduler: preempting to accommodate a higher priority pod" ]
    # A retry while low terminates (its backoff over, a node changed)
    # preempts no one on node-b.
    sleep 4.5
    req PATCH /api/v1/nodes/node-b -H 'Content-Type: application/merge-patch+json' \
        -d '{"metadata":{"labels":{"touched":"yes"}}}'
    [ "$CODE" = 200 ]
    sleep 1
    [ "$(pod_field lowb '.metadata.deletionTimestamp // ""')" = "" ]
    [ "$(pod_field low2 '.metadata.deletionTimestamp // ""')" = "" ]
    ! pod_bound crit
    # low goes; a pod of priority 0 that fits the freed room arrives while
    # crit waits out its backoff: the room is crit's all the same.
    req DELETE '/api/v1/namespaces/default/pods/low?gracePeriodSeconds=0'
    wait_for 10 pod_gone low
    make_pod sneaky '{}' 500m 64Mi
    cond='.status.conditions[]? | select(.type=="PodScheduled")'
    wait_for 10 eval '[ "$(pod_field sneaky "$cond | .reason")" = Unschedulable ]'
    wait_for 10 pod_bound crit
    [ "$(pod_field crit .spec.nodeName)" = node-a ]
    ! pod_bound sneaky
}

@test "scheduler: preemption spares the pods a PodDisruptionBudget guards, where it can" {
    make_node node-a '{}' 1 4Gi
    make_node node-b '{}' 1 4Gi
    make_class critical 1000
    # One pod on each node, alike but for the label the budget guards (no
    # disruption controller runs: the test says what the budget allows).
    req POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d '{
      "apiVersion":"v1","kind":"Pod","metadata":{"name":"db","labels":{"app":"db"}},
      "spec":{"nodeName":"node-a","containers":[{"name":"c","image":"busybox",
        "resources":{"requests":{"cpu":"800m"}}}]}}'
    [ "$CODE" = 201 ]
    make_pod cache '{}' 800m 64Mi node-b
    req POST /apis/policy/v1/namespaces/default/poddisruptionbudgets -H 'Content-Type: application/json' -d '{
      "apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"db"},
      "spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"db"}}}}'
    [ "$CODE" = 201 ]
    req PATCH /apis/policy/v1/namespaces/default/poddisruptionbudgets/db/status \
        -H 'Content-Type: application/merge-patch+json' \
        -d '{"status":{"disruptionsAllowed":0,"currentHealthy":1,"desiredHealthy":1,"expectedPods":1}}'
    [ "$CODE" = 200 ]
    start_scheduler
    # node-a would come first by name; taking db there breaks its budget.
    make_prio_pod crit critical 500m
    wait_for 10 pod_gone cache
    wait_for 10 pod_bound crit
    [ "$(pod_field crit .spec.nodeName)" = node-b ]
    pod_bound db
}
