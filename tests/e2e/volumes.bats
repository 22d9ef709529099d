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
        CLUSTER_CM_FLAGS="--controllers nodeipam,volume,volume-protection,statefulset,garbagecollector --cluster-cidr 10.242.0.0/16 --node-cidr-mask-size 24"
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

# claim NAME SIZE [CLASS [MODE]]: a claim of class e2e-local (CLASS "" for
# none), access mode ReadWriteOnce unless MODE.
claim() {
    k apply -f - <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $1}
spec:
  accessModes: [${4:-ReadWriteOnce}]
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

# ---- dynamic provisioning (local-path); the first four follow on ----

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

@test "volumes: a claim in use stays Terminating; once its pod goes, the claim, its PV and the directory go" {
    local pv dir
    pv=$(pvc_jq data .spec.volumeName)
    dir=$(pv_jq "$pv" .spec.hostPath.path)
    [ -d "$dir" ]
    [ "$(pvc_jq data '.metadata.finalizers | index("kubernetes.io/pvc-protection") != null')" = true ]
    [ "$(pv_jq "$pv" '.metadata.finalizers | index("kubernetes.io/pv-protection") != null')" = true ]
    # deleted while reader still runs on it: the storage stays
    k delete pvc data --wait=false
    sleep 2
    [ "$(pvc_jq data .metadata.deletionTimestamp)" != null ]
    run k get pvc data
    [[ "$output" == *"data"*"Terminating"* ]]
    [ "$(pv_jq "$pv" .status.phase)" = Bound ]
    [ -d "$dir" ]
    [ "$(k exec reader -- cat /data/msg)" = from-writer ]
    delete_pod reader
    wait_for 30 eval '[ "$(pvc_jq data .code)" = 404 ]'
    # Released, then the kubelet of the PV's node removes the directory and
    # the PV.
    wait_for 30 pv_gone "$pv"
    [ ! -e "$dir" ]
}

