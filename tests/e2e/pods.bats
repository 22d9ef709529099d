#!/usr/bin/env bats
# Pods that really run: three mk-kubelets as three nodes on this machine,
# each in its own network namespace, with mk-apiserver, mk-scheduler,
# mk-controller-manager (node IPAM) and the /cluster mount (mk-fs):
# tests/e2e/lib/cluster.bash.
#
# Layout (addresses made for the test, never the host's 192.0.2.0/24):
#   root ns: bridge $BR 172.31.250.1/24 - the API server listens there
#   netns mke$E2E_TAG-n1..3: eth0 172.31.250.11..13, a kubelet each
#   (labels e2e=yes,slot=nI), its pod bridge mk0 and pods
# Everything the file creates is removed in teardown_file, even on failure.

load helpers
load lib/cluster

setup_file() {
    export CLUSTER_NET=172.31.250 CLUSTER_NS=mke CLUSTER_CM_FLAGS='--controllers nodeipam,daemonset,garbagecollector' \
        CLUSTER_LABELS='e2e=yes,slot=n{i}' CLUSTER_HEARTBEAT=2 CLUSTER_FS=1
    cluster_up
}

teardown_file() {
    cluster_down
}

# ---- helpers ----

ctr_running() { [ "$(pod_jq "$1" ".status.containerStatuses[] | select(.name==\"$2\") | .state.running != null")" = true ]; }
pod_absent() { [ "$(api GET "/api/v1/namespaces/default/pods/$1" -o /dev/null -w '%{http_code}')" = 404 ]; }
node_of() { pod_jq "$1" .spec.nodeName | sed 's/^node//'; }

create() { # YAML text on stdin -> /cluster/pods/ (the mount is the UI)
    local f="$E2E_DIR/$1.yaml"
    cat >"$f"
    cp "$f" "$MNT/pods/"
}

# The whole footprint of a pod on its node must be gone.
assert_pod_gone_from_node() { # UID NODE_INDEX
    local uid=$1 i=$2
    [ ! -e "$E2E_DIR/node$i/pods/$uid" ]
    [ ! -e "/var/run/netns/mk-$uid" ]
    ! ls -d /sys/fs/cgroup/*/minik8s/"$uid" 2>/dev/null
    ! grep -q "$uid" /proc/self/mountinfo
    ! grep -rqs "$uid" "$E2E_DIR/node$i/ipam"
    ! runc --root "$E2E_DIR/node$i/runtime/runc" list -q | grep -q "$uid"
}

# ---- tests ----

@test "nodes register with capacity, labels, podCIDR and heartbeats; API label edits stay" {
    local n
    n=$(api GET /api/v1/nodes/node1)
    [ "$(jq -r '.status.capacity.pods' <<<"$n")" = 110 ]
    [ "$(jq -r '.status.allocatable.cpu' <<<"$n")" = "$(nproc)" ]
    [ "$(jq -r '.metadata.labels.slot' <<<"$n")" = n1 ]
    [ "$(jq -r '.metadata.labels["kubernetes.io/hostname"]' <<<"$n")" = node1 ]
    [ "$(jq -r '.status.addresses[] | select(.type=="InternalIP") | .address' <<<"$n")" = 172.31.250.11 ]
    [ "$(jq -r '.status.daemonEndpoints.kubeletEndpoint.Port' <<<"$n")" = 10250 ]
    # Each node got its own /24 from the IPAM controller.
    local c1 c2
    c1=$(api GET /api/v1/nodes/node1 | jq -r .spec.podCIDR)
    c2=$(api GET /api/v1/nodes/node2 | jq -r .spec.podCIDR)
    [[ "$c1" == 10.244.*.0/24 && "$c1" != "$c2" ]]
    # A label changed through /cluster survives heartbeats and a kubelet restart.
    api PATCH /api/v1/nodes/node3 -H 'Content-Type: application/merge-patch+json' \
        -d '{"metadata":{"labels":{"slot":"changed","extra":"x"}}}' >/dev/null
    local hb1 hb2
    hb1=$(api GET /api/v1/nodes/node3 | jq -r '.status.conditions[] | select(.type=="Ready") | .lastHeartbeatTime')
    stop_kubelet 3
    start_kubelet 3
    sleep 3
    n=$(api GET /api/v1/nodes/node3)
    hb2=$(jq -r '.status.conditions[] | select(.type=="Ready") | .lastHeartbeatTime' <<<"$n")
    [ "$(jq -r .metadata.labels.slot <<<"$n")" = changed ]
    [ "$(jq -r .metadata.labels.extra <<<"$n")" = x ]
    [ "$hb2" != "$hb1" ]
}

@test "two containers share an emptyDir, IPC and UTS; logs (tail, follow, API proxy, /cluster)" {
    create share <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: share}
spec:
  nodeSelector: {kubernetes.io/hostname: node1}
  volumes: [{name: data, emptyDir: {}}]
  containers:
  - name: writer
    image: busybox
    command: [sh, -c, 'echo hello-from-writer > /out/msg; i=0; while true; do echo line$i; i=$((i+1)); sleep 0.2; done']
    volumeMounts: [{name: data, mountPath: /out}]
  - name: reader
    image: busybox
    command: [sh, -c, 'until [ -f /in/msg ]; do sleep 0.1; done; cat /in/msg; hostname; exec sleep 3600']
    volumeMounts: [{name: data, mountPath: /in}]
EOF
    wait_for 20 phase_is share Running
    wait_for 10 eval 'kubelet_get 1 /containerLogs/default/share/reader | grep -q hello-from-writer'
    kubelet_get 1 /containerLogs/default/share/reader | grep -qx share
    kubelet_get 1 "/containerLogs/default/share?container=reader" | grep -q hello-from-writer
    # The same log through the API server's proxy and through /cluster.
    api GET "/api/v1/namespaces/default/pods/share/log?container=reader" | grep -q hello-from-writer
    grep -q hello-from-writer "$MNT/pods/share/logs/reader"
    [ "$(pod_jq share '.status.conditions[] | select(.type=="Ready") | .status')" = True ]
    [ "$(pod_jq share .status.hostIP)" = 172.31.250.11 ]
    # tailLines=2 gives exactly two lines; follow streams new ones.
    wait_for 10 eval '[ "$(kubelet_get 1 "/containerLogs/default/share/writer?tailLines=2" | wc -l)" = 2 ]'
    local follow
    follow=$(timeout 2 curl -sN -H "Authorization: Bearer $TOKEN" \
        "http://172.31.250.11:10250/containerLogs/default/share/writer?follow=true&tailLines=1" || true)
    [ "$(wc -l <<<"$follow")" -ge 3 ]
    # No token, no logs.
    [ "$(curl -s -o /dev/null -w '%{http_code}' http://172.31.250.11:10250/containerLogs/default/share/writer)" = 401 ]
}

@test "exec: exit codes, stderr, interactive stdin; direct, via the API server and /cluster" {
    wait_for 20 phase_is share Running
    run python3 "$BATS_TEST_DIRNAME/lib/mkexec.py" http://172.31.250.11:10250/exec/default/share/reader \
        --token "$TOKEN" -- sh -c 'cat /in/msg; echo to-stderr >&2; exit 7'
    [ "$status" -eq 7 ]
    [[ "$output" == *hello-from-writer* && "$output" == *to-stderr* ]]
    run bash -c "printf 'echo interactive \$((6*7))\nexit 3\n' | python3 '$BATS_TEST_DIRNAME/lib/mkexec.py' \
        http://172.31.250.11:10250/exec/default/share/writer --token '$TOKEN' --stdin -- sh"
    [ "$status" -eq 3 ]
    [[ "$output" == *"interactive 42"* ]]
    # Through the API server (pods/{name}/exec is proxied to the kubelet).
    run python3 "$BATS_TEST_DIRNAME/lib/mkexec.py" \
        "$MK_SERVER/api/v1/namespaces/default/pods/share/exec?container=reader" \
        --token "$TOKEN" -- sh -c 'cat /in/msg; exit 4'
    [ "$status" -eq 4 ]
    [[ "$output" == *hello-from-writer* ]]
    # And as a file of the mount: what is written is the shell's stdin.
    run timeout 10 bash -c "exec 3<>'$MNT/pods/share/exec/reader'; printf 'cat /in/msg\nexit\n' >&3; cat <&3"
    [[ "$output" == *hello-from-writer* ]]
}

@test "exec -it: a terminal in the container, sized as ours (rkubectl exec -it through mk-exec)" {
    wait_for 20 phase_is share Running
    # script(1) gives rkubectl a terminal of 91x27; the shell in the
    # container must have one too, of the same size, and its exit code.
    run timeout 30 bash -c "(sleep 2; printf 'tty; stty size; exit 5\r'; sleep 5) |
        MINIK8S_MOUNT='$MNT' MINIK8S_TOKEN_FILE='$E2E_DIR/admin.token' \
        script -qec 'stty cols 91 rows 27; $MK_ROOT/tools/rkubectl exec -it share -c reader' /dev/null"
    [ "$status" -eq 5 ]
    [[ "$output" == *"/dev/pts/"* && "$output" == *"27 91"* ]]
    # No terminal here: -t is dropped, as kubectl does, and pipes carry it.
    run timeout 10 "$MK_BIN/mk-exec" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" \
        -t -c reader share -- sh -c 'tty; exit 3'
    [ "$status" -eq 3 ]
    [[ "$output" == *"not a tty"* ]]
}

@test "pods on one node reach each other by IP; each node hands out its own range" {
    create ping-a <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: ping-a}
spec:
  nodeSelector: {kubernetes.io/hostname: node2}
  containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
EOF
    create ping-b <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: ping-b}
spec:
  nodeSelector: {kubernetes.io/hostname: node2}
  containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
EOF
    wait_for 20 phase_is ping-a Running
    wait_for 20 phase_is ping-b Running
    local ipb cidr
    ipb=$(pod_jq ping-b .status.podIP)
    cidr=$(api GET /api/v1/nodes/node2 | jq -r .spec.podCIDR)
    [ "${ipb%.*}" = "${cidr%.*}" ]
    [ "$(pod_jq ping-a .status.podIP)" != "$ipb" ]
    run python3 "$BATS_TEST_DIRNAME/lib/mkexec.py" http://172.31.250.12:10250/exec/default/ping-a/c \
        --token "$TOKEN" -- ping -c 1 -W 2 "$ipb"
    [ "$status" -eq 0 ]
    # Cluster space outside the node's /24 is unreachable, never the default route.
    ip -n "$(node_ns 2)" route show | grep -q '^unreachable 10.244.0.0/16'
}

@test "memory limit: the container is OOM-killed and shows OOMKilled" {
    create oom <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: oom}
spec:
  restartPolicy: Never
  nodeSelector: {kubernetes.io/hostname: node1}
  containers:
  - name: hog
    image: busybox
    command: [sh, -c, 'head -c 300000000 /dev/zero | tail']
    resources: {limits: {memory: 24Mi}}
EOF
    wait_for 30 phase_is oom Failed
    [ "$(pod_jq oom '.status.containerStatuses[0].state.terminated.reason')" = OOMKilled ]
    [ "$(pod_jq oom '.status.containerStatuses[0].state.terminated.exitCode')" = 137 ]
}

@test "cpu limit: CFS quota holds a busy loop; metrics and stats report it; QoS Guaranteed" {
    create spin <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: spin}
spec:
  nodeSelector: {kubernetes.io/hostname: node3}
  containers:
  - name: loop
    image: busybox
    command: [sh, -c, 'while :; do :; done']
    resources: {limits: {cpu: 200m, memory: 64Mi}}
EOF
    wait_for 20 phase_is spin Running
    local uid cg pid
    uid=$(pod_jq spin .metadata.uid)
    # Limits alone: the requests are the limits, so the pod is Guaranteed
    # and the kernel's OOM killer spares it (Kubernetes' -997, or as low as
    # the kubelet may go without CAP_SYS_RESOURCE: its own).
    [ "$(pod_jq spin '.spec.containers[0].resources.requests.cpu')" = 200m ]
    [ "$(pod_jq spin .status.qosClass)" = Guaranteed ]
    pid=$(runc --root "$E2E_DIR/node3/runtime/runc" state "$uid.loop" | jq .pid)
    local floor=-997
    (((0x$(awk '/^CapEff/ {print $2}' /proc/self/status) >> 24) & 1)) || floor=$(cat /proc/self/oom_score_adj)
    [ "$(cat "/proc/$pid/oom_score_adj")" = "$floor" ]
    if [ -d /sys/fs/cgroup/cpu/minik8s ]; then
        cg=/sys/fs/cgroup/cpu/minik8s/$uid/loop
        [ "$(cat "$cg/cpu.cfs_quota_us")" = 20000 ]
        [ "$(cat "$cg/cpu.cfs_period_us")" = 100000 ]
        wait_for 10 eval "[ \$(awk '/^nr_throttled/ {print \$2}' $cg/cpu.stat) -gt 0 ]"
    else
        grep -q '^20000 100000' "/sys/fs/cgroup/minik8s/$uid/loop/cpu.max"
    fi
    kubelet_get 3 /metrics | grep -q "container_cpu_usage_seconds_total{namespace=\"default\",pod=\"spin\",container=\"loop\"}"
    kubelet_get 3 /metrics | grep -q "container_memory_working_set_bytes{namespace=\"default\",pod=\"spin\",container=\"loop\"}"
    local nc
    nc=$(kubelet_get 3 /stats/summary | jq '.pods[] | select(.podRef.name=="spin") | .containers[0].cpu.usageNanoCores')
    [ "$nc" -gt 0 ]
    echo "# busy loop under a 200m limit: usageNanoCores=$nc" >&3
}

@test "kill -9 of a container's process: restarted under Always, restartCount and lastState" {
    create crashy <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: crashy}
spec:
  nodeSelector: {kubernetes.io/hostname: node2}
  containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
EOF
    wait_for 20 phase_is crashy Running
    local uid pid t0 t1
    uid=$(pod_jq crashy .metadata.uid)
    pid=$(runc --root "$E2E_DIR/node2/runtime/runc" state "$uid.c" | jq .pid)
    # No requests, no limits: BestEffort, the OOM killer's first choice.
    [ "$(pod_jq crashy .status.qosClass)" = BestEffort ]
    [ "$(cat "/proc/$pid/oom_score_adj")" = 1000 ]
    t0=$(date +%s%N)
    kill -9 "$pid"
    wait_for 10 eval '[ "$(pod_jq crashy .status.containerStatuses[0].restartCount)" = 1 ]'
    wait_for 10 ctr_running crashy c
    t1=$(date +%s%N)
    echo "# kill -9 to Running again: $(((t1 - t0) / 1000000)) ms" >&3
    [ "$(pod_jq crashy .status.containerStatuses[0].lastState.terminated.exitCode)" = 137 ]
    [ "$(runc --root "$E2E_DIR/node2/runtime/runc" state "$uid.c" | jq .pid)" != "$pid" ]
}

@test "restartPolicy: OnFailure finishes Succeeded; a crash loop backs off" {
    create once <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  restartPolicy: OnFailure
  nodeSelector: {kubernetes.io/hostname: node3}
  containers: [{name: c, image: busybox, command: [sh, -c, 'echo done']}]
EOF
    create loop <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: loop}
spec:
  nodeSelector: {kubernetes.io/hostname: node3}
  containers: [{name: c, image: busybox, command: [sh, -c, 'exit 3']}]
EOF
    wait_for 20 phase_is once Succeeded
    [ "$(pod_jq once .status.containerStatuses[0].state.terminated.reason)" = Completed ]
    wait_for 20 eval '[ "$(pod_jq loop .status.containerStatuses[0].state.waiting.reason)" = CrashLoopBackOff ]'
    [ "$(pod_jq loop .status.containerStatuses[0].lastState.terminated.exitCode)" = 3 ]
    [ "$(pod_jq loop .status.containerStatuses[0].restartCount)" -ge 2 ]
}

@test "termination messages: the file, a path of the container's own, the log's end on failure" {
    create lastwords <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: lastwords}
spec:
  restartPolicy: Never
  nodeSelector: {kubernetes.io/hostname: node3}
  containers:
  - {name: file, image: busybox, command: [sh, -c, 'printf "done: 42" >/dev/termination-log']}
  - name: own
    image: busybox
    command: [sh, -c, 'printf "as user $(id -u)" >/tmp/why; exit 1']
    terminationMessagePath: /tmp/why
    securityContext: {runAsUser: 1000}
  - name: logs
    image: busybox
    command: [sh, -c, 'echo first; echo "it broke"; exit 3']
    terminationMessagePolicy: FallbackToLogsOnError
  - {name: quiet, image: busybox, command: [sh, -c, 'echo not a message; exit 2']}
EOF
    wait_for 30 phase_is lastwords Failed
    msg() { pod_jq lastwords ".status.containerStatuses[] | select(.name == \"$1\") | .state.terminated.message"; }
    [ "$(msg file)" = "done: 42" ]
    [ "$(msg own)" = "as user 1000" ]
    [ "$(msg logs)" = "$(printf 'first\nit broke')" ]
    [ "$(msg quiet)" = null ] # the log is a fallback only when asked for
    [ "$(pod_jq lastwords '.spec.containers[0].terminationMessagePath')" = /dev/termination-log ]
    [ "$(pod_jq lastwords '.spec.containers[0].terminationMessagePolicy')" = File ]
}

@test "probes: startup, then readiness gates Ready; a failing liveness probe restarts the container" {
    create probed <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: probed}
spec:
  nodeSelector: {kubernetes.io/hostname: node1}
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: busybox
    command: [sh, -c, 'mkdir -p /www; httpd -p 8080 -h /www; touch /tmp/alive; exec sleep 3600']
    ports: [{name: http, containerPort: 8080}]
    startupProbe: {tcpSocket: {port: 8080}, periodSeconds: 1, failureThreshold: 30}
    readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 1, failureThreshold: 1}
    livenessProbe: {exec: {command: [test, -f, /tmp/alive]}, periodSeconds: 1, failureThreshold: 2}
EOF
    ready() { [ "$(pod_jq probed '.status.conditions[] | select(.type=="Ready") | .status')" = "$1" ]; }
    in_pod() { python3 "$BATS_TEST_DIRNAME/lib/mkexec.py" http://172.31.250.11:10250/exec/default/probed/web \
        --token "$TOKEN" -- sh -c "$1"; }
    wait_for 20 eval '[ "$(pod_jq probed .status.containerStatuses[0].started)" = true ]'
    # Running and started, but /ready answers 404: not ready.
    phase_is probed Running
    sleep 2
    ready False
    [ "$(pod_jq probed .status.containerStatuses[0].ready)" = false ]
    in_pod 'echo ok > /www/ready'
    wait_for 10 ready True
    [ "$(pod_jq probed .status.containerStatuses[0].ready)" = true ]
    in_pod 'rm /www/ready'
    wait_for 10 ready False
    # Liveness: two failures in a row, SIGTERM (sleep as pid 1 ignores it),
    # SIGKILL a second later, and restartPolicy Always starts it again.
    in_pod 'rm /tmp/alive'
    wait_for 15 eval '[ "$(pod_jq probed .status.containerStatuses[0].restartCount)" = 1 ]'
    [ "$(pod_jq probed .status.containerStatuses[0].lastState.terminated.exitCode)" = 137 ]
    wait_for 10 eval '[ "$(pod_jq probed .status.containerStatuses[0].started)" = true ]'
    grep -q 'container web Liveness probe failed: command exited 1, will be restarted' "$E2E_DIR/kubelet1.log"
    # And as Events, for kubectl describe: each failure counted, the kill said.
    local ev
    ev=$(api GET "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=probed")
    jq -e '.items[] | select(.reason == "Unhealthy" and .type == "Warning" and
        .message == "Readiness probe failed: HTTP probe failed with statuscode: 404")' <<<"$ev"
    jq -e '.items[] | select(.reason == "Killing" and
        .message == "Container web failed liveness probe, will be restarted")' <<<"$ev"
}

@test "readiness gates: Ready waits for the pod's own conditions, which the kubelet's status keeps" {
    create gated <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: gated}
spec:
  nodeSelector: {kubernetes.io/hostname: node2}
  readinessGates: [{conditionType: example.com/lb-ready}]
  containers: [{name: c, image: busybox, command: [sleep, '3600']}]
EOF
    wait_for 20 phase_is gated Running
    cond() { pod_jq gated ".status.conditions[] | select(.type == \"$1\") | .$2"; }
    wait_for 10 eval '[ "$(cond ContainersReady status)" = True ]'
    [ "$(cond Ready status)" = False ]
    [ "$(cond Ready reason)" = ReadinessGatesNotReady ]
    [ "$(cond Ready message)" = 'corresponding condition of pod readiness gate "example.com/lb-ready" does not exist.' ]
    # A load balancer's controller says yes, beside the kubelet's conditions.
    api PATCH /api/v1/namespaces/default/pods/gated/status \
        -H 'Content-Type: application/strategic-merge-patch+json' \
        -d '{"status":{"conditions":[{"type":"example.com/lb-ready","status":"True"}]}}' >/dev/null
    wait_for 10 eval '[ "$(cond Ready status)" = True ]'
    [ "$(cond example.com/lb-ready status)" = True ]
    # ...and says no again.
    api PATCH /api/v1/namespaces/default/pods/gated/status \
        -H 'Content-Type: application/strategic-merge-patch+json' \
        -d '{"status":{"conditions":[{"type":"example.com/lb-ready","status":"False"}]}}' >/dev/null
    wait_for 10 eval '[ "$(cond Ready status)" = False ]'
    [ "$(cond Ready message)" = 'the status of pod readiness gate "example.com/lb-ready" is not "True", but False' ]
    api DELETE /api/v1/namespaces/default/pods/gated >/dev/null
}

@test "activeDeadlineSeconds: a pod active longer is stopped and Failed with DeadlineExceeded, not restarted" {
    create brief <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: brief}
spec:
  activeDeadlineSeconds: 3
  terminationGracePeriodSeconds: 1
  nodeSelector: {kubernetes.io/hostname: node1}
  containers: [{name: c, image: busybox, command: [sleep, '3600']}]
EOF
    wait_for 20 phase_is brief Running
    wait_for 20 phase_is brief Failed
    [ "$(pod_jq brief .status.reason)" = DeadlineExceeded ]
    [ "$(pod_jq brief .status.message)" = "Pod was active on the node longer than the specified deadline" ]
    [ "$(pod_jq brief '.status.containerStatuses[0].state.terminated.exitCode')" = 137 ]
    sleep 2
    [ "$(pod_jq brief '.status.containerStatuses[0].restartCount')" = 0 ]
    [ "$(pod_jq brief .status.phase)" = Failed ]
    api DELETE /api/v1/namespaces/default/pods/brief >/dev/null
}

@test "unknown image: ErrImageNeverPull, nothing half-started" {
    create noimage <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: noimage}
spec:
  nodeSelector: {kubernetes.io/hostname: node1}
  containers:
  - {name: ok, image: busybox, command: [sleep, "3600"]}
  - {name: bad, image: "example.org/nosuch:2", command: [sleep, "3600"]}
EOF
    wait_for 20 eval '[ "$(pod_jq noimage ".status.containerStatuses[] | select(.name==\"bad\") | .state.waiting.reason")" = ErrImageNeverPull ]'
    phase_is noimage Pending
    local uid
    uid=$(pod_jq noimage .metadata.uid)
    [ ! -e "$E2E_DIR/node1/pods/$uid" ]
    [ ! -e "/var/run/netns/mk-$uid" ]
}

@test "configMap and secret volumes, kept up to date; env from fieldRef" {
    api POST /api/v1/namespaces/default/configmaps -H 'Content-Type: application/json' \
        -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"greeting":"hi there"}}' >/dev/null
    api POST /api/v1/namespaces/default/secrets -H 'Content-Type: application/json' \
        -d '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"sec"},"data":{"password":"czNjcjN0"}}' >/dev/null
    create vols <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: vols}
spec:
  nodeSelector: {kubernetes.io/hostname: node1}
  volumes:
  - {name: c, configMap: {name: cfg}}
  - {name: s, secret: {secretName: sec}}
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'cat /etc/cfg/greeting; echo; cat /etc/sec/password; echo; stat -c %a /etc/sec/password; echo "ip=$MY_IP"; exec sleep 3600']
    env: [{name: MY_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
    volumeMounts: [{name: c, mountPath: /etc/cfg}, {name: s, mountPath: /etc/sec}]
EOF
    wait_for 20 phase_is vols Running
    wait_for 10 eval 'kubelet_get 1 /containerLogs/default/vols/c | grep -qx 400'
    local log
    log=$(kubelet_get 1 /containerLogs/default/vols/c)
    [[ "$log" == *"hi there"* && "$log" == *s3cr3t* ]]
    [[ "$log" == *"ip=$(pod_jq vols .status.podIP)"* ]]
    # No container named: a pod's first container, as kubectl logs does.
    kubelet_get 1 /containerLogs/default/vols | grep -q "hi there"
    # A projected volume: the ConfigMap, the Secret and the pod's labels.
    create proj <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: proj, labels: {app: proj}}
spec:
  nodeSelector: {kubernetes.io/hostname: node1}
  volumes:
  - name: all
    projected:
      sources:
      - configMap: {name: cfg}
      - secret: {name: sec}
      - downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'cat /all/greeting; echo; cat /all/password; echo; cat /all/labels; echo; exec sleep 3600']
    volumeMounts: [{name: all, mountPath: /all}]
EOF
    wait_for 20 phase_is proj Running
    wait_for 10 eval 'kubelet_get 1 /containerLogs/default/proj/c | grep -q app='
    [ "$(kubelet_get 1 /containerLogs/default/proj/c)" = "$(printf 'hi there\ns3cr3t\napp="proj"')" ]
    # A changed ConfigMap and changed labels reach a running pod's files
    # (the kubelets here rewrite them every 5 s: --volume-refresh-seconds).
    create live <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: live, labels: {v: one}}
spec:
  nodeSelector: {kubernetes.io/hostname: node1}
  volumes:
  - {name: c, configMap: {name: cfg}}
  - {name: l, downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}}
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'while true; do echo "$(cat /c/greeting) $(cat /l/labels)"; sleep 1; done']
    volumeMounts: [{name: c, mountPath: /c}, {name: l, mountPath: /l}]
EOF
    wait_for 20 phase_is live Running
    wait_for 10 eval 'kubelet_get 1 /containerLogs/default/live/c | grep -q "hi there v=\"one\""'
    api PATCH /api/v1/namespaces/default/configmaps/cfg -H 'Content-Type: application/merge-patch+json' \
        -d '{"data":{"greeting":"hello again"}}' >/dev/null
    api PATCH /api/v1/namespaces/default/pods/live -H 'Content-Type: application/merge-patch+json' \
        -d '{"metadata":{"labels":{"v":"two"}}}' >/dev/null
    wait_for 30 eval 'kubelet_get 1 /containerLogs/default/live/c | grep -q "hello again v=\"two\""'
    api DELETE /api/v1/namespaces/default/pods/live >/dev/null
}

@test "env from ConfigMaps and Secrets: envFrom with a prefix, key refs, optional; a missing one waits" {
    create envs <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: envs}
spec:
  nodeSelector: {kubernetes.io/hostname: node2}
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'tr "\\0" "\\n" </proc/1/environ | sort | grep -E "^(APP_|MODE|PASS|TOKEN|GONE|NS)"; exec sleep 3600']
    envFrom:
    - {configMapRef: {name: app-env}, prefix: APP_}
    - secretRef: {name: none-such, optional: true}
    env:
    - {name: MODE, valueFrom: {configMapKeyRef: {name: app-env, key: mode.name}}}
    - {name: PASS, valueFrom: {secretKeyRef: {name: app-sec, key: password}}}
    - {name: TOKEN, valueFrom: {secretKeyRef: {name: app-sec, key: token}}}
    - {name: GONE, valueFrom: {configMapKeyRef: {name: app-env, key: nope, optional: true}}}
    - {name: APP_color, value: from-env-wins}
    - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
EOF
    # Neither the ConfigMap nor the Secret exists yet: the container waits.
    wait_for 20 eval '[ "$(pod_jq envs .status.containerStatuses[0].state.waiting.reason)" = CreateContainerConfigError ]'
    [ "$(pod_jq envs .status.containerStatuses[0].state.waiting.message)" = 'configmap "app-env" not found' ]
    api POST /api/v1/namespaces/default/configmaps -H 'Content-Type: application/json' \
        -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app-env"},"data":{"color":"blue","size":"L","mode.name":"fast","9lives":"x"}}' >/dev/null
    wait_for 20 eval '[ "$(pod_jq envs .status.containerStatuses[0].state.waiting.message)" = "secret \"app-sec\" not found" ]'
    api POST /api/v1/namespaces/default/secrets -H 'Content-Type: application/json' \
        -d '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"app-sec"},"data":{"password":"czNjcjN0"},"stringData":{"token":"plain-tok"}}' >/dev/null
    wait_for 30 phase_is envs Running
    wait_for 10 eval 'kubelet_get 2 /containerLogs/default/envs/c | grep -q ^TOKEN='
    local log
    log=$(kubelet_get 2 /containerLogs/default/envs/c)
    echo "$log"
    # GONE: an optional key that is missing sets nothing; "9lives" is a name
    # once prefixed; env's APP_color wins over envFrom's.
    [ "$log" = "$(printf 'APP_9lives=x\nAPP_color=from-env-wins\nAPP_mode.name=fast\nAPP_size=L\nMODE=fast\nNS=default\nPASS=s3cr3t\nTOKEN=plain-tok')" ]
    api GET "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=envs,reason=Failed" |
        jq -e '.items[] | select(.message == "Error: configmap \"app-env\" not found")'
}

@test "init containers: run in order, each to success, before the app; a failed one fails a Never pod" {
    create inits <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: inits}
spec:
  nodeSelector: {kubernetes.io/hostname: node3}
  volumes: [{name: work, emptyDir: {}}]
  initContainers:
  - {name: fetch, image: busybox, command: [sh, -c, 'echo fetched > /work/data'], volumeMounts: [{name: work, mountPath: /work}]}
  - {name: gate, image: busybox, command: [sh, -c, 'until [ -f /work/go ]; do sleep 0.2; done'], volumeMounts: [{name: work, mountPath: /work}]}
  containers:
  - {name: app, image: busybox, command: [sh, -c, 'cat /work/data; exec sleep 3600'], volumeMounts: [{name: work, mountPath: /work}]}
EOF
    create badinit <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: badinit}
spec:
  restartPolicy: Never
  nodeSelector: {kubernetes.io/hostname: node3}
  initContainers: [{name: bad, image: busybox, command: [sh, -c, 'exit 3']}]
  containers: [{name: app, image: busybox, command: [sleep, '3600']}]
EOF
    table_status() { api GET "/api/v1/namespaces/default/pods/$1" \
        -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io' | jq -r '.rows[0].cells[2]'; }
    # fetch done, gate waiting for its file: Pending, Init:1/2, the app not started.
    wait_for 20 eval '[ "$(pod_jq inits ".status.initContainerStatuses[1].state.running != null")" = true ]'
    [ "$(pod_jq inits .status.initContainerStatuses[0].state.terminated.reason)" = Completed ]
    [ "$(pod_jq inits .status.phase)" = Pending ]
    [ "$(pod_jq inits '.status.conditions[] | select(.type=="Initialized") | .status')" = False ]
    [ "$(pod_jq inits .status.containerStatuses[0].state.waiting.reason)" = PodInitializing ]
    [ "$(table_status inits)" = Init:1/2 ]
    touch "$E2E_DIR/node3/pods/$(pod_jq inits .metadata.uid)/volumes/work/go"
    wait_for 20 phase_is inits Running
    [ "$(pod_jq inits '.status.conditions[] | select(.type=="Initialized") | .status')" = True ]
    [ "$(pod_jq inits .status.initContainerStatuses[1].state.terminated.exitCode)" = 0 ]
    wait_for 10 eval 'kubelet_get 3 /containerLogs/default/inits/app | grep -qx fetched'
    [ "$(table_status inits)" = Running ]
    # Under Never, a failed init container fails the pod; the app never runs.
    wait_for 20 phase_is badinit Failed
    [ "$(pod_jq badinit .status.initContainerStatuses[0].state.terminated.exitCode)" = 3 ]
    [ "$(pod_jq badinit .status.containerStatuses[0].state.waiting.reason)" = PodInitializing ]
    [ "$(table_status badinit)" = Init:Error ]
}

@test "securityContext: user, groups, read-only root, no capabilities; runAsNonRoot refuses root" {
    create secure <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: secure}
spec:
  nodeSelector: {kubernetes.io/hostname: node1}
  securityContext: {runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000]}
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'id; touch /probe 2>/dev/null && echo rw || echo ro; grep CapEff /proc/self/status; exec sleep 3600']
    securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  - name: root
    image: busybox
    command: [sh, -c, 'echo "uid $(id -u)"; touch /probe && echo rw; exec sleep 3600']
    securityContext: {runAsUser: 0}
EOF
    create nonroot <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: nonroot}
spec:
  nodeSelector: {kubernetes.io/hostname: node1}
  securityContext: {runAsNonRoot: true}
  containers: [{name: c, image: busybox, command: [sleep, '3600']}]
EOF
    wait_for 20 phase_is secure Running
    wait_for 10 eval 'kubelet_get 1 /containerLogs/default/secure/c | grep -q CapEff'
    local log
    log=$(kubelet_get 1 /containerLogs/default/secure/c)
    echo "$log"
    [[ "$log" == *"uid=1000 gid=3000 groups="*4000* ]]
    [[ "$log" == *$'\nro\n'* ]]
    [[ "$log" == *"CapEff:"*0000000000000000* ]]
    wait_for 10 eval 'kubelet_get 1 /containerLogs/default/secure/root | grep -q rw'
    kubelet_get 1 /containerLogs/default/secure/root | grep -qx 'uid 0'
    wait_for 20 eval '[ "$(pod_jq nonroot .status.containerStatuses[0].state.waiting.reason)" = CreateContainerConfigError ]'
    [ "$(pod_jq nonroot .status.containerStatuses[0].state.waiting.message)" = 'container has runAsNonRoot and image will run as root (pod: "nonroot_default", container: c)' ]
}

@test "lifecycle hooks: postStart before Running, preStop before SIGTERM; a failed postStart restarts" {
    mkdir -p "$E2E_DIR/hooks"
    create hooked <<EOF
apiVersion: v1
kind: Pod
metadata: {name: hooked}
spec:
  nodeSelector: {kubernetes.io/hostname: node2}
  terminationGracePeriodSeconds: 3
  volumes: [{name: out, hostPath: {path: $E2E_DIR/hooks}}]
  containers:
  - name: c
    image: busybox
    command: [sleep, '3600']
    volumeMounts: [{name: out, mountPath: /out}]
    lifecycle:
      postStart: {exec: {command: [sh, -c, 'echo started > /out/poststart']}}
      preStop: {exec: {command: [sh, -c, 'echo stopping > /out/prestop']}}
EOF
    create badhook <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: badhook}
spec:
  nodeSelector: {kubernetes.io/hostname: node2}
  containers:
  - name: c
    image: busybox
    command: [sleep, '3600']
    lifecycle: {postStart: {exec: {command: [sh, -c, 'echo no >&2; exit 2']}}}
EOF
    wait_for 20 phase_is hooked Running
    [ "$(cat "$E2E_DIR/hooks/poststart")" = started ]
    [ ! -e "$E2E_DIR/hooks/prestop" ]
    api DELETE /api/v1/namespaces/default/pods/hooked >/dev/null
    # The API lets the object go at once here (no --graceful-pod-deletion);
    # the kubelet then runs preStop, then stops the container.
    wait_for 20 eval '[ "$(cat "$E2E_DIR/hooks/prestop" 2>/dev/null)" = stopping ]'
    wait_for 20 eval '[ "$(pod_jq badhook .status.containerStatuses[0].restartCount)" -ge 1 ]'
    api GET "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=badhook,reason=FailedPostStartHook" |
        jq -e '.items[0].message == "PostStartHook failed: command exited 2: no"'
}

@test "hostname, subdomain, hostAliases and dnsConfig reach the container's /etc files" {
    create named <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: named}
spec:
  nodeSelector: {kubernetes.io/hostname: node2}
  hostname: db-0
  subdomain: dbs
  hostAliases: [{ip: 10.1.2.3, hostnames: [legacy.example, legacy]}]
  dnsConfig: {searches: [corp.example], options: [{name: ndots, value: "2"}]}
  containers: [{name: c, image: busybox, command: [sh, -c, 'hostname; cat /etc/hosts /etc/resolv.conf; exec sleep 3600']}]
EOF
    wait_for 20 phase_is named Running
    wait_for 10 eval 'kubelet_get 2 /containerLogs/default/named/c | grep -q options'
    local log ip
    log=$(kubelet_get 2 /containerLogs/default/named/c)
    ip=$(pod_jq named .status.podIP)
    echo "$log"
    [ "$(head -1 <<<"$log")" = db-0 ]
    grep -qxF "$(printf '%s\tdb-0.dbs.default.svc.cluster.local\tdb-0' "$ip")" <<<"$log"
    grep -qxF "$(printf '10.1.2.3\tlegacy.example\tlegacy')" <<<"$log"
    grep -qx 'search default.svc.cluster.local svc.cluster.local cluster.local corp.example' <<<"$log"
    grep -qx 'options ndots:2' <<<"$log"
}

@test "DaemonSets: a pod on every matching node, rolled node by node, gone with the DaemonSet" {
    ds() { # NAME SELECTOR VERSION
        api POST /apis/apps/v1/namespaces/default/daemonsets -H 'Content-Type: application/yaml' \
            --data-binary @- >/dev/null <<YAML
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: $1}
spec:
  selector: {matchLabels: {ds: $1}}
  template:
    metadata: {labels: {ds: $1}}
    spec:
      nodeSelector: $2
      containers: [{name: c, image: busybox, command: [sleep, '3600'], env: [{name: V, value: '$3'}]}]
YAML
    }
    ds_nodes() { api GET "/api/v1/namespaces/default/pods?labelSelector=ds=$1" |
        jq -r '[.items[] | select(.metadata.deletionTimestamp == null and .status.phase == "Running") | .spec.nodeName] | sort | join(" ")'; }
    ds everywhere '{e2e: "yes"}' 1
    ds only2 '{slot: n2}' 1
    wait_for 40 eval '[ "$(ds_nodes everywhere)" = "node1 node2 node3" ]'
    wait_for 20 eval '[ "$(ds_nodes only2)" = node2 ]'
    wait_for 10 eval '[ "$(api GET /apis/apps/v1/namespaces/default/daemonsets/everywhere | jq .status.numberReady)" = 3 ]'
    # A new template: each node's pod replaced, one at a time.
    api PATCH /apis/apps/v1/namespaces/default/daemonsets/everywhere \
        -H 'Content-Type: application/merge-patch+json' \
        -d '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"busybox","command":["sleep","3600"],"env":[{"name":"V","value":"2"}]}]}}}}' >/dev/null
    wait_for 60 eval '[ "$(api GET /apis/apps/v1/namespaces/default/daemonsets/everywhere | jq .status.updatedNumberScheduled)" = 3 ]'
    wait_for 20 eval '[ "$(ds_nodes everywhere)" = "node1 node2 node3" ]'
    api GET "/api/v1/namespaces/default/pods?labelSelector=ds=everywhere" |
        jq -e '[.items[] | select(.metadata.deletionTimestamp == null) | .spec.containers[0].env[0].value] | unique == ["2"]'
    api DELETE /apis/apps/v1/namespaces/default/daemonsets/everywhere >/dev/null
    api DELETE /apis/apps/v1/namespaces/default/daemonsets/only2 >/dev/null
    wait_for 40 eval '[ "$(api GET "/api/v1/namespaces/default/pods?labelSelector=ds" | jq ".items | length")" = 0 ]'
}

@test "a restarted kubelet adopts running containers: no duplicates, no restarts" {
    create adopt <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: adopt}
spec:
  nodeSelector: {kubernetes.io/hostname: node3}
  containers:
  - {name: a, image: busybox, command: [sleep, "3600"]}
  - {name: b, image: busybox, command: [sleep, "3600"]}
EOF
    wait_for 20 phase_is adopt Running
    local uid pid_a n_before
    uid=$(pod_jq adopt .metadata.uid)
    pid_a=$(runc --root "$E2E_DIR/node3/runtime/runc" state "$uid.a" | jq .pid)
    # This pod's containers only: others on the node (a crash loop) come and go.
    n_before=$(runc --root "$E2E_DIR/node3/runtime/runc" list -q | grep -c "^$uid\.")
    stop_kubelet 3
    kill -0 "$pid_a" # containers outlive their kubelet
    start_kubelet 3
    wait_for 20 eval "grep -q 'pod default/adopt: adopted container b' '$E2E_DIR/kubelet3.log'"
    sleep 1
    [ "$(runc --root "$E2E_DIR/node3/runtime/runc" state "$uid.a" | jq .pid)" = "$pid_a" ]
    [ "$(runc --root "$E2E_DIR/node3/runtime/runc" list -q | grep -c "^$uid\.")" = "$n_before" ]
    [ "$n_before" = 2 ]
    [ "$(pod_jq adopt '[.status.containerStatuses[].restartCount] | add')" = 0 ]
    phase_is adopt Running
    # A pod deleted while its kubelet was down is cleaned up when it returns.
    stop_kubelet 3
    api DELETE /api/v1/namespaces/default/pods/adopt >/dev/null
    start_kubelet 3
    wait_for 20 assert_pod_gone_from_node "$uid" 3
}

@test "delete: SIGTERM, grace period, then everything the pod had is removed" {
    mkdir -p "$E2E_DIR/host"
    create graceful <<EOF
apiVersion: v1
kind: Pod
metadata: {name: graceful}
spec:
  terminationGracePeriodSeconds: 3
  nodeSelector: {kubernetes.io/hostname: node2}
  volumes:
  - {name: host, hostPath: {path: $E2E_DIR/host}}
  - {name: scratch, emptyDir: {}}
  containers:
  - name: polite
    image: busybox
    command: [sh, -c, 'trap "echo got-term > /host/marker; exit 0" TERM; while true; do sleep 0.1; done']
    volumeMounts: [{name: host, mountPath: /host}]
  - name: stubborn
    image: busybox
    command: [sleep, "3600"]
    volumeMounts: [{name: scratch, mountPath: /scratch}]
EOF
    wait_for 20 phase_is graceful Running
    local uid
    uid=$(pod_jq graceful .metadata.uid)
    rm -r "$MNT/pods/graceful"
    wait_for 10 pod_absent graceful
    wait_for 20 assert_pod_gone_from_node "$uid" 2
    [ "$(cat "$E2E_DIR/host/marker")" = got-term ]
    # The hostPath itself is never touched by the teardown.
    [ -d "$E2E_DIR/host" ]
}

@test "three nodes: pods pinned by nodeSelector run on each, with that node's addresses" {
    local i
    for i in 1 2 3; do
        # node3's slot label may have been changed by the first test.
        api PATCH /api/v1/nodes/node$i -H 'Content-Type: application/merge-patch+json' \
            -d "{\"metadata\":{\"labels\":{\"slot\":\"n$i\"}}}" >/dev/null
    done
    for i in 1 2 3; do
        create "pin$i" <<EOF
apiVersion: v1
kind: Pod
metadata: {name: pin$i}
spec:
  nodeSelector: {slot: n$i}
  containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
EOF
    done
    for i in 1 2 3; do
        wait_for 30 phase_is "pin$i" Running
        [ "$(node_of "pin$i")" = "$i" ]
        [ "$(pod_jq "pin$i" .status.hostIP)" = "172.31.250.1$i" ]
        local cidr ip
        cidr=$(api GET /api/v1/nodes/node$i | jq -r .spec.podCIDR)
        ip=$(pod_jq "pin$i" .status.podIP)
        [ "${ip%.*}" = "${cidr%.*}" ]
        wait_for 10 grep -q "^phase: Running" "$MNT/pods/pin$i/status"
    done
}
