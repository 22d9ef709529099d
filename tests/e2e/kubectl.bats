#!/usr/bin/env bats
# The real kubectl against a one-node cluster laid out as `make up` lays it
# out: mk-apiserver on loopback without tokens (kubectl sends no bearer
# token over plain http, so this is how kubectl meets us), the scheduler,
# node IPAM and one mk-kubelet on runc. All of it runs inside a network
# namespace of the test's own, so its loopback, bridge and pod range touch
# nothing of the host's; kubectl runs there too.

load helpers
bats_require_minimum_version 1.5.0

NODE_IP=172.31.244.1
PORT=6443

setup_file() {
    [ "$(id -u)" = 0 ] || skip "needs root"
    command -v runc >/dev/null && command -v conmon >/dev/null || skip "needs runc and conmon"
    command -v kubectl >/dev/null || skip "needs kubectl"
    local tag
    tag=$(printf '%04x' $((RANDOM % 65536)))
    export NETNS=mkk$tag
    export E2E_DIR=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/kubectl.XXXXXX")
    "$MK_BIN/mk-image" --root "$E2E_DIR/images" build-busybox
    ip netns add "$NETNS"
    inside ip link set lo up
    inside ip link add eth0 type veth peer name eth1 # a link to hold the node address
    inside ip addr add "$NODE_IP/24" dev eth0
    inside ip link set eth0 up

    daemon apiserver mk-apiserver --listen "127.0.0.1:$PORT" --data-dir "$E2E_DIR/data" \
        --graceful-pod-deletion
    wait_for 10 inside curl -sf "http://127.0.0.1:$PORT/healthz"
    daemon cm mk-controller-manager --server "http://127.0.0.1:$PORT" --controllers nodeipam,job,cronjob,garbagecollector,replicaset,deployment,statefulset,disruption,serviceaccount,resourcequota
    daemon scheduler mk-scheduler --server "http://127.0.0.1:$PORT"
    daemon kubelet mk-kubelet --server "http://127.0.0.1:$PORT" --node-name knode \
        --root-dir "$E2E_DIR/node" --image-dir "$E2E_DIR/images" --node-ip "$NODE_IP"
    export KC=$E2E_DIR/kubeconfig
    cp "$(kubeconfig_for "http://127.0.0.1:$PORT" "")" "$KC"
    k apply -f - <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: talk}
spec:
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'echo hello-log; echo second-line; exec sleep 3600']
  - name: other
    image: busybox
    command: [sh, -c, 'echo from-other; exec sleep 3600']
EOF
    wait_for 60 eval '[ "$(k get pod talk -o jsonpath={.status.phase})" = Running ]'
}