@test "volumes: a kubelet that was down removes a released volume when it comes back" {
    claim later-gone 10Mi
    pod_with_claim keeper later-gone 'echo kept >/data/f && exec sleep 3600'
    wait_for 60 phase_is keeper Running
    wait_for 10 pvc_phase_is later-gone Bound
    local node pv dir
    node=$(pod_jq keeper .spec.nodeName)
    pv=$(pvc_jq later-gone .spec.volumeName)
    dir=$(pv_jq "$pv" .spec.hostPath.path)
    delete_pod keeper
    stop_kubelet "${node#node}"
    k delete pvc later-gone --wait=false
    wait_for 20 eval '[ "$(pv_jq "$pv" .status.phase)" = Released ]'
    [ -f "$dir/f" ] # nobody else touches the node's directory
    start_kubelet "${node#node}"
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

@test "volumes: a ReadWriteOncePod claim serves one pod at a time" {
    claim solo 10Mi e2e-local ReadWriteOncePod
    pod_with_claim first solo 'exec sleep 3600'
    wait_for 60 phase_is first Running
    pod_with_claim second solo 'exec sleep 3600'
    wait_for 20 eval '[ "$(pod_jq second ".status.conditions[]? | select(.type==\"PodScheduled\") | .message")" = "0/2 nodes are available: 2 node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode." ]'
    # The first one goes: the second takes the claim, on the volume's node.
    delete_pod first
    wait_for 60 phase_is second Running
    [ "$(pod_jq second .spec.nodeName)" = "$(pvc_jq solo '.metadata.annotations["volume.kubernetes.io/selected-node"]')" ]
    delete_pod second
    k delete pvc solo --wait=false
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
# (helper C, branch pv-sts.) These four follow on: one set "web" of two
# pods, each writing its hostname into its claim's volume the first time and
# saying "new <name>" or, finding it there, "found <name>".

# sts_web REPLICAS WHEN_SCALED WHEN_DELETED: apply the set.
sts_web() {
    k apply -f - <<EOF
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: $1
  serviceName: web
  selector: {matchLabels: {app: sts-web}}
  persistentVolumeClaimRetentionPolicy: {whenScaled: $2, whenDeleted: $3}
  template:
    metadata: {labels: {app: sts-web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: [sh, -c, 'if [ -f /data/name ]; then echo found \$(cat /data/name); else hostname >/data/name; echo new \$(cat /data/name); fi; exec sleep 3600']
        volumeMounts: [{name: www, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: www, labels: {tier: data}}
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: e2e-local
      resources: {requests: {storage: 10Mi}}
EOF
}

pvc_gone() { [ "$(pvc_jq "$1" .code)" = 404 ]; }
logs_are() { [ "$(k logs "$1" 2>/dev/null)" = "$2" ]; }

@test "volumes: a StatefulSet's pods each get a claim www-web-<i> from its volumeClaimTemplate" {
    sts_web 2 Retain Retain
    wait_for 90 phase_is web-1 Running
    wait_for 10 logs_are web-0 "new web-0"
    wait_for 10 logs_are web-1 "new web-1"
    local i uid
    for i in 0 1; do
        wait_for 10 pvc_phase_is "www-web-$i" Bound
        [ "$(pvc_jq "www-web-$i" .metadata.labels.app)" = sts-web ]
        [ "$(pvc_jq "www-web-$i" .metadata.labels.tier)" = data ]
        [ "$(pvc_jq "www-web-$i" '.metadata.ownerReferences // [] | length')" = 0 ]
        [ "$(pod_jq "web-$i" '.spec.volumes[] | select(.name=="www") | .persistentVolumeClaim.claimName')" = "www-web-$i" ]
        uid=$(pvc_jq "www-web-$i" .metadata.uid)
        [ "$(cat "$VOLS/pvc-${uid}_default_www-web-$i/name")" = "web-$i" ]
    done
    # The claim volume is the pod's, not the template's: one revision.
    [ "$(k get controllerrevisions -l app=sts-web -o name | wc -l)" = 1 ]
    run k describe sts web
    [ "$status" -eq 0 ]
    [[ "$output" == *"Volume Claims:"*"Name:"*"www"*"StorageClass:"*"e2e-local"* ]]
    [[ "$output" == *"create Claim www-web-0 Pod web-0 in StatefulSet web success"* ]]
    # volumeClaimTemplates cannot change.
    run k patch sts web --type=json -p '[{"op": "replace", "path": "/spec/volumeClaimTemplates/0/spec/resources/requests/storage", "value": "20Mi"}]'
    [ "$status" -ne 0 ]
    [[ "$output" == *"spec: Forbidden: updates to statefulset spec for fields other than"* ]]
}

@test "volumes: a StatefulSet's pod deleted comes back on its volume's node and finds its data" {
    local node uid
    node=$(pod_jq web-0 .spec.nodeName)
    uid=$(pod_jq web-0 .metadata.uid)
    k delete pod web-0 --wait=false
    wait_for 60 eval '[ "$(pod_jq web-0 .metadata.uid)" != "$uid" ] && phase_is web-0 Running'
    [ "$(pod_jq web-0 .spec.nodeName)" = "$node" ]
    wait_for 10 logs_are web-0 "found web-0"
}

@test "volumes: a StatefulSet scaled down keeps the claim under whenScaled Retain" {
    local pv
    pv=$(pvc_jq www-web-1 .spec.volumeName)
    k scale sts web --replicas=1
    wait_for 30 pod_gone web-1
    pvc_phase_is www-web-1 Bound
    [ "$(pv_jq "$pv" .status.phase)" = Bound ]
    # Scaled up again, web-1 finds what it wrote.
    k scale sts web --replicas=2
    wait_for 60 phase_is web-1 Running
    wait_for 10 logs_are web-1 "found web-1"
}

@test "volumes: whenScaled and whenDeleted Delete: the claims go with the pod scaled away and with the set" {
    local pv1 pv0
    pv1=$(pvc_jq www-web-1 .spec.volumeName)
    pv0=$(pvc_jq www-web-0 .spec.volumeName)
    sts_web 2 Delete Delete
    # whenDeleted: the set owns the claims (not as their controller).
    wait_for 10 eval '[ "$(pvc_jq www-web-0 ".metadata.ownerReferences[0].kind")" = StatefulSet ]'
    [ "$(pvc_jq www-web-0 .metadata.ownerReferences[0].uid)" = "$(k get sts web -o jsonpath='{.metadata.uid}')" ]
    [ "$(pvc_jq www-web-0 .metadata.ownerReferences[0].controller)" = false ]
    [ "$(pvc_jq www-web-0 .metadata.ownerReferences[0].blockOwnerDeletion)" = true ]
    # whenScaled: web-1's claim goes with web-1, and its volume with it.
    k scale sts web --replicas=1
    wait_for 30 pod_gone web-1
    wait_for 30 pvc_gone www-web-1
    wait_for 30 pv_gone "$pv1"
    pvc_phase_is www-web-0 Bound
    # Scaled up again, web-1 starts afresh on a new claim.
    k scale sts web --replicas=2
    wait_for 60 phase_is web-1 Running
    wait_for 10 logs_are web-1 "new web-1"
    wait_for 10 pvc_phase_is www-web-1 Bound
    # Down and at once up again: whether web-1's claim went with the old pod
    # or was kept for the new one, web-1 runs on a bound claim.
    k scale sts web --replicas=1
    k scale sts web --replicas=2
    wait_for 60 eval 'phase_is web-1 Running && pvc_phase_is www-web-1 Bound'
    # whenDeleted: the rest go with the set.
    k delete sts web
    wait_for 30 pod_gone web-0
    wait_for 30 pvc_gone www-web-0
    wait_for 30 pv_gone "$pv0"
    wait_for 30 pvc_gone www-web-1
}
