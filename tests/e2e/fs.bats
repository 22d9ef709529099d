#!/usr/bin/env bats
# mk-fs: the cluster as a filesystem, through a real mount of a real
# mk-apiserver (issue 3). One server and one mount for the file; every test
# uses its own object names.

load helpers
load fs_helpers

pod_yaml() { # NAME [NAMESPACE]
    cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $1
${2:+  namespace: $2}
  labels:
    app: $1
spec:
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
EOF
}

setup_file() {
    start_apiserver
    start_mount
    fs_probe
    export FS_PROBE
    TMPD=$BATS_FILE_TMPDIR
    export TMPD
}

teardown_file() {
    stop_mount
    stop_all_apiservers
}

@test "mk-fs: --help and a clear error when the server is not there" {
    run "$MK_BIN/mk-fs" --help
    [ "$status" -eq 0 ]
    [[ $output == *"--server URL"* ]]
    local mnt
    mnt=$(mktemp -d /tmp/mk-fs-none.XXXXXX)
    run timeout 20 "$MK_BIN/mk-fs" --server "http://127.0.0.1:$(free_port)" "$mnt"
    rmdir "$mnt"
    [ "$status" -eq 1 ]
    [[ $output == *"mk-fs: cannot start"* ]]
    [ "$(echo "$output" | wc -l)" -eq 1 ]
}

@test "ls: the root holds every kind's folder, .watch and .errors" {
    run ls -A "$MK_MNT"
    [ "$status" -eq 0 ]
    for d in pods nodes services endpoints configmaps secrets events replicasets \
        horizontalpodautoscalers ingresses namespaces functions workflows gpujobs .watch .errors; do
        [[ " $(echo $output) " == *" $d "* ]] || { echo "missing $d"; false; }
    done
    ls "$MK_MNT/namespaces" | grep -qx default
    [ -d "$MK_MNT/namespaces/default/pods" ]
}

@test "cp into pods/ creates the pod; the file name gives way to its folder" {
    pod_yaml cp1 >"$TMPD/cp1.yaml"
    cp "$TMPD/cp1.yaml" "$MK_MNT/pods/"
    [ -d "$MK_MNT/pods/cp1" ]
    [ ! -e "$MK_MNT/pods/cp1.yaml" ]
    run ls "$MK_MNT/pods/cp1"
    [ "$output" = "$(printf 'exec\nlogs\nmanifest.yaml\nstatus')" ]
    grep -q '^kind: Pod' "$MK_MNT/pods/cp1/manifest.yaml"
    grep -q 'image: busybox' "$MK_MNT/pods/cp1/manifest.yaml"
    grep -q 'phase:' "$MK_MNT/pods/cp1/status"
    # The API agrees.
    req GET /api/v1/namespaces/default/pods/cp1
    [ "$CODE" = 200 ]
}

@test "files report their true size" {
    pod_yaml size1 | cp /dev/stdin "$MK_MNT/pods/size1.yaml"
    for f in manifest.yaml status; do
        [ "$(stat -c %s "$MK_MNT/pods/size1/$f")" -eq "$(cat "$MK_MNT/pods/size1/$f" | wc -c)" ]
    done
}

@test "cp into the root takes the kind from the manifest; namespaces/<ns>/ sets the namespace" {
    pod_yaml root1 >"$TMPD/root1.yaml"
    cp "$TMPD/root1.yaml" "$MK_MNT/"
    [ -d "$MK_MNT/pods/root1" ]
    [ "$(create_json /api/v1/namespaces '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}}')" = 201 ]
    wait_for 5 test -d "$MK_MNT/namespaces/team"
    pod_yaml nsp1 >"$TMPD/nsp1.yaml"
    cp "$TMPD/nsp1.yaml" "$MK_MNT/namespaces/team/"
    [ -d "$MK_MNT/namespaces/team/pods/nsp1" ]
    [ ! -e "$MK_MNT/pods/nsp1" ]
    grep -q 'namespace: team' "$MK_MNT/namespaces/team/pods/nsp1/manifest.yaml"
    # namespaces/<ns>/ is also the Namespace's own folder
    grep -q '^kind: Namespace' "$MK_MNT/namespaces/team/manifest.yaml"
}