teardown_file() {
    [ -n "${E2E_DIR:-}" ] || return 0
    [ -f "$E2E_DIR/pf.pid" ] && stop_pid "$(cat "$E2E_DIR/pf.pid")"
    k delete pod talk web chat term --wait=false >/dev/null 2>&1 || true
    wait_for 20 eval '! k get pod talk >/dev/null 2>&1 && ! k get pod web >/dev/null 2>&1 &&
        ! k get pod chat >/dev/null 2>&1' || true
    local d
    for d in kubelet scheduler cm apiserver; do
        [ -f "$E2E_DIR/$d.pid" ] && stop_pid "$(cat "$E2E_DIR/$d.pid")"
    done
    inside "$MK_BIN/mk-kubelet" --cleanup --root-dir "$E2E_DIR/node" || true
    ip netns del "$NETNS" 2>/dev/null || true
    rmdir /sys/fs/cgroup/*/minik8s /sys/fs/cgroup/minik8s 2>/dev/null || true
    rm -rf "$E2E_DIR"
}

inside() { nsenter --net="/var/run/netns/$NETNS" "$@"; }

# nsenter itself, so $! is the daemon.
daemon() { # NAME BINARY ARGS...
    local name=$1 bin=$2
    shift 2
    nsenter --net="/var/run/netns/$NETNS" "$MK_BIN/$bin" "$@" 2>>"$E2E_DIR/$name.log" &
    echo $! >"$E2E_DIR/$name.pid"
}

k() { inside timeout 30 kubectl --kubeconfig "$KC" "$@"; }

@test "kubectl exec: output, stderr and the exit code, over WebSocket" {
    run k exec talk -c c -- sh -c 'echo out; echo to-stderr >&2; exit 7'
    [ "$status" -eq 7 ]
    [[ "$output" == *out* && "$output" == *to-stderr* ]]
    # No -c: the first container, as kubectl says on stderr.
    run --separate-stderr k exec talk -- sh -c 'echo "a  b" "$HOSTNAME"'
    [ "$status" -eq 0 ]
    [ "$output" = "a  b talk" ]
    grep -q "exec default/talk container c on node knode (WebSocket)" "$E2E_DIR/apiserver.log"
    # A wrong container is named as such, not drowned by kubectl's SPDY retry.
    run k exec talk -c nope -- true
    [ "$status" -eq 1 ]
    [[ "$output" == *nope* && "$output" != *SPDY* && "$output" != *Upgrade* ]]
}

@test "kubectl exec -i: stdin to its end (the v5 close of stdin)" {
    run bash -c "printf 'a\nb\nc\n' | nsenter --net=/var/run/netns/$NETNS \
        timeout 30 kubectl --kubeconfig '$KC' exec -i talk -c other -- wc -l"
    [ "$status" -eq 0 ]
    [ "$(tr -d ' ' <<<"$output")" = 3 ]
}

@test "kubectl exec -it: a terminal of the caller's size (the resize channel)" {
    command -v script >/dev/null || skip "needs script(1)"
    run timeout 40 bash -c "(sleep 3; printf 'tty; stty size; exit 5\r'; sleep 5) |
        nsenter --net=/var/run/netns/$NETNS script -qec \
        'stty cols 91 rows 27; kubectl --kubeconfig $KC exec -it talk -- sh' /dev/null"
    [ "$status" -eq 5 ]
    [[ "$output" == *"/dev/pts/"* && "$output" == *"27 91"* ]]
}

@test "kubectl attach: a running container's output; -i feeds the stdin it kept open" {
    k apply -f - <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: chat}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox
    stdin: true
    stdinOnce: true
    command: [sh, -c, 'while read l; do echo "got:$l"; done; echo stdin-closed; sleep 3600']
  - name: tick
    image: busybox
    command: [sh, -c, 'while true; do echo tick; sleep 0.2; done']
EOF
    wait_for 60 eval '[ "$(k get pod chat -o jsonpath={.status.phase})" = Running ]'
    # Output only: what the container prints from now on.
    run inside timeout 3 kubectl --kubeconfig "$KC" attach chat -c tick
    [[ "$output" == *tick* ]]
    grep -q "attach default/chat container tick on node knode (WebSocket)" "$E2E_DIR/apiserver.log"
    # stdin: lines in, answers out; the end of kubectl's stdin closes the
    # container's (stdinOnce).
    run bash -c "printf 'one\ntwo\n' | nsenter --net=/var/run/netns/$NETNS \
        timeout 30 kubectl --kubeconfig '$KC' attach -i chat -c c"
    [[ "$output" == *got:one*got:two* ]]
    wait_for 10 eval 'k logs chat -c c | grep -q stdin-closed'
    # A pod that is not there.
    run k attach nosuch
    [ "$status" -ne 0 ]
    [[ "$output" == *nosuch* ]]
}

@test "kubectl run -it: a terminal of the caller's size on a new pod, attached; --rm deletes it" {
    command -v script >/dev/null || skip "needs script(1)"
    run timeout 90 bash -c "(sleep 8; printf 'tty; stty size; exit 5\r'; sleep 30) |
        nsenter --net=/var/run/netns/$NETNS script -qec \
        'stty cols 91 rows 27; kubectl --kubeconfig $KC run term -it --rm --restart=Never --image=busybox -- sh' /dev/null"
    [[ "$output" == *"/dev/pts/"* && "$output" == *"27 91"* ]]
    wait_for 30 eval '! k get pod term >/dev/null 2>&1'
    # A command that fails: its output through the attach, its exit code
    # kubectl's.
    run k run failfast --image=busybox --restart=Never --rm -i -- sh -c 'sleep 3; echo out-of-run; exit 3'
    [ "$status" -eq 3 ]
    [[ "$output" == *out-of-run* ]]
}

@test "kubectl cp: a file into the pod and back (tar through exec)" {
    printf 'line one\nline two\n' >"$E2E_DIR/up.txt"
    run k cp "$E2E_DIR/up.txt" talk:/tmp/up.txt -c c
    [ "$status" -eq 0 ]
    run k exec talk -c c -- cat /tmp/up.txt
    [ "$output" = $'line one\nline two' ]
    run k cp talk:/tmp/up.txt "$E2E_DIR/down.txt" -c c
    [ "$status" -eq 0 ]
    cmp "$E2E_DIR/up.txt" "$E2E_DIR/down.txt"
    # Megabytes each way: the relay keeps up with both ends.
    head -c 4194304 /dev/urandom >"$E2E_DIR/big"
    run k cp "$E2E_DIR/big" talk:/tmp/big -c c
    [ "$status" -eq 0 ]
    run k cp talk:/tmp/big "$E2E_DIR/big.back" -c c
    [ "$status" -eq 0 ]
    cmp "$E2E_DIR/big" "$E2E_DIR/big.back"
}

@test "kubectl logs: each container, --tail, -f" {
    run k logs talk -c c
    [ "$status" -eq 0 ]
    [ "$output" = $'hello-log\nsecond-line' ]
    run k logs talk -c c --tail 1
    [ "$output" = second-line ]
    run k logs talk -c other
    [ "$output" = from-other ]
    run inside timeout 3 kubectl --kubeconfig "$KC" logs -f talk -c c
    [[ "$output" == *hello-log* ]]
}

@test "exec over WebSocket without a channel protocol we speak: 400 naming them" {
    run inside curl -s -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
        -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H 'Sec-WebSocket-Protocol: channel.k8s.io' \
        "http://127.0.0.1:$PORT/api/v1/namespaces/default/pods/talk/exec?container=c&command=true"
    [[ "$output" == *'"code":400'* && "$output" == *v5.channel.k8s.io* ]]
}

# kubectl port-forward TARGET PORTS in the background, inside the test's
# netns; its pid goes to $E2E_DIR/pf.pid (for stop_pid), its output to pf.log.
port_forward() {
    nsenter --net="/var/run/netns/$NETNS" kubectl --kubeconfig "$KC" port-forward "$1" "$2" \
        >"$E2E_DIR/pf.log" 2>&1 &
    echo $! >"$E2E_DIR/pf.pid"
}

stop_port_forward() {
    [ -f "$E2E_DIR/pf.pid" ] && stop_pid "$(cat "$E2E_DIR/pf.pid")"
    rm -f "$E2E_DIR/pf.pid"
}

inside_free_port() { inside bash -c "$(declare -f free_port); free_port"; }

@test "kubectl port-forward: a pod's port on localhost" {
    k apply -f - <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: pfweb}}
spec:
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'mkdir -p /www && echo hello-from-web >/www/index.html && exec httpd -f -p 80 -h /www']
---
apiVersion: v1
kind: Service
metadata: {name: pfweb}
spec:
  selector: {app: pfweb}
  ports: [{port: 8080, targetPort: 80}]
EOF
    wait_for 60 eval '[ "$(k get pod web -o jsonpath={.status.phase})" = Running ]'
    head -c 200000 /dev/urandom >"$E2E_DIR/web.bin"
    k cp "$E2E_DIR/web.bin" web:/www/web.bin

    # pod/NAME, SPDY inside WebSocket: several connections, a body larger
    # than one frame
    local lport
    lport=$(inside_free_port)
    port_forward pod/web "$lport:80"
    wait_for 20 inside curl -sf -o /dev/null "http://127.0.0.1:$lport/"
    run inside curl -sS "http://127.0.0.1:$lport/"
    [ "$output" = hello-from-web ]
    run inside curl -sS "http://127.0.0.1:$lport/"
    [ "$output" = hello-from-web ]
    inside curl -sS -o "$E2E_DIR/web.back" "http://127.0.0.1:$lport/web.bin"
    cmp "$E2E_DIR/web.bin" "$E2E_DIR/web.back"
    stop_port_forward

    # svc/NAME (kubectl picks a pod, 8080 becomes its targetPort 80) over
    # bare SPDY, kubectl's fallback
    lport=$(inside_free_port)
    KUBECTL_PORT_FORWARD_WEBSOCKETS=false port_forward svc/pfweb "$lport:8080"
    wait_for 20 inside curl -sf -o /dev/null "http://127.0.0.1:$lport/"
    run inside curl -sS "http://127.0.0.1:$lport/"
    [ "$output" = hello-from-web ]
    stop_port_forward

    # nothing listens on 81: the kubelet's reason comes on the error stream
    lport=$(inside_free_port)
    port_forward pod/web "$lport:81"
    wait_for 20 grep -q 'Forwarding from' "$E2E_DIR/pf.log"
    run inside curl -sS "http://127.0.0.1:$lport/"
    [ "$status" -ne 0 ]
    wait_for 20 grep -q 'error forwarding port 81' "$E2E_DIR/pf.log"
    grep -q 'connect: Connection refused' "$E2E_DIR/pf.log"
    stop_port_forward

    k delete pod web --wait=false
    k delete service pfweb
}

@test "kubectl get events and describe: who did what to a pod; repeats count up in one Event" {
    run k get events
    [ "$status" -eq 0 ]
    [[ "$output" == *Scheduled*"pod/talk"*"Successfully assigned default/talk to knode"* ]]
    [[ "$output" == *Started*"pod/talk"*"Started container c"* ]]
    run k describe pod talk
    [ "$status" -eq 0 ]
    [[ "$output" == *"Events:"* && "$output" == *default-scheduler*"Successfully assigned default/talk to knode"* ]]
    [[ "$output" == *kubelet*"Started container other"* ]]
    [[ "$output" == *"QoS Class:"*BestEffort* ]]
    # A pod that fits nowhere: every failed try is one more on the same Event.
    k apply -f - <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: nowhere}
spec:
  nodeSelector: {disk: none-such}
  containers: [{name: c, image: busybox}]
YAML
    sel=involvedObject.name=nowhere,reason=FailedScheduling
    wait_for 30 eval '[ "$(k get events --field-selector "$sel" -o jsonpath={.items[0].count})" -ge 2 ]'
    [ "$(k get events --field-selector "$sel" -o name | wc -l)" = 1 ]
    run k get events --field-selector "$sel" -o jsonpath='{.items[0].type} {.items[0].message}'
    [[ "$output" == "Warning 0/1 nodes are available: 1 node(s) didn't match Pod's node selector." ]]
    k delete pod nowhere --wait=false
}

@test "Jobs: run to Complete, logs job/NAME; completions and parallelism; a failing Job stops at its backoffLimit" {
    k apply -f - <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: hello}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, 'echo hello from a job']}]
YAML
    k wait --for=condition=complete job/hello --timeout=60s
    run k logs job/hello
    [ "$output" = "hello from a job" ]
    run k get job hello
    [[ "${lines[1]}" =~ ^hello\ +Complete\ +1/1\  ]]
    k apply -f - <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: three}
spec:
  completions: 3
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, 'sleep 1']}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: doomed}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, 'exit 4']}]
YAML
    k wait --for=condition=complete job/three --timeout=90s
    [ "$(k get job three -o jsonpath='{.status.succeeded}')" = 3 ]
    [ "$(k get pods -l job-name=three -o name | wc -l)" = 3 ]
    k wait --for=condition=failed job/doomed --timeout=90s
    [ "$(k get job doomed -o jsonpath='{.status.conditions[0].reason}')" = BackoffLimitExceeded ]
    [ "$(k get job doomed -o jsonpath='{.status.failed}')" = 2 ]
    run k describe job doomed
    [[ "$output" == *BackoffLimitExceeded* ]]
    # A Job's pods go with it (the garbage collector).
    k delete job three
    wait_for 30 eval '[ "$(k get pods -l job-name=three -o name | wc -l)" = 0 ]'
    k delete job hello doomed --wait=false
}

@test "Jobs: a pod failure policy fails the Job at once on an exit code it names, and ignores one it lets pass" {
    k apply -f - <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: picky}
spec:
  backoffLimit: 6
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes: {containerName: c, operator: In, values: [42]}
    - action: Ignore
      onExitCodes: {operator: In, values: [3]}
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
        # the first pod exits 3 (ignored), the next 42 (the Job fails)
        command: [sh, -c, 'if [ -e /data/seen ]; then exit 42; fi; touch /data/seen; exit 3']
        volumeMounts: [{name: d, mountPath: /data}]
      volumes: [{name: d, hostPath: {path: $E2E_DIR/picky, type: DirectoryOrCreate}}]
YAML
    k wait --for=condition=failed job/picky --timeout=90s
    [ "$(k get job picky -o jsonpath='{.status.conditions[?(@.type=="Failed")].reason}')" = PodFailurePolicy ]
    run k get job picky -o jsonpath='{.status.conditions[?(@.type=="Failed")].message}'
    [[ "$output" =~ ^Container\ c\ for\ pod\ default/picky-[a-z0-9]{5}\ failed\ with\ exit\ code\ 42\ matching\ FailJob\ rule\ at\ index\ 0$ ]]
    # two pods failed; the exit 3 one was not counted
    [ "$(k get pods -l job-name=picky -o json | jq '[.items[] | select(.status.phase == "Failed")] | length')" = 2 ]
    [ "$(k get job picky -o jsonpath='{.status.failed}')" = 1 ]
    run k apply -f - <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: loose}
spec:
  podFailurePolicy:
    rules: [{action: Ignore, onExitCodes: {operator: In, values: [3]}}]
  template:
    spec:
      restartPolicy: OnFailure
      containers: [{name: c, image: busybox}]
YAML
    [ "$status" -ne 0 ]
    [[ "$output" == *'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified'* ]]
    k delete job picky --wait=false
}

@test "Jobs: an Indexed Job runs each index once, its pods told their index and named by it" {
    k apply -f - <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: idx}
spec:
  completionMode: Indexed
  completions: 3
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, 'echo "index=$JOB_COMPLETION_INDEX host=$(hostname)"']}]
YAML
    k wait --for=condition=complete job/idx --timeout=90s
    [ "$(k get job idx -o jsonpath='{.status.completedIndexes} {.status.succeeded}')" = "0-2 3" ]
    local i pod
    for i in 0 1 2; do
        pod=$(k get pods -l "batch.kubernetes.io/job-completion-index=$i,job-name=idx" -o name)
        [[ "$pod" == pod/idx-$i-????? ]]
        [ "$(k logs "$pod")" = "index=$i host=idx-$i" ]
    done
    run k describe job idx
    [[ "$output" == *"Completion Mode:"*Indexed* ]]
    k delete job idx --wait=false
}

@test "kubectl create deployment, service, job (protobuf bodies): they run as their manifests would" {
    k create deployment hi --image=busybox --replicas=2 -- sh -c 'echo up; exec sleep 3600'
    k create service clusterip hi --tcp=80:8080
    k create job once --image=busybox -- sh -c 'echo from a created job'
    k rollout status deployment/hi --timeout=60s
    [ "$(k get deployment hi -o jsonpath='{.status.readyReplicas}')" = 2 ]
    [ "$(k get service hi -o jsonpath='{.spec.ports[0].targetPort}')" = 8080 ]
    # What the API server's defaulting stored, as Kubernetes' would.
    run k get deployment hi -o jsonpath='{.spec.strategy.type} {.spec.strategy.rollingUpdate.maxSurge} {.spec.revisionHistoryLimit} {.spec.progressDeadlineSeconds} {.spec.template.spec.restartPolicy} {.spec.template.spec.terminationGracePeriodSeconds}'
    [ "$output" = "RollingUpdate 25% 10 600 Always 30" ]
    [ "$(k get service hi -o jsonpath='{.spec.type} {.spec.sessionAffinity} {.spec.ipFamilies[0]}')" = "ClusterIP None IPv4" ]
    [ "$(k get job once -o jsonpath='{.spec.completions} {.spec.parallelism} {.spec.backoffLimit}')" = "1 1 6" ]
    k wait --for=condition=complete job/once --timeout=60s
    [ "$(k logs job/once)" = "from a created job" ]
    k delete deployment hi
    k delete service hi
    k delete job once --wait=false
}

@test "Jobs: a suspended Job runs nothing and says Suspended; resumed, it completes" {
    k apply -f - <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: later}
spec:
  suspend: true
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, 'echo resumed']}]
YAML
    k wait --for=condition=suspended job/later --timeout=30s
    run k get job later
    [[ "${lines[1]}" =~ ^later\ +Suspended\ +0/1\  ]]
    [ "$(k get pods -l job-name=later -o name | wc -l)" = 0 ]
    k patch job later --type=merge -p '{"spec":{"suspend":false}}'
    k wait --for=condition=complete job/later --timeout=60s
    [ "$(k get job later -o jsonpath='{.status.conditions[?(@.type=="Suspended")].reason}')" = JobResumed ]
    run k get events --field-selector involvedObject.name=later
    [[ "$output" == *"Job suspended"* && "$output" == *"Job resumed"* ]]
    k delete job later --wait=false
}

@test "Deployments: rollout status, a rolling update to a new template, rollout undo, scale, delete" {
    k apply -f - <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: c
        image: busybox
        command: [sh, -c, 'echo "version=$VERSION"; exec sleep 3600']
        env: [{name: VERSION, value: "1"}]
        readinessProbe: {exec: {command: ["true"]}, periodSeconds: 1}
YAML
    k rollout status deployment/web --timeout=90s
    run k get deployment web
    [[ "${lines[1]}" =~ ^web\ +3/3\ +3\ +3\  ]]
    local rs1
    rs1=$(k get rs -l app=web -o jsonpath='{.items[0].metadata.name}')
    # A new template: a second ReplicaSet takes over, one pod at a time.
    k set env deployment/web VERSION=2
    k rollout status deployment/web --timeout=120s
    [ "$(k get rs "$rs1" -o jsonpath='{.spec.replicas}')" = 0 ]
    [ "$(k get rs -l app=web -o name | wc -l)" = 2 ]
    local pod
    pod=$(k get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
    wait_for 20 eval '[ "$(k get pods -l app=web --field-selector=status.phase=Running -o name | wc -l)" = 3 ]'
    [ "$(k get deployment web -o jsonpath='{.spec.template.spec.containers[0].command[0]}')" = sh ]
    run k rollout history deployment/web
    [[ "$output" == *1*2* ]]
    # Back to the first template: its ReplicaSet grows again, revision 3.
    k rollout undo deployment/web
    k rollout status deployment/web --timeout=120s
    [ "$(k get rs "$rs1" -o jsonpath='{.spec.replicas}')" = 3 ]
    [ "$(k get rs "$rs1" -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')" = 3 ]
    # Paused, a new template makes no ReplicaSet; resumed, it rolls out.
    k rollout pause deployment/web
    k set env deployment/web VERSION=4
    sleep 2
    [ "$(k get rs -l app=web -o name | wc -l)" = 2 ]
    [ "$(k get deployment web -o jsonpath='{.status.conditions[?(@.type=="Progressing")].reason}')" = DeploymentPaused ]
    k rollout resume deployment/web
    k rollout status deployment/web --timeout=120s
    [ "$(k get rs -l app=web -o name | wc -l)" = 3 ]
    k scale deployment web --replicas=1
    wait_for 30 eval '[ "$(k get pods -l app=web -o name | wc -l)" = 1 ]'
    run k describe deployment web
    [[ "$output" == *ScalingReplicaSet* ]]
    k delete deployment web
    wait_for 30 eval '[ "$(k get rs,pods -l app=web -o name | wc -l)" = 0 ]'
}

@test "Deployments: a rollout that cannot progress passes its progressDeadlineSeconds; rollout status says so" {
    k apply -f - <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: stuck}
spec:
  replicas: 1
  progressDeadlineSeconds: 3
  selector: {matchLabels: {app: stuck}}
  template:
    metadata: {labels: {app: stuck}}
    spec:
      containers: [{name: c, image: no-such-image}]
YAML
    run k rollout status deployment/stuck --timeout=60s
    [ "$status" -ne 0 ]
    [[ "$output" == *'deployment "stuck" exceeded its progress deadline'* ]]
    local reason='{.status.conditions[?(@.type=="Progressing")].reason}'
    [ "$(k get deployment stuck -o jsonpath="$reason")" = ProgressDeadlineExceeded ]
    k delete deployment stuck
}

@test "CronJobs: a Job every minute, in a zone, runs to Complete; suspend; 422s; deleting the CronJob takes its Jobs and pods" {
    # Refused with the field named.
    run k apply -f - <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: bad}
spec:
  schedule: "61 * * * *"
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}
YAML
    [ "$status" -ne 0 ]
    [[ "$output" == *'The CronJob "bad" is invalid: spec.schedule: Invalid value: "61 * * * *": minute: 61 is out of range 0-59'* ]]
    run k apply -f - <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: bad}
spec:
  schedule: "@hourly"
  timeZone: Mars/Olympus_Mons
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}
YAML
    [ "$status" -ne 0 ]
    [[ "$output" == *'spec.timeZone: Invalid value: "Mars/Olympus_Mons": unknown time zone'* ]]
    k apply -f - <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "*/1 * * * *"
  timeZone: Asia/Kolkata
  jobTemplate:
    metadata: {labels: {app: tick}}
    spec:
      template:
        metadata: {labels: {app: tick}}
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox, command: [sh, -c, 'echo tick']}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: dormant}
spec:
  schedule: "* * * * *"
  suspend: true
  jobTemplate:
    metadata: {labels: {app: dormant}}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox, command: [sh, -c, 'echo zzz']}]
