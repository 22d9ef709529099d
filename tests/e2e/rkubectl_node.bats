#!/usr/bin/env bats
# rkubectl logs and exec through the mount, with a real node behind them:
# a one-node cluster of lib/cluster.bash (mk-apiserver, mk-scheduler, node
# IPAM, one mk-kubelet on runc in its own network namespace, mk-fs).

load helpers
load lib/cluster

setup_file() {
    export CLUSTER_NET=172.31.251 CLUSTER_NS=mkn CLUSTER_NODES=1 \
        CLUSTER_CM_FLAGS='--controllers nodeipam'
    cluster_up
    export MINIK8S_MOUNT=$MNT
}

teardown_file() {
    cluster_down
}

rk() { "$MK_ROOT/tools/rkubectl" "$@"; }

running() { rk get pod "$1" | grep -q Running; }

@test "rkubectl logs, logs -f and exec (exit status, stderr, quoting) with a real kubelet" {
    cat >"$E2E_DIR/talk.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: talk}
spec:
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "echo hello-log; sleep 3600"]
EOF
    rk create -f "$E2E_DIR/talk.yaml"
    wait_for 30 running talk
    run rk get pods -o wide
    [[ ${lines[1]} =~ ^talk\ +1/1\ +Running\ +0\ +.*\ +node1$ ]] || { echo "$output"; false; }
    wait_for 10 bash -c "'$MK_ROOT/tools/rkubectl' logs talk | grep -q hello-log"
    timeout 3 "$MK_ROOT/tools/rkubectl" logs -f talk >"$E2E_DIR/follow.out" || true
    grep -q hello-log "$E2E_DIR/follow.out"
    run rk exec talk -- sh -c 'echo out; echo err >&2; exit 4'
    [ "$status" -eq 4 ]
    [[ $output == *out* && $output == *err* ]]
    run rk exec talk -- echo "a  b" '$HOME'
    [ "$status" -eq 0 ]
    [ "$output" = 'a  b $HOME' ]
    # The exec file itself: write commands, read the output until sh exits.
    run timeout 10 bash -c "exec 3<>'$MNT/pods/talk/exec/c'; printf 'echo via-file\nexit\n' >&3; cat <&3"
    [ "$status" -eq 0 ]
    [ "$output" = via-file ]
}

@test "rkubectl attach: output, and with -i the stdin the pod kept open" {
    cat >"$E2E_DIR/chat.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: chat}
spec:
  containers:
  - name: c
    image: busybox
    stdin: true
    command: ["sh", "-c", "while read l; do echo \"got:$l\"; done"]
EOF
    rk create -f "$E2E_DIR/chat.yaml"
    wait_for 30 running chat
    # Lines in, answers out; the pod keeps its stdin (no stdinOnce), so the
    # session ends when this side is done: timeout ends it.
    # (mk-exec underneath talks to the API server itself: it needs the token)
    run timeout 5 bash -c "(printf 'one\ntwo\n'; sleep 3) |
        MINIK8S_TOKEN_FILE='$E2E_DIR/admin.token' '$MK_ROOT/tools/rkubectl' attach -i chat"
    [[ $output == *got:one*got:two* ]]
    run rk attach chat -- true
    [ "$status" -ne 0 ]
    [[ $output == *usage* ]]
    rk delete pod chat
}