@test "a multi-document file creates every document" {
    cat >"$TMPD/multi.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: multi-a
data:
  k: "1"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: multi-b
data:
  k: "2"
EOF
    cp "$TMPD/multi.yaml" "$MK_MNT/configmaps/"
    [ -d "$MK_MNT/configmaps/multi-a" ]
    [ -d "$MK_MNT/configmaps/multi-b" ]
}

@test "refused creates fail close() with a fitting errno, log .errors, change nothing" {
    # kind does not match the folder
    sed 's/kind: Pod/kind: ConfigMap/' <(pod_yaml bad1) >"$TMPD/bad1.yaml"
    run cp "$TMPD/bad1.yaml" "$MK_MNT/pods/"
    [ "$status" -ne 0 ]
    [[ $output == *"Invalid argument"* ]]
    [[ $(errors_line pods/bad1.yaml) == *" EINVAL "*"does not belong in the pods folder"* ]]
    # invalid YAML
    printf 'kind: Pod\nmetadata: [oops\n' >"$TMPD/bad2.yaml"
    run cp "$TMPD/bad2.yaml" "$MK_MNT/pods/"
    [[ $output == *"Invalid argument"* ]]
    [[ $(errors_line pods/bad2.yaml) == *" EINVAL line "* ]]
    # a name that is not DNS-1123
    pod_yaml Bad_Name >"$TMPD/bad3.yaml"
    run cp "$TMPD/bad3.yaml" "$MK_MNT/pods/"
    [[ $output == *"Invalid argument"* ]]
    [[ $(errors_line pods/bad3.yaml) == *"metadata.name"* ]]
    # 10 MiB of garbage
    head -c 10M /dev/urandom >"$TMPD/garbage"
    run cp "$TMPD/garbage" "$MK_MNT/pods/"
    [ "$status" -ne 0 ]
    [[ $output == *"File too large"* ]]
    [[ $(errors_line pods/garbage) == *" EFBIG "* ]]
    # nothing changed: no stray files, no objects
    run ls -A "$MK_MNT/pods"
    [[ $output != *bad* && $output != *garbage* && $output != *Bad* ]]
    req GET /api/v1/namespaces/default/configmaps/bad1
    [ "$CODE" = 404 ]
}

@test "creating an object twice fails with EEXIST" {
    pod_yaml twice >"$TMPD/twice.yaml"
    cp "$TMPD/twice.yaml" "$MK_MNT/pods/"
    run cp "$TMPD/twice.yaml" "$MK_MNT/pods/"
    [ "$status" -ne 0 ]
    [[ $output == *"File exists"* ]]
    [[ $(errors_line pods/twice.yaml) == *" EEXIST "* ]]
}

@test "status is read-only; unknown files in an object folder are refused" {
    pod_yaml ro1 | cp /dev/stdin "$MK_MNT/pods/ro1.yaml"
    run bash -c "echo x > '$MK_MNT/pods/ro1/status'"
    [ "$status" -ne 0 ]
    [[ $output == *"Permission denied"* ]]
    [[ $(errors_line pods/ro1/status) == *" EACCES "*"read-only"* ]]
    run bash -c "echo x > '$MK_MNT/pods/ro1/notes'"
    [ "$status" -ne 0 ]
    [[ $(errors_line pods/ro1/notes) == *" EPERM "*"unknown file"* ]]
    [ ! -e "$MK_MNT/pods/ro1/notes" ]
    run cat "$MK_MNT/pods/ro1/nonesuch"
    [ "$status" -ne 0 ]
}

@test "edit: writing manifest.yaml replaces the object" {
    pod_yaml ed1 | cp /dev/stdin "$MK_MNT/pods/ed1.yaml"
    sed 's/image: busybox/image: busybox:edit1/' "$MK_MNT/pods/ed1/manifest.yaml" >"$TMPD/ed1.new"
    cat "$TMPD/ed1.new" >"$MK_MNT/pods/ed1/manifest.yaml"
    grep -q 'image: busybox:edit1' "$MK_MNT/pods/ed1/manifest.yaml"
    req GET /api/v1/namespaces/default/pods/ed1
    [[ $BODY == *'"image":"busybox:edit1"'* ]]
}