YAML
    # Kubernetes' defaults, and kubectl's columns.
    [ "$(k get cj tick -o jsonpath='{.spec.concurrencyPolicy} {.spec.suspend} {.spec.successfulJobsHistoryLimit} {.spec.failedJobsHistoryLimit}')" = "Allow false 3 1" ]
    run k get cronjobs
    [[ "${lines[0]}" =~ ^NAME\ +SCHEDULE\ +TIMEZONE\ +SUSPEND\ +ACTIVE\ +LAST\ SCHEDULE\ +AGE$ ]]
    [[ "$output" =~ dormant\ +\*\ \*\ \*\ \*\ \*\ +\<none\>\ +True\ +0\ +\<none\> ]]
    [[ "$output" =~ tick\ +\*/1\ \*\ \*\ \*\ \*\ +Asia/Kolkata\ +False\ +0\ +\<none\> ]]
    # The first Job comes at the next whole minute: once a second, up to 75 s.
    local job="" i=0
    while [ -z "$job" ] && [ $((i++)) -lt 75 ]; do
        sleep 1
        job=$(k get jobs -l app=tick -o jsonpath='{.items[*].metadata.name}')
        job=${job%% *}
    done
    [[ "$job" =~ ^tick-[0-9]+$ ]]
    local t=$((${job#tick-} * 60))
    [ "$(k get job "$job" -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}/{.metadata.ownerReferences[0].controller}')" = CronJob/tick/true ]
    [ "$(k get job "$job" -o jsonpath='{.metadata.annotations.batch\.kubernetes\.io/cronjob-scheduled-timestamp}')" = "$(TZ=Asia/Kolkata date -d "@$t" +%Y-%m-%dT%H:%M:%S+05:30)" ]
    k wait --for=condition=complete "job/$job" --timeout=30s
    [ "$(k logs "job/$job")" = tick ]
    [ "$(k get cj tick -o jsonpath='{.status.lastScheduleTime}')" = "$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)" ]
    wait_for 10 eval '[ -n "$(k get cj tick -o jsonpath={.status.lastSuccessfulTime})" ]'
    run k describe cronjob tick
    [[ "$output" == *SuccessfulCreate*"Created job $job"* ]]
    # Suspended: nothing ran for it at that minute.
    [ -z "$(k get jobs -l app=dormant -o name)" ]
    # `kubectl create job --from` copies the template into a Job, sent as
    # protobuf, owned by the CronJob.
    k create job by-hand --from=cronjob/tick
    k wait --for=condition=complete job/by-hand --timeout=30s
    [ "$(k logs job/by-hand)" = tick ]
    [ "$(k get job by-hand -o jsonpath='{.metadata.ownerReferences[0].name}')" = tick ]
    # Deleting the CronJob deletes its Jobs, and their pods.
    k delete cronjob tick dormant
    wait_for 30 eval '[ "$(k get jobs,pods -l app=tick -o name | wc -l)" = 0 ]'
}

# The names of the pods in the StatefulSet web's Events of this reason whose
# resourceVersion is above $2 (0: all), oldest first: the order the
# controller acted in (a repeated Event moves to its latest revision).
sts_event_pods() { # REASON MIN_RV [SET, web]
    k get events -o jsonpath='{range .items[*]}{.metadata.resourceVersion} {.reason} {.message}{"\n"}{end}' |
        awk -v r="$1" -v min="$2" -v set="${3:-web}" '$2 == r && $NF == "successful" && $(NF-1) == set && $1 > min' |
        sort -n | awk '{print $5}' | tr '\n' ' '
}

@test "StatefulSets: pods made in order with stable names and hostnames, scaled down from the top, a deleted pod comes back, rolling update and restart, delete" {
    local manifest
    manifest=$(cat <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: sts}}
  template:
    metadata: {labels: {app: sts}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: [sh, -c, 'echo "version=$VERSION"; exec sleep 3600']
        env: [{name: VERSION, value: "1"}]
        readinessProbe: {exec: {command: ["true"]}, periodSeconds: 1}
YAML
    )
    k apply -f - <<<"$manifest"
    k rollout status sts/web --timeout=25s
    run k get sts
    [[ "${lines[0]}" =~ ^NAME\ +READY\ +AGE ]]
    [[ "${lines[1]}" =~ ^web\ +3/3\  ]]
    # One at a time, in order: each made once the one before was ready.
    [ "$(sts_event_pods SuccessfulCreate 0)" = "web-0 web-1 web-2 " ]
    local i ready created
    for i in 1 2; do
        ready=$(k get pod "web-$((i - 1))" -o jsonpath='{.status.conditions[?(@.type=="Ready")].lastTransitionTime}')
        created=$(k get pod "web-$i" -o jsonpath='{.metadata.creationTimestamp}')
        [ "$(date -d "$created" +%s)" -ge "$(date -d "$ready" +%s)" ]
    done
    # Each pod's hostname is its name; the labels Kubernetes gives them.
    [ "$(k exec web-1 -- hostname)" = web-1 ]
    [ "$(k get pod web-2 -o jsonpath='{.spec.subdomain}')" = web ]
    [ "$(k get pod web-2 -o jsonpath='{.metadata.labels.apps\.kubernetes\.io/pod-index}')" = 2 ]
    [ "$(k get pods -l statefulset.kubernetes.io/pod-name=web-1 -o name)" = pod/web-1 ]
    # Down to 1: web-2 goes, then web-1.
    k scale sts web --replicas=1
    wait_for 30 eval '[ "$(k get pods -l app=sts -o name)" = pod/web-0 ]'
    [ "$(sts_event_pods SuccessfulDelete 0)" = "web-2 web-1 " ]
    # A deleted pod comes back under its name.
    local uid
    uid=$(k get pod web-0 -o jsonpath='{.metadata.uid}')
    k delete pod web-0
    wait_for 30 eval '[ "$(k get pod web-0 -o jsonpath={.metadata.uid} 2>/dev/null)" != "" ] &&
        [ "$(k get pod web-0 -o jsonpath={.metadata.uid})" != "$uid" ]'
    # A new template rolls from the highest ordinal down.
    k scale sts web --replicas=2
    k rollout status sts/web --timeout=25s
    local rv
    rv=$(k get sts web -o jsonpath='{.metadata.resourceVersion}')
    k set env sts/web VERSION=2
    k rollout status sts/web --timeout=25s
    [ "$(sts_event_pods SuccessfulDelete "$rv")" = "web-1 web-0 " ]
    wait_for 20 eval 'k logs web-0 | grep -q version=2'
    local rev
    rev=$(k get sts web -o jsonpath='{.status.updateRevision}')
    [ "$(k get sts web -o jsonpath='{.status.currentRevision}')" = "$rev" ]
    [ "$(k get pods -l controller-revision-hash="$rev" -o name | wc -l)" = 2 ]
    # rollout restart patches the template's annotations: another roll.
    k rollout restart sts/web
    k rollout status sts/web --timeout=25s
    [ -n "$(k get pod web-0 -o jsonpath='{.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}')" ]
    [ "$(k get sts web -o jsonpath='{.status.updateRevision}')" != "$rev" ]
    # Three templates, three ControllerRevisions; undo goes back to the
    # second, which becomes revision 4.
    run k get controllerrevisions
    [[ "${lines[0]}" =~ ^NAME\ +CONTROLLER\ +REVISION\ +AGE ]]
    [[ "$output" == *"$rev"*statefulset.apps/web*2* ]]
    run k rollout history sts/web
    [[ "$output" == *REVISION*1*2*3* ]]
    k rollout undo sts/web
    k rollout status sts/web --timeout=25s
    [ "$(k get sts web -o jsonpath='{.status.updateRevision}')" = "$rev" ]
    [ "$(k get controllerrevision "$rev" -o jsonpath='{.revision}')" = 4 ]
    [ "$(k get pods -l controller-revision-hash="$rev" -o name | wc -l)" = 2 ]
    run k describe sts web
    [[ "$output" == *"create Pod web-0 in StatefulSet web successful"* ]]
    # A volume claim template without a name: refused, naming the field.
    run k apply -f - <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: busybox}]}
  volumeClaimTemplates:
  - spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
