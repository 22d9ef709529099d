#!/usr/bin/env bats
# Persistent volumes end to end: the volume controller (binding, the
# minik8s.io/local-path provisioner), mk-scheduler's volume step (the
# selected-node annotation, PV node affinity, the unschedulable messages),
# the kubelet's persistentVolumeClaim volumes and its cleanup of provisioned
# directories; kubectl on PVs and claims.
#
# Two nodes (lib/cluster.bash) so that "the same node" means something:
# net 172.31.242.0/24, netns mkv$TAG-n1..2, pods from 10.242.0.0/16, https
# (kubectl sends its token over https only). The test's StorageClass
# e2e-local provisions under $VOLS, inside the test's temp dir.
#
# Layout: setup_file/teardown_file, helpers, then the tests in groups:
#   - dynamic provisioning (local-path) and the data outliving pods
#   - static PersistentVolumes
#   - claims the scheduler or the kubelet waits on
#   - StatefulSets with volumeClaimTemplates (appended at the end)
# Each test names its objects (claims, pods) so that tests stay independent
# except where a group says it follows on from the one before.

load helpers
load lib/cluster
bats_require_minimum_version 1.5.0

setup_file() {
    export CLUSTER_NET=172.31.242 CLUSTER_NS=mkv CLUSTER_NODES=2 CLUSTER_TLS=1 CLUSTER_FS=0 \
        CLUSTER_CM_FLAGS="--controllers nodeipam,volume,statefulset,garbagecollector --cluster-cidr 10.242.0.0/16 --node-cidr-mask-size 24"
    cluster_up
    export VOLS=$E2E_DIR/volumes KC=$E2E_DIR/kubeconfig
    mkdir -p "$VOLS"
    cp "$(kubeconfig_for "$MK_SERVER" "$TOKEN")" "$KC"
    k apply -f - <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: e2e-local}
provisioner: minik8s.io/local-path
parameters: {path: "$VOLS"}
reclaimPolicy: Delete
volumeBindingMode: WaitForFirstConsumer
EOF
}

teardown_file() {
    [ -n "${E2E_DIR:-}" ] || return 0
    local n
    # Owners, pods, then claims: the kubelets remove the provisioned
    # directories while they still run (cluster_down stops them).
    for n in $(api GET /apis/apps/v1/namespaces/default/statefulsets | jq -r '.items[]?.metadata.name'); do
        api DELETE "/apis/apps/v1/namespaces/default/statefulsets/$n" >/dev/null || true
    done
    for n in $(api GET /api/v1/namespaces/default/pods | jq -r '.items[]?.metadata.name'); do
        api DELETE "/api/v1/namespaces/default/pods/$n" >/dev/null || true
    done
    wait_for 30 eval '[ "$(api GET /api/v1/namespaces/default/pods | jq ".items | length")" = 0 ]' || true
    for n in $(api GET /api/v1/namespaces/default/persistentvolumeclaims | jq -r '.items[]?.metadata.name'); do
        api DELETE "/api/v1/namespaces/default/persistentvolumeclaims/$n" >/dev/null || true
    done
    for n in $(api GET /api/v1/persistentvolumes | jq -r '.items[]?.metadata.name'); do
        api DELETE "/api/v1/persistentvolumes/$n" >/dev/null || true
    done
    cluster_down
}

k() { timeout 30 kubectl --kubeconfig "$KC" "$@"; }

pvc_jq() { api GET "/api/v1/namespaces/default/persistentvolumeclaims/$1" | jq -r "$2"; }
pv_jq() { api GET "/api/v1/persistentvolumes/$1" | jq -r "$2"; }
pvc_phase_is() { [ "$(pvc_jq "$1" .status.phase)" = "$2" ]; }
pv_gone() { [ "$(api GET "/api/v1/persistentvolumes/$1" | jq -r .code)" = 404 ]; }
pod_gone() { [ "$(pod_jq "$1" .code)" = 404 ]; }

# claim NAME SIZE [CLASS]: a ReadWriteOnce claim (CLASS "" for none).
claim() {
    k apply -f - <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $1}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: $2}}
  storageClassName: "${3-e2e-local}"