@test "edit: sed -i" {
    pod_yaml ed2 | cp /dev/stdin "$MK_MNT/pods/ed2.yaml"
    sed -i 's/image: busybox/image: busybox:sed/' "$MK_MNT/pods/ed2/manifest.yaml"
    grep -q 'image: busybox:sed' "$MK_MNT/pods/ed2/manifest.yaml"
    # the editor's temp file is gone
    [ "$(ls -A "$MK_MNT/pods/ed2" | grep -c sed)" -eq 0 ]
}

@test "edit: vim (ex mode, scripted), swap and backup files included" {
    pod_yaml ed3 | cp /dev/stdin "$MK_MNT/pods/ed3.yaml"
    HOME=$TMPD vi -es -c '%s/image: busybox/image: busybox:vim/' -c wq "$MK_MNT/pods/ed3/manifest.yaml"
    grep -q 'image: busybox:vim' "$MK_MNT/pods/ed3/manifest.yaml"
    # with an explicit backup (rename manifest.yaml -> manifest.yaml~, write anew)
    HOME=$TMPD vi -es -c 'set backup writebackup backupcopy=no' \
        -c '%s/busybox:vim/busybox:vim2/' -c wq "$MK_MNT/pods/ed3/manifest.yaml"
    grep -q 'image: busybox:vim2' "$MK_MNT/pods/ed3/manifest.yaml"
}

@test "edit: write a temp file, then mv it over manifest.yaml" {
    pod_yaml ed4 | cp /dev/stdin "$MK_MNT/pods/ed4.yaml"
    sed 's/image: busybox/image: busybox:mv/' "$MK_MNT/pods/ed4/manifest.yaml" >"$TMPD/ed4.new"
    cp "$TMPD/ed4.new" "$MK_MNT/pods/ed4/manifest.yaml.tmp"
    mv "$MK_MNT/pods/ed4/manifest.yaml.tmp" "$MK_MNT/pods/ed4/manifest.yaml"
    grep -q 'image: busybox:mv' "$MK_MNT/pods/ed4/manifest.yaml"
    [ ! -e "$MK_MNT/pods/ed4/manifest.yaml.tmp" ]
    # and from outside the mount (mv copies)
    sed 's/busybox:mv/busybox:mv2/' "$MK_MNT/pods/ed4/manifest.yaml" >"$TMPD/ed4.out"
    mv "$TMPD/ed4.out" "$MK_MNT/pods/ed4/manifest.yaml"
    grep -q 'image: busybox:mv2' "$MK_MNT/pods/ed4/manifest.yaml"
}

@test "edit: a change made after open fails the edit with EBUSY, never overwrites it" {
    pod_yaml ed5 | cp /dev/stdin "$MK_MNT/pods/ed5.yaml"
    sed 's/image: busybox/image: busybox:lost/' "$MK_MNT/pods/ed5/manifest.yaml" >"$TMPD/ed5.new"
    run "$FS_PROBE" write-after "$MK_MNT/pods/ed5/manifest.yaml" "$TMPD/ed5.new" \
        curl -sS -o /dev/null -X PATCH -H 'Content-Type: application/merge-patch+json' \
        -d '{"metadata":{"labels":{"other":"writer"}}}' "$MK_SERVER/api/v1/namespaces/default/pods/ed5"
    [ "$output" = "close EBUSY" ]
    [[ $(errors_line pods/ed5/manifest.yaml) == *" EBUSY "* ]]
    grep -q 'other: writer' "$MK_MNT/pods/ed5/manifest.yaml"
    ! grep -q 'busybox:lost' "$MK_MNT/pods/ed5/manifest.yaml"
}