YAML
    [ "$status" -ne 0 ]
    [[ "$output" == *"spec.volumeClaimTemplates[0].metadata.name: Required value"* ]]
    # Orphaned, its pods stay; made again, it adopts them.
    k delete sts web --cascade=orphan
    wait_for 20 eval '! k get sts web >/dev/null 2>&1'
    [ "$(k get pods -l app=sts -o name | wc -l)" = 2 ]
    k apply -f - <<<"$manifest"
    wait_for 20 eval '[ "$(k get pod web-1 -o jsonpath={.metadata.ownerReferences[0].uid})" = "$(k get sts web -o jsonpath={.metadata.uid})" ]'
    wait_for 20 eval '[ "$(k get controllerrevision "$rev" -o jsonpath={.metadata.ownerReferences[0].uid})" = "$(k get sts web -o jsonpath={.metadata.uid})" ]'
    # Its pods and revisions go with it (the garbage collector).
    k delete sts web
    wait_for 30 eval '[ "$(k get pods,controllerrevisions -l app=sts -o name | wc -l)" = 0 ]'
}

@test "StatefulSets: ordinals.start numbers the pods from it; moving it makes the new and removes the old, the highest first" {
    k apply -f - <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: num}
spec:
  replicas: 2
  ordinals: {start: 3}
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: num}}
  template:
    metadata: {labels: {app: num}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: busybox, command: [sleep, '3600']}]