EOF
}

# pod_with_claim NAME CLAIM SCRIPT [READONLY]: busybox running SCRIPT with
# the claim at /data.
pod_with_claim() {
    k apply -f - <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command: [sh, -c, '$3']
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: $2, readOnly: ${4:-false}}
EOF
}

delete_pod() {
    k delete pod "$1" --wait=false >/dev/null
    wait_for 30 pod_gone "$1"
}

# ---- dynamic provisioning (local-path); these four follow on ----

@test "volumes: a WaitForFirstConsumer claim is provisioned on its first pod's node" {
    claim data 10Mi
    pvc_phase_is data Pending
    [ "$(pvc_jq data '.metadata.annotations["volume.kubernetes.io/selected-node"] // ""')" = "" ]
    pod_with_claim writer data 'echo from-writer >/data/msg && exec sleep 3600'
    wait_for 60 phase_is writer Running
    local node uid pv
    node=$(pod_jq writer .spec.nodeName)
    [ "$(pvc_jq data '.metadata.annotations["volume.kubernetes.io/selected-node"]')" = "$node" ]
    wait_for 10 pvc_phase_is data Bound
    uid=$(pvc_jq data .metadata.uid)
    pv=$(pvc_jq data .spec.volumeName)
    [ "$pv" = "pvc-$uid" ]
    [ "$(pv_jq "$pv" .status.phase)" = Bound ]
    [ "$(pv_jq "$pv" '.metadata.annotations["pv.kubernetes.io/provisioned-by"]')" = minik8s.io/local-path ]
    [ "$(pv_jq "$pv" '.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]')" = "$node" ]
    [ "$(pv_jq "$pv" .spec.hostPath.path)" = "$VOLS/pvc-${uid}_default_data" ]
    [ "$(stat -c %a "$VOLS/pvc-${uid}_default_data")" = 777 ]
    wait_for 10 eval '[ "$(cat "$VOLS/pvc-${uid}_default_data/msg")" = from-writer ]'
}

@test "volumes: the data outlives the pod: a second pod on the same node reads it back" {
    local node
    node=$(pod_jq writer .spec.nodeName)
    delete_pod writer
    # Two pods in a row: round-robin alone would move one to the other node.
    pod_with_claim reader data 'cat /data/msg; exec sleep 3600'
    wait_for 60 phase_is reader Running
    [ "$(pod_jq reader .spec.nodeName)" = "$node" ]
    wait_for 10 eval '[ "$(k logs reader)" = from-writer ]'
    pod_with_claim reader2 data 'cat /data/msg; exec sleep 3600'
    wait_for 60 phase_is reader2 Running
    [ "$(pod_jq reader2 .spec.nodeName)" = "$node" ]
    delete_pod reader2
}

@test "volumes: kubectl get pv,pvc and describe" {
    local pv
    pv=$(pvc_jq data .spec.volumeName)
    run k get pv,pvc
    [ "$status" -eq 0 ]
    [[ "$output" == *"persistentvolume/$pv"*"10Mi"*"RWO"*"Delete"*"Bound"*"default/data"*"e2e-local"* ]]
    [[ "$output" == *"persistentvolumeclaim/data"*"Bound"*"$pv"*"10Mi"*"RWO"*"e2e-local"* ]]
    run k get sc e2e-local
    [ "$status" -eq 0 ]
    [[ "$output" == *"minik8s.io/local-path"*"Delete"*"WaitForFirstConsumer"* ]]
    run k describe pvc data
    [ "$status" -eq 0 ]
    [[ "$output" == *"Status:"*"Bound"* ]]
}

@test "volumes: deleting the claim deletes its PV and the directory" {
    local pv dir
    pv=$(pvc_jq data .spec.volumeName)
    dir=$(pv_jq "$pv" .spec.hostPath.path)
    [ -d "$dir" ]
    delete_pod reader
    k delete pvc data --wait=false
    # Released, then the kubelet of the PV's node removes the directory and
    # the PV.
    wait_for 30 pv_gone "$pv"
    [ ! -e "$dir" ]
}