@test "nodes/<n>/labels: >> adds a label, > replaces the set" {
    [ "$(create_json /api/v1/nodes '{"apiVersion":"v1","kind":"Node","metadata":{"name":"lab1","labels":{"zone":"a"}}}')" = 201 ]
    wait_for 5 test -d "$MK_MNT/nodes/lab1"
    [ "$(cat "$MK_MNT/nodes/lab1/labels")" = "zone=a" ]
    echo disk=ssd >>"$MK_MNT/nodes/lab1/labels"
    [ "$(sort "$MK_MNT/nodes/lab1/labels" | tr '\n' ' ')" = "disk=ssd zone=a " ]
    printf 'gpu=true\n' >"$MK_MNT/nodes/lab1/labels"
    [ "$(cat "$MK_MNT/nodes/lab1/labels")" = "gpu=true" ]
    req GET /api/v1/nodes/lab1
    [[ $BODY == *'"labels":{"gpu":"true"}'* ]]
}

@test "replicasets/<n>/scale: echo N > scale" {
    cat >"$TMPD/rs1.yaml" <<'EOF'
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: rs1
spec:
  replicas: 2
  selector:
    matchLabels: {app: rs1}
  template:
    metadata:
      labels: {app: rs1}
    spec:
      containers:
      - name: app
        image: busybox
EOF
    cp "$TMPD/rs1.yaml" "$MK_MNT/replicasets/"
    [ "$(cat "$MK_MNT/replicasets/rs1/scale")" = 2 ]
    echo 5 >"$MK_MNT/replicasets/rs1/scale"
    [ "$(cat "$MK_MNT/replicasets/rs1/scale")" = 5 ]
    req GET /apis/apps/v1/namespaces/default/replicasets/rs1
    [[ $BODY == *'"replicas":5'* ]]
    run bash -c "echo lots > '$MK_MNT/replicasets/rs1/scale'"
    [ "$(cat "$MK_MNT/replicasets/rs1/scale")" = 5 ]
    [[ $(errors_line replicasets/rs1/scale) == *" EINVAL "* ]]
}

@test "gpujobs/<n>/output: the job's output ConfigMap, stdout then stderr" {
    cat >"$TMPD/gj1.yaml" <<'EOF'
apiVersion: minik8s.io/v1
kind: GpuJob
metadata:
  name: gj1
spec:
  sources:
  - name: a.cu
    content: "int main() { return 0; }"
  build: ["nvcc -o a a.cu"]
  run: ["./a"]
  hpc:
    secretRef: {name: hpc}
EOF
    cp "$TMPD/gj1.yaml" "$MK_MNT/gpujobs/"
    [ -e "$MK_MNT/gpujobs/gj1/output" ]
    [ "$(cat "$MK_MNT/gpujobs/gj1/output")" = "" ]
    [ "$(create_json /api/v1/namespaces/default/configmaps '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"gj1-output"},"data":{"stdout":"PASS\n","stderr":"warn\n"}}')" = 201 ]
    wait_for 5 grep -q PASS "$MK_MNT/gpujobs/gj1/output"
    [ "$(cat "$MK_MNT/gpujobs/gj1/output")" = "$(printf 'PASS\nwarn')" ]
}

@test "rm -r and rmdir delete the object" {
    pod_yaml del1 | cp /dev/stdin "$MK_MNT/pods/del1.yaml"
    pod_yaml del2 | cp /dev/stdin "$MK_MNT/pods/del2.yaml"
    rm -r "$MK_MNT/pods/del1"
    rmdir "$MK_MNT/pods/del2"
    [ ! -e "$MK_MNT/pods/del1" ]
    [ ! -e "$MK_MNT/pods/del2" ]
    req GET /api/v1/namespaces/default/pods/del1
    [ "$CODE" = 404 ]
}

