#!/usr/bin/env bats
# rkubectl: kubectl's commands as file operations on a real mount of a real
# mk-apiserver; and its bash completion.

load helpers
load fs_helpers

setup_file() {
    start_apiserver
    start_mount
    export MINIK8S_MOUNT=$MK_MNT
    TMPD=$BATS_FILE_TMPDIR
    export TMPD
    cat >"$TMPD/web.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
  - name: side
    image: busybox
EOF
    cat >"$TMPD/front.yaml" <<'EOF'
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: front
spec:
  replicas: 2
  selector:
    matchLabels: {app: front}
  template:
    metadata:
      labels: {app: front}
    spec:
      containers:
      - name: app
        image: busybox
---
apiVersion: v1
kind: Service
metadata:
  name: front
spec:
  selector: {app: front}
  ports:
  - port: 80
EOF
}

teardown_file() {
    stop_mount
    stop_all_apiservers
}

rk() { "$MK_ROOT/tools/rkubectl" "$@"; }

@test "rkubectl create -f FILE, then get as an aligned table" {
    run rk create -f "$TMPD/web.yaml"
    [ "$status" -eq 0 ]
    [ "$output" = "pod/web created" ]
    run rk get pods
    [ "$status" -eq 0 ]
    [[ ${lines[0]} =~ ^NAME\ +READY\ +STATUS\ +RESTARTS\ +AGE$ ]]
    [[ ${lines[1]} =~ ^web\ +0/2\ +Pending\ +0\ +[0-9]+s$ ]]
    run rk get po web -o wide
    [[ ${lines[0]} =~ ^NAME\ +READY\ +STATUS\ +RESTARTS\ +AGE\ +IP\ +NODE$ ]]
    # header and row columns line up
    local h=${lines[0]%%STATUS*} r=${lines[1]%%Pending*}
    [ ${#h} -eq ${#r} ]
}

@test "rkubectl create: errors show the mount's .errors message and exit non-zero" {
    run rk create -f "$TMPD/web.yaml"
    [ "$status" -ne 0 ]
    [[ $output == *'pods "web" already exists (EEXIST)'* ]]
    printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: nocontainers}\nspec: {}\n' >"$TMPD/bad.yaml"
    run rk create -f "$TMPD/bad.yaml"
    [ "$status" -ne 0 ]
    [[ $output == *"spec.containers"*"(EINVAL)"* ]]
    run rk get pods nonesuch
    [ "$status" -ne 0 ]
    [[ $output == *'"nonesuch" not found'* ]]
    run rk get nokind
    [ "$status" -ne 0 ]
}

@test "rkubectl apply -f: creates, then replaces; multi-document; folder of files" {
    run rk apply -f "$TMPD/front.yaml"
    [ "$status" -eq 0 ]
    [[ $output == *"replicaset/front created"* ]]
    [[ $output == *"service/front created"* ]]
    sed -i 's/replicas: 2/replicas: 3/' "$TMPD/front.yaml"
    run rk apply -f "$TMPD/front.yaml"
    [ "$status" -eq 0 ]
    [[ $output == *"replicaset/front configured"* ]]
    [ "$(cat "$MK_MNT/replicasets/front/scale")" = 3 ]
    mkdir -p "$TMPD/dir"
    sed 's/name: web/name: web2/' "$TMPD/web.yaml" >"$TMPD/dir/web2.yaml"
    run rk apply -f "$TMPD/dir"
    [ "$status" -eq 0 ]
    [ "$output" = "pod/web2 created" ]
}

@test "rkubectl get: kind aliases and the tables for rs, svc, nodes, others" {
    run rk get rs
    [[ ${lines[0]} =~ ^NAME\ +DESIRED\ +CURRENT\ +READY\ +AGE$ ]]
    [[ ${lines[1]} =~ ^front\ +3\ +0\ +0\ + ]]
    run rk get svc
    [[ ${lines[0]} =~ ^NAME\ +TYPE\ +CLUSTER-IP\ +PORT\(S\)\ +AGE$ ]]
    [[ ${lines[1]} =~ ^front\ +ClusterIP\ +.*80/TCP ]]
    create_json /api/v1/nodes '{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{"node-role.kubernetes.io/worker":""}},"status":{"conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v0.1"}}}'
    wait_for 5 test -d "$MK_MNT/nodes/n1"
    run rk get no
    [[ ${lines[0]} =~ ^NAME\ +STATUS\ +ROLES\ +AGE\ +VERSION$ ]]
    [[ ${lines[1]} =~ ^n1\ + ]]
    run rk get ns
    [[ ${lines[0]} =~ ^NAME\ +AGE$ ]]
    [[ $output == *default* ]]
    for alias in po pod pods Pod; do
        run rk get "$alias" -o name
        [[ $output == *"pod/web"* ]] || { echo "alias $alias: $output"; false; }
    done
}

@test "rkubectl get -o yaml|json, -n and -A" {
    run rk get pod web -o yaml
    [[ ${lines[0]} == "apiVersion: v1" ]]
    [[ $output == *"name: web"* ]]
    run rk get pod web -o json
    [[ $output == *'"kind": "Pod"'* ]]
    create_json /api/v1/namespaces '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}}'
    wait_for 5 test -d "$MK_MNT/namespaces/team"
    sed 's/name: web/name: teamweb/' "$TMPD/web.yaml" >"$TMPD/teamweb.yaml"
    run rk create -f "$TMPD/teamweb.yaml" -n team
    [ "$status" -eq 0 ]
    run rk get pods -n team
    [[ $output == *teamweb* && $output != *" web "* ]]
    run rk get pods -A
    [[ ${lines[0]} =~ ^NAMESPACE\ +NAME\ +READY ]]
    [[ $output == *"team "*teamweb* ]]
    [[ $output == *"default "*web* ]]
}

@test "rkubectl get -w prints a row per change" {
    timeout 5 "$MK_ROOT/tools/rkubectl" get pods -w >"$TMPD/watch.out" 2>&1 &
    local w=$!
    sleep 1
    sed 's/name: web/name: watched/' "$TMPD/web.yaml" >"$TMPD/watched.yaml"
    rk create -f "$TMPD/watched.yaml"
    wait "$w" || true
    grep -Eq '^watched +0/2 +Pending' "$TMPD/watch.out"
}

@test "rkubectl describe, label, patch, scale" {
    run rk describe pod web
    [[ ${lines[0]} =~ ^Name:\ +web$ ]]
    [[ $output == *"Labels:"*"app=web"* ]]
    [[ ${lines[-1]} =~ ^Events:\ +\<none\>$ ]]
    # An Event about it (written as a file, as any object) ends the description.
    cat >"$TMPD/ev.yaml" <<EOF
apiVersion: v1
kind: Event
metadata: {name: web.17a0c3f1e2d4b5a6}
involvedObject: {kind: Pod, name: web, namespace: default}
type: Warning
reason: BackOff
message: Back-off restarting failed container app
source: {component: kubelet}
count: 3
firstTimestamp: "$(date -u -d '-90 sec' +%Y-%m-%dT%H:%M:%SZ)"
lastTimestamp: "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
EOF
    cp "$TMPD/ev.yaml" "$MK_MNT/events/"
    run rk describe pod web
    [[ $output == *"Events:"*"Type"*"Reason"*"Age"*"From"*"Message"* ]]
    [[ ${lines[-1]} == *Warning*BackOff*"(x3 over 9"*kubelet*"Back-off restarting failed container app" ]]
    rm -r "$MK_MNT/events/web.17a0c3f1e2d4b5a6"
    run rk label po web tier=frontend
    [ "$output" = "pod/web labeled" ]
    grep -q 'tier: frontend' "$MK_MNT/pods/web/manifest.yaml"
    run rk label po web tier-
    ! grep -q 'tier: frontend' "$MK_MNT/pods/web/manifest.yaml"
    run rk patch pod web -p '{"metadata":{"annotations":{"note":"hi"}}}'
    [ "$status" -eq 0 ]
    [ "$output" = "pod/web patched" ]
    grep -q 'note: hi' "$MK_MNT/pods/web/manifest.yaml"
    run rk patch pod web -p '{"spec":{"containers":null}}'
    [ "$status" -ne 0 ]
    [[ $output == *"(EINVAL)"* ]]
    run rk scale rs front --replicas=7
    [ "$output" = "replicaset/front scaled" ]
    [ "$(cat "$MK_MNT/replicasets/front/scale")" = 7 ]
}

@test "rkubectl never prints a Secret's values" {
    create_json /api/v1/namespaces/default/secrets '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"data":{"password":"aHVudGVyMg=="}}'
    wait_for 5 test -d "$MK_MNT/secrets/db"
    for args in "get secrets" "get secret db -o yaml" "get secret db -o json" "describe secret db"; do
        # shellcheck disable=SC2086
        run rk $args
        [ "$status" -eq 0 ]
        [[ $output != *aHVudGVyMg* && $output != *hunter2* ]] || { echo "$args leaked: $output"; false; }
    done
    run rk describe secret db
    [[ $output == *"password:"*"7 bytes"* ]]
    run rk get secrets
    [[ ${lines[1]} =~ ^db\ +Opaque\ +1\ + ]]
}

@test "rkubectl logs and exec: the mount's error while no kubelet serves them" {
    run timeout 10 "$MK_ROOT/tools/rkubectl" logs web -c app
    [ "$status" -ne 0 ] && [ "$status" -ne 124 ]
    [[ $output == *"(EIO)"* ]]
    run timeout 10 "$MK_ROOT/tools/rkubectl" exec web -- ls /
    [ "$status" -ne 0 ] && [ "$status" -ne 124 ]
    [[ $output == *"(EIO)"* ]]
    run rk logs web -c nonesuch
    [[ $output == *"container nonesuch is not valid"* ]]
}

@test "rkubectl delete KIND NAME and -f FILE" {
    run rk delete pod web2
    [ "$status" -eq 0 ]
    [ "$output" = 'pod "web2" deleted' ]
    [ ! -e "$MK_MNT/pods/web2" ]
    run rk delete -f "$TMPD/front.yaml"
    [ "$status" -eq 0 ]
    [[ $output == *'replicaset "front" deleted'* ]]
    [[ $output == *'service "front" deleted'* ]]
    run rk delete pod web2
    [ "$status" -ne 0 ]
    [[ $output == *"not found"* ]]
}

@test "completion: commands, kinds, names from the mount, namespaces, flags, containers" {
    source "$MK_ROOT/tools/completion/rkubectl.bash"
    complete -p rkubectl | grep -q _rkubectl
    COMP_WORDS=(rkubectl ge); COMP_CWORD=1; _rkubectl
    [ "${COMPREPLY[*]}" = get ]
    COMP_WORDS=(rkubectl get r); COMP_CWORD=2; _rkubectl
    [ "${COMPREPLY[*]}" = "replicasets rs roles rolebindings resourcequotas" ]
    COMP_WORDS=(rkubectl get st); COMP_CWORD=2; _rkubectl
    [ "${COMPREPLY[*]}" = "statefulsets sts storageclasses" ]
    COMP_WORDS=(rkubectl get pd); COMP_CWORD=2; _rkubectl
    [ "${COMPREPLY[*]}" = "pdb" ]
    COMP_WORDS=(rkubectl describe po w); COMP_CWORD=3; _rkubectl
    [[ " ${COMPREPLY[*]} " == *" web "* && " ${COMPREPLY[*]} " == *" watched "* ]]
    COMP_WORDS=(rkubectl get pods -n t); COMP_CWORD=4; _rkubectl
    [ "${COMPREPLY[*]}" = team ]
    COMP_WORDS=(rkubectl get pods -n team t); COMP_CWORD=5; _rkubectl
    [ "${COMPREPLY[*]}" = teamweb ]
    COMP_WORDS=(rkubectl get pods --a); COMP_CWORD=3; _rkubectl
    [ "${COMPREPLY[*]}" = --all-namespaces ]
    COMP_WORDS=(rkubectl get pods -o y); COMP_CWORD=4; _rkubectl
    [ "${COMPREPLY[*]}" = yaml ]
    COMP_WORDS=(rkubectl logs web -c s); COMP_CWORD=4; _rkubectl
    [ "${COMPREPLY[*]}" = side ]
    COMP_WORDS=(rkubectl exec w); COMP_CWORD=2; _rkubectl
    [[ " ${COMPREPLY[*]} " == *" web "* ]]
}