YAML
    k rollout status sts/num --timeout=30s
    [ "$(k get pods -l app=num -o jsonpath='{.items[*].metadata.name}')" = "num-3 num-4" ]
    [ "$(k get pod num-4 -o jsonpath='{.metadata.labels.apps\.kubernetes\.io/pod-index}')" = 4 ]
    k patch sts num --type=merge -p '{"spec":{"ordinals":{"start":4}}}'
    wait_for 30 eval '[ "$(k get pods -l app=num -o jsonpath="{.items[*].metadata.name}")" = "num-4 num-5" ]'
    [ "$(sts_event_pods SuccessfulDelete 0 num)" = "num-3 " ]
    run k patch sts num --type=merge -p '{"spec":{"ordinals":{"start":-1}}}'
    [ "$status" -ne 0 ]
    [[ "$output" == *"spec.ordinals.start: Invalid value: -1"* ]]
    k delete sts num
}

evict() { # POD: the eviction subresource, as kubectl drain calls it; prints the Status
    inside curl -s -X POST -H 'Content-Type: application/json' \
        -d "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"$1\"}}" \
        "http://127.0.0.1:$PORT/api/v1/namespaces/default/pods/$1/eviction"
}

pdb_status() { k get pdb pdbweb -o jsonpath='{.status.disruptionsAllowed} {.status.currentHealthy} {.status.desiredHealthy} {.status.expectedPods}'; }