# ---- static PersistentVolumes ----

@test "volumes: a static hostPath PV binds a claim of no class, read-only when asked" {
    mkdir -p "$E2E_DIR/static"
    echo static-content >"$E2E_DIR/static/hello"
    k apply -f - <<EOF
apiVersion: v1
kind: PersistentVolume
metadata: {name: static-pv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  hostPath: {path: "$E2E_DIR/static"}
EOF
    wait_for 10 eval '[ "$(pv_jq static-pv .status.phase)" = Available ]'
    claim static-claim 100Mi ""
    wait_for 20 pvc_phase_is static-claim Bound
    [ "$(pvc_jq static-claim .spec.volumeName)" = static-pv ]
    [ "$(pv_jq static-pv .spec.claimRef.name)" = static-claim ]
    run k get pv static-pv
    [[ "$output" == *static-pv*1Gi*RWO*Retain*Bound*default/static-claim* ]]
    pod_with_claim static-reader static-claim \
        'cat /data/hello; touch /data/x 2>/dev/null && echo writable || echo read-only; exec sleep 3600' true
    wait_for 60 phase_is static-reader Running
    wait_for 10 eval '[ "$(k logs static-reader)" = "$(printf "static-content\nread-only")" ]'
    [ ! -e "$E2E_DIR/static/x" ]
    # Retain: the claim goes, the PV stays Released with its data.
    delete_pod static-reader
    k delete pvc static-claim --wait=false
    wait_for 20 eval '[ "$(pv_jq static-pv .status.phase)" = Released ]'
    [ -f "$E2E_DIR/static/hello" ]
    k delete pv static-pv
}

# ---- claims the scheduler or the kubelet waits on ----

@test "volumes: a pod naming a missing claim is unschedulable until the claim exists" {
    pod_with_claim early later 'echo ok; exec sleep 3600'
    wait_for 20 eval '[ "$(pod_jq early ".status.conditions[]? | select(.type==\"PodScheduled\") | .message")" = "0/2 nodes are available: persistentvolumeclaim \"later\" not found." ]'
    [ "$(pod_jq early '.status.conditions[] | select(.type=="PodScheduled") | .reason')" = Unschedulable ]
    run k get events --field-selector involvedObject.name=early
    [[ "$output" == *FailedScheduling*'persistentvolumeclaim "later" not found'* ]]
    # The claim appears: the scheduler tries again and the pod runs.
    claim later 10Mi
    wait_for 60 phase_is early Running
    wait_for 10 pvc_phase_is later Bound
    delete_pod early
    k delete pvc later --wait=false
}

@test "volumes: an unbound claim of an Immediate class without provisioner keeps its pod pending" {
    k apply -f - <<'EOF'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: e2e-none}
provisioner: example.com/none
volumeBindingMode: Immediate
EOF
    claim stuck 10Mi e2e-none
    pod_with_claim waiting stuck 'exec sleep 3600'
    wait_for 20 eval '[ "$(pod_jq waiting ".status.conditions[]? | select(.type==\"PodScheduled\") | .message")" = "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims." ]'
    delete_pod waiting
    # Placed by hand past the scheduler: the kubelet waits for the claim in
    # ContainerCreating and says FailedMount.
    k apply -f - <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: placed}
spec:
  nodeName: node1
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: stuck}}]
EOF
    wait_for 20 eval '[ "$(pod_jq placed ".status.containerStatuses[0].state.waiting.reason")" = ContainerCreating ]'
    [[ "$(pod_jq placed '.status.containerStatuses[0].state.waiting.message')" == *"default/stuck: PVC is not bound"* ]]
    [ "$(pod_jq placed .status.phase)" = Pending ]
    wait_for 30 eval 'k get events --field-selector involvedObject.name=placed | grep -q "FailedMount.*unmounted volumes=\[data\]"'
    delete_pod placed
    k delete pvc stuck --wait=false
    k delete sc e2e-none
}

# ---- StatefulSets with volumeClaimTemplates ----