@test ".watch: a blocking stream of ADDED/MODIFIED/DELETED lines, from the moment of open" {
    local out=$TMPD/watch.out
    timeout 10 head -n 3 "$MK_MNT/pods/.watch" >"$out" &
    local reader=$!
    timeout 10 head -n 1 "$MK_MNT/.watch" >"$out.top" &
    local top=$!
    sleep 0.5
    pod_yaml w1 | cp /dev/stdin "$MK_MNT/pods/w1.yaml"
    curl -sS -o /dev/null -X PATCH -H 'Content-Type: application/merge-patch+json' \
        -d '{"metadata":{"labels":{"x":"y"}}}' "$MK_SERVER/api/v1/namespaces/default/pods/w1"
    rm -r "$MK_MNT/pods/w1"
    wait "$reader"
    wait "$top"
    run cat "$out"
    [[ ${lines[0]} =~ ^ADDED\ default/w1\ [0-9]+$ ]]
    [[ ${lines[1]} =~ ^MODIFIED\ default/w1\ [0-9]+$ ]]
    [[ ${lines[2]} =~ ^DELETED\ default/w1\ [0-9]+$ ]]
    [[ $(cat "$out.top") =~ ^ADDED\ default/w1\ [0-9]+\ pods$ ]]
}

@test ".watch: poll() waits for a change and then reports POLLIN" {
    run "$FS_PROBE" poll "$MK_MNT/nodes/.watch" 300
    [ "$output" = timeout ]
    ("$FS_PROBE" poll "$MK_MNT/nodes/.watch" 10000 >"$TMPD/poll.out") &
    local prober=$!
    sleep 0.5
    create_json /api/v1/nodes '{"apiVersion":"v1","kind":"Node","metadata":{"name":"polled"}}'
    wait "$prober"
    [[ $(cat "$TMPD/poll.out") =~ ^ready\ ADDED\ polled\ [0-9]+$ ]]
}

@test ".errors: 'time path errno message' lines, newest last" {
    run bash -c "echo 1 > '$MK_MNT/.errors'"
    [ "$status" -ne 0 ]
    [[ $(tail -n 1 "$MK_MNT/.errors") == *" /.errors EACCES "* ]]
    run cat "$MK_MNT/.errors"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -gt 0 ]
    for l in "${lines[@]}"; do
        [[ $l =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\ /[^\ ]+\ E[A-Z0-9]+\ .+ ]] || { echo "bad: $l"; false; }
    done
}

@test "logs and exec fail quickly with a clear .errors line while no kubelet serves them" {
    pod_yaml lg1 | cp /dev/stdin "$MK_MNT/pods/lg1.yaml"
    [ "$(ls "$MK_MNT/pods/lg1/logs")" = app ]
    run timeout 10 cat "$MK_MNT/pods/lg1/logs/app"
    [ "$status" -ne 0 ] && [ "$status" -ne 124 ]
    [[ $(errors_line pods/lg1/logs/app) == *" EIO "* ]]
    run timeout 10 bash -c "exec 3<>'$MK_MNT/pods/lg1/exec/app'"
    [ "$status" -ne 0 ] && [ "$status" -ne 124 ]
    [[ $(errors_line pods/lg1/exec/app) == *" EIO "*"exec"* ]]
}

@test "secrets are root's alone: folder 0700, files 0600, and refused to others" {
    [ "$(create_json /api/v1/namespaces/default/secrets '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s1"},"data":{"pw":"aHVudGVyMg=="}}')" = 201 ]
    wait_for 5 test -d "$MK_MNT/secrets/s1"
    [ "$(stat -c %a "$MK_MNT/secrets")" = 700 ]
    [ "$(stat -c %a "$MK_MNT/secrets/s1")" = 700 ]
    [ "$(stat -c %a "$MK_MNT/secrets/s1/manifest.yaml")" = 600 ]
    # A second mount that other users may enter: still no secrets for them.
    local saved_mnt=$MK_MNT saved_pid=$MK_FS_PID
    start_mount -o allow_other
    run setpriv --reuid=65534 --regid=65534 --clear-groups ls "$MK_MNT/pods"
    local pods_status=$status
    run setpriv --reuid=65534 --regid=65534 --clear-groups cat "$MK_MNT/secrets/s1/manifest.yaml"
    local secret_status=$status
    stop_mount
    MK_MNT=$saved_mnt MK_FS_PID=$saved_pid
    [ "$pods_status" -eq 0 ]
    [ "$secret_status" -ne 0 ]
}