@test "PodDisruptionBudgets: status from the pods; evictions spend it, 429 when none is left; kubectl drain waits for it" {
    k create deployment pdbweb --image=busybox --replicas=3 -- sleep 3600
    wait_for 60 eval '[ "$(k get deployment pdbweb -o jsonpath={.status.readyReplicas})" = 3 ]'
    k create poddisruptionbudget pdbweb --selector=app=pdbweb --min-available=2
    wait_for 20 eval '[ "$(pdb_status)" = "1 3 2 3" ]'
    run k get pdb pdbweb
    [[ "${lines[0]}" =~ ^NAME\ +MIN\ AVAILABLE\ +MAX\ UNAVAILABLE\ +ALLOWED\ DISRUPTIONS\ +AGE ]]
    [[ "${lines[1]}" =~ ^pdbweb\ +2\ +N/A\ +1\ + ]]
    [ "$(k get pdb pdbweb -o jsonpath='{.status.conditions[0].reason}')" = SufficientPods ]
    # Discovery lists pods/eviction, so kubectl drain evicts instead of deleting.
    k get --raw /api/v1 | jq -e '.resources[] | select(.name == "pods/eviction" and .group == "policy")'

    # A server-side dry run evicts nothing and spends nothing.
    run k drain knode --pod-selector=app=pdbweb --dry-run=server
    [ "$status" -eq 0 ]
    [[ "$output" == *"(server dry run)"* ]]
    [ "$(k get pods -l app=pdbweb -o json | jq '[.items[] | select(.metadata.deletionTimestamp)] | length')" = 0 ]
    [ "$(pdb_status)" = "1 3 2 3" ]
    [ "$(k get node knode -o jsonpath='{.spec.unschedulable}')" = "" ]

    # The node cordoned, evicted pods' replacements stay Pending: the budget
    # lets one go, then the drain waits (and here gives up).
    k cordon knode
    run k drain knode --pod-selector=app=pdbweb --timeout=10s
    [ "$status" -ne 0 ]
    [[ "$output" == *"Cannot evict pod as it would violate the pod's disruption budget."* ]]
    [ "$(k get pods -l app=pdbweb -o json | jq '[.items[] | select(.metadata.deletionTimestamp)] | length')" = 1 ]
    wait_for 20 eval '[ "$(pdb_status)" = "0 2 2 4" ]'
    # The refusal names the budget's numbers, as Kubernetes' does.
    local pod st
    pod=$(k get pods -l app=pdbweb -o json | jq -r '[.items[] | select(.metadata.deletionTimestamp == null and .status.phase == "Running")][0].metadata.name')
    st=$(evict "$pod")
    jq -e '.code == 429 and .reason == "TooManyRequests" and .details.causes[0].reason == "DisruptionBudget"' <<<"$st"
    jq -e '.details.causes[0].message == "The disruption budget pdbweb needs 2 healthy pods and has 2 currently"' <<<"$st"
    [ "$(k get pod "$pod" -o jsonpath='{.metadata.deletionTimestamp}')" = "" ]

    # Back in service: the replacement runs and the budget has one to give again.
    k uncordon knode
    wait_for 60 eval '[ "$(pdb_status | cut -d" " -f1-3)" = "1 3 2" ]'
    # maxUnavailable as a percentage of the Deployment's scale: 34% of 3
    # rounds up to 2 that may be missing.
    k patch pdb pdbweb --type=merge -p '{"spec":{"minAvailable":null,"maxUnavailable":"34%"}}'
    wait_for 20 eval '[ "$(pdb_status | cut -d" " -f1-3)" = "2 3 1" ]'
    st=$(evict "$pod")
    jq -e '.status == "Success"' <<<"$st"
    [ -n "$(k get pod "$pod" -o jsonpath='{.metadata.deletionTimestamp}')" ]
    # marked before it went, as Kubernetes' eviction marks it; the kubelet's
    # status updates while it stops keep the mark
    dt='{.status.conditions[?(@.type=="DisruptionTarget")]}'
    [ "$(k get pod "$pod" -o jsonpath="$dt" | jq -r '"\(.status) \(.reason) \(.message)"')" = "True EvictionByEvictionAPI Eviction API: evicting" ]
    sleep 2
    [ "$(k get pod "$pod" -o jsonpath="$dt" | jq -r .reason)" = EvictionByEvictionAPI ]

    k delete poddisruptionbudget pdbweb
    k delete deployment pdbweb
    wait_for 60 eval '[ "$(k get pods -l app=pdbweb -o name | wc -l)" = 0 ]'
}

@test "ServiceAccounts: every namespace has a default one (made again when deleted); kubectl create serviceaccount (protobuf)" {
    wait_for 20 k get serviceaccount default
    k create serviceaccount robot
    run k get sa
    [[ "${lines[0]}" =~ ^NAME\ +SECRETS\ +AGE ]]
    [[ "$output" == *default*robot* ]]
    k create namespace sans
    wait_for 20 k get serviceaccount default -n sans
    k delete serviceaccount default -n sans
    wait_for 20 k get serviceaccount default -n sans
    k delete namespace sans
    k delete serviceaccount robot
}

@test "LimitRange and ResourceQuota: a default limit the runtime enforces (OOMKilled); creates past the quota refused; get and describe quota show the use" {
    k create namespace team
    k -n team apply -f - <<'EOF2'
apiVersion: v1
kind: LimitRange
metadata: {name: mem}
spec:
  limits:
  - type: Container
    default: {memory: 24Mi}
    defaultRequest: {memory: 16Mi}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: caps}
spec:
  hard: {pods: "2", limits.memory: 64Mi}
EOF2
    # no limit of its own: the LimitRange's 24Mi holds it
    k -n team apply -f - <<'EOF2'
apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  restartPolicy: Never
  containers:
  - name: hog
    image: busybox
    command: [sh, -c, 'head -c 300000000 /dev/zero | tail']
EOF2
    [ "$(k -n team get pod hog -o jsonpath='{.spec.containers[0].resources.limits.memory}')" = 24Mi ]
    wait_for 60 eval '[ "$(k -n team get pod hog -o jsonpath={.status.phase})" = Failed ]'
    [ "$(k -n team get pod hog -o jsonpath='{.status.containerStatuses[0].state.terminated.reason}')" = OOMKilled ]
    # a pod that ended counts no more
    k -n team run a --image=busybox --restart=Never --command -- sleep 3600
    k -n team run b --image=busybox --restart=Never --command -- sleep 3600
    run k -n team run c --image=busybox --restart=Never --command -- sleep 3600
    [ "$status" = 1 ]
    [[ "$output" == *'pods "c" is forbidden: exceeded quota: caps, requested: limits.memory=24Mi,pods=1, used: limits.memory=48Mi,pods=2, limited: limits.memory=64Mi,pods=2'* ]]
    wait_for 20 eval '[ "$(k -n team get quota caps -o jsonpath={.status.used.pods})" = 2 ]'
    run k -n team get quota
    [ "$status" = 0 ] && [[ "$output" == *"caps"*"pods: 2/2"*"limits.memory: 48Mi/64Mi"* ]]
    run k -n team describe quota caps
    [ "$status" = 0 ] && [[ "$output" == *"limits.memory  48Mi  64Mi"* ]] && [[ "$output" == *"pods           2     2"* ]]
    wait_for 60 eval '[ "$(k -n team get pod a -o jsonpath={.status.phase})" = Running ]'
    # deleted: its share is free again, and the status says so
    # --grace-period=1, not the pod's 30 s: gone well before those
    k -n team delete pod a --grace-period=1 --wait=false
    wait_for 20 eval '! k -n team get pod a >/dev/null 2>&1'
    wait_for 20 eval '[ "$(k -n team get quota caps -o jsonpath={.status.used.pods})" = 1 ]'
    k -n team run c --image=busybox --restart=Never --command -- sleep 3600
    k delete namespace team --wait=false
    wait_for 60 eval '! k get namespace team >/dev/null 2>&1'
}