@test "the API server going away: EIO fast with .errors; back by itself when it returns" {
    local addr=${MK_SERVER#http://}
    stop_apiserver
    pod_yaml down1 >"$TMPD/down1.yaml"
    local t0=$SECONDS
    run timeout 20 cp "$TMPD/down1.yaml" "$MK_MNT/pods/"
    [ "$status" -ne 0 ] && [ "$status" -ne 124 ]
    [[ $output == *"Input/output error"* ]]
    [ $((SECONDS - t0)) -le 5 ]
    [[ $(errors_line pods/down1.yaml) == *" EIO "* ]]
    # cached reads go on
    ls "$MK_MNT/pods" >/dev/null
    MK_APISERVER_LISTEN=$addr start_apiserver
    wait_for 15 cp "$TMPD/down1.yaml" "$MK_MNT/pods/"
    [ -d "$MK_MNT/pods/down1" ]
}

@test "SIGTERM unmounts cleanly; fusermount3 -u ends the daemon" {
    local saved_mnt=$MK_MNT saved_pid=$MK_FS_PID
    start_mount
    local mnt=$MK_MNT pid=$MK_FS_PID
    kill -TERM "$pid"
    wait_for 10 bash -c "! kill -0 $pid 2>/dev/null"
    ! mountpoint -q "$mnt"
    rmdir "$mnt"
    # background mode (no -f) returns once mounted; fusermount3 -u stops it
    mnt=$(mktemp -d /tmp/mk-fs-bg.XXXXXX)
    "$MK_BIN/mk-fs" --server "$MK_SERVER" "$mnt" 2>>"$TMPD/bg.log"
    mountpoint -q "$mnt"
    [ -d "$mnt/pods" ]
    fusermount3 -u "$mnt"
    ! mountpoint -q "$mnt"
    rmdir "$mnt"
    MK_MNT=$saved_mnt MK_FS_PID=$saved_pid
}

@test "mount helper: mount.fuse.mk-fs URL DIR -o options (as mount(8) calls it)" {
    local mnt
    mnt=$(mktemp -d /tmp/mk-fs-helper.XXXXXX)
    echo "unused-token" >"$TMPD/token"
    MKFS=$MK_BIN/mk-fs "$MK_ROOT/tools/mount.mk-fs" "$MK_SERVER" "$mnt" \
        -o rw,noauto,_netdev,token_file="$TMPD/token"
    local ok=0
    mountpoint -q "$mnt" && [ -d "$mnt/pods" ] && ok=1
    grep -q "^$MK_SERVER $mnt fuse.mk-fs" /proc/mounts || ok=0
    fusermount3 -u "$mnt" || true
    [ "$ok" = 1 ]
    # mount(8) itself, with the helper where `make install` puts it (only for
    # this test, and only when no installed one would be replaced).
    if [ -e /sbin/mount.fuse.mk-fs ] && ! cmp -s /sbin/mount.fuse.mk-fs "$MK_ROOT/tools/mount.mk-fs"; then
        rmdir "$mnt"
        skip "another /sbin/mount.fuse.mk-fs is installed"
    fi
    local installed=0
    [ -e /sbin/mount.fuse.mk-fs ] || { cp "$MK_ROOT/tools/mount.mk-fs" /sbin/mount.fuse.mk-fs; installed=1; }
    run env MKFS="$MK_BIN/mk-fs" mount -t fuse.mk-fs -o noauto,log_file="$TMPD/mount.log" \
        "$MK_SERVER" "$mnt"
    ok=0
    grep -q "^$MK_SERVER $mnt fuse.mk-fs" /proc/mounts && [ -d "$mnt/nodes" ] && ok=1
    umount "$mnt" || fusermount3 -u "$mnt" || true
    [ "$installed" = 0 ] || rm -f /sbin/mount.fuse.mk-fs
    rmdir "$mnt"
    [ "$ok" = 1 ]
    wait_for 5 grep -q "unmounted $mnt" "$TMPD/mount.log"
}