cpu_milli() { # "2" or "1900m" -> millicores
    case $1 in
    *m) echo "${1%m}" ;;
    *) echo $(($1 * 1000)) ;;
    esac
}

@test "PriorityClasses: admission gives pods their class's priority, in Kubernetes' words when it cannot; a higher pod preempts a running lower one, which the kubelet stops" {
    run k get priorityclasses
    [ "$status" = 0 ]
    [[ "$output" == *"system-cluster-critical   2000000000   false"* ]]
    [[ "$output" == *"system-node-critical      2000001000   false"* ]]
    k create priorityclass bulk --value=-10 --description="batch work"
    k create priorityclass urgent --value=1000 --preemption-policy=PreemptLowerPriority
    k create priorityclass usual --value=5 --global-default
    run k create priorityclass second --value=6 --global-default
    [ "$status" = 1 ]
    [[ "$output" == *'priorityclasses.scheduling.k8s.io "second" is forbidden: PriorityClass usual is already marked as default. Only one default can exist'* ]]
    run k create priorityclass system-mine --value=5
    [ "$status" = 1 ]
    [[ "$output" == *"metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"* ]]
    run k create priorityclass huge --value=1000000001
    [[ "$output" == *"value: Forbidden: maximum allowed value of a user defined priority is 1000000000"* ]]
    run k patch priorityclass urgent --type merge -p '{"value":7}'
    [[ "$output" == *"value: Forbidden: may not be changed in an update."* ]]
    # No class named: the global default's; an unknown one: refused.
    k run plain --image=busybox --restart=Never --command -- sleep 3600
    [ "$(k get pod plain -o jsonpath='{.spec.priorityClassName} {.spec.priority} {.spec.preemptionPolicy}')" = "usual 5 PreemptLowerPriority" ]
    k delete pod plain --grace-period=1 --wait=false
    k delete priorityclass usual
    run k run lost --image=busybox --overrides='{"spec":{"priorityClassName":"nope"}}'
    [ "$status" = 1 ]
    [[ "$output" == *'pods "lost" is forbidden: no PriorityClass with name nope was found'* ]]
    run k run forged --image=busybox --overrides='{"spec":{"priorityClassName":"bulk","priority":99}}'
    [[ "$output" == *'the integer value of priority (99) must not be provided in pod spec; priority admission controller computed -10 from the given PriorityClass name'* ]]
    # Preemption on the real node: low takes 60% of its CPU, urgent wants
    # as much; low goes (the kubelet stops it), urgent runs in its place.
    alloc=$(k get node knode -o jsonpath='{.status.allocatable.cpu}')
    want=$(( $(cpu_milli "$alloc") * 6 / 10 ))m
    for p in low:bulk urgent:urgent; do
        k apply -f - <<EOF2
apiVersion: v1
kind: Pod
metadata: {name: ${p%%:*}}
spec:
  priorityClassName: ${p#*:}
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command: [sleep, "3600"]
    resources: {requests: {cpu: $want}}
EOF2
        [ "$p" = urgent:urgent ] || wait_for 60 eval '[ "$(k get pod low -o jsonpath={.status.phase})" = Running ]'
    done
    wait_for 30 eval '! k get pod low >/dev/null 2>&1'
    wait_for 60 eval '[ "$(k get pod urgent -o jsonpath={.status.phase})" = Running ]'
    [ "$(k get pod urgent -o jsonpath='{.spec.nodeName} {.spec.priority} {.status.nominatedNodeName}')" = "knode 1000 " ]
    run k get events --field-selector involvedObject.name=low -o jsonpath='{range .items[*]}{.reason}: {.message}{"\n"}{end}'
    [[ "$output" == *"Preempted: Preempted by pod $(k get pod urgent -o jsonpath={.metadata.uid}) on node knode"* ]]
    k delete pod urgent --grace-period=1
    k delete priorityclass bulk urgent
}

@test "kubectl debug: an ephemeral container joins a running pod (its target's processes in view), logs and -i; never restarted; refused where Kubernetes refuses" {
    k debug talk --image=busybox -c dbg --target=c -- sh -c 'echo seen:; ps -o args'
    st='{.status.ephemeralContainerStatuses[?(@.name=="dbg")].state.terminated.exitCode}'
    wait_for 60 eval '[ "$(k get pod talk -o jsonpath="$st")" = 0 ]'
    run k logs talk -c dbg
    echo "logs: $output"
    [[ "$output" == *"seen:"*"sleep 3600"* ]] # the target's process, in a PID namespace shared
    # The pod is as it was: running, nothing restarted, the debugger done for good.
    [ "$(k get pod talk -o jsonpath='{.status.phase} {.status.containerStatuses[*].restartCount}')" = "Running 0 0" ]
    sleep 2
    [ "$(k get pod talk -o jsonpath="$st")" = 0 ]
    # -i: the container's stdin is ours (attach).
    run bash -c "echo 'echo hello-from-debug; exit 3' | nsenter --net=/var/run/netns/$NETNS timeout 60 kubectl --kubeconfig $KC debug -i talk --image=busybox -c dbg2 -- sh"
    [[ "$output" == *hello-from-debug* ]]
    wait_for 30 eval '[ "$(k get pod talk -o jsonpath="{.status.ephemeralContainerStatuses[?(@.name==\"dbg2\")].state.terminated.exitCode}")" = 3 ]'
    # Added only, through the subresource; never on create, never removed.
    run k patch pod talk --subresource=ephemeralcontainers --type=json -p '[{"op":"remove","path":"/spec/ephemeralContainers/0"}]'
    [ "$status" -ne 0 ]
    [[ "$output" == *'spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be removed'* ]]
    run k debug talk --image=busybox -c c
    [ "$status" -ne 0 ]
    [[ "$output" == *'Duplicate value: "c"'* ]]
    run k run eph --image=busybox --overrides='{"spec":{"ephemeralContainers":[{"name":"x","image":"busybox"}]}}'
    [ "$status" -ne 0 ]
    [[ "$output" == *"spec.ephemeralContainers: Forbidden: cannot be set on create"* ]]
    # A plain update of the pod leaves them as they are.
    k get pod talk -o json | jq 'del(.spec.ephemeralContainers)' | k replace -f -
    [ "$(k get pod talk -o jsonpath='{.spec.ephemeralContainers[*].name}')" = "dbg dbg2" ]
}
