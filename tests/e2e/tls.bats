#!/usr/bin/env bats
# A cluster on https, as one spread over several machines runs: the API
# server with a certificate of a CA made for the test (not the system's)
# and tokens; the controller manager, scheduler, kubelet (in its own network
# namespace) and mk-fs given that CA with --certificate-authority
# (lib/cluster.bash, CLUSTER_TLS=1); kubectl with a token, which it sends
# over https only. Exec goes over TLS from mk-fs and mk-exec
# (fs/tlspipe.c) and from kubectl (WebSocket). mk-proxy runs too: a pod
# reaches the API server through the kubernetes Service.

load helpers
load lib/cluster
bats_require_minimum_version 1.5.0

setup_file() {
    export CLUSTER_NET=172.31.243 CLUSTER_NS=mkt CLUSTER_NODES=1 CLUSTER_TLS=1 CLUSTER_PROXY=1 \
        CLUSTER_CM_FLAGS="--controllers nodeipam,root-ca-cert-publisher"
    cluster_up
    [[ "$MK_SERVER" == https://* ]]
    export MINIK8S_MOUNT=$MNT
    cat >"$E2E_DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mk
  cluster: {server: "$MK_SERVER", certificate-authority: "$CLUSTER_CA"}
contexts:
- name: mk
  context: {cluster: mk, user: mk, namespace: default}
current-context: mk
users:
- name: mk
  user: {token: "$TOKEN"}
EOF
    cat >"$MNT/pods/talk.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: talk}
spec:
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'echo hello-over-tls; exec sleep 3600']
EOF
    wait_for 60 phase_is talk Running
}

teardown_file() {
    cluster_down
}

k() { timeout 30 kubectl --kubeconfig "$E2E_DIR/kubeconfig" "$@"; }

# A JWT's claims, as JSON.
jwt_claims() {
    python3 -c 'import sys, base64
p = sys.argv[1].split(".")[1]
sys.stdout.write(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode())' "$1"
}

@test "tls: the daemons reach the server through its CA; a pod is scheduled and runs" {
    node_ready node1
    [ "$(pod_jq talk .spec.nodeName)" = node1 ]
    grep -q hello-over-tls "$MNT/pods/talk/logs/c"
}

@test "tls: without the CA a daemon refuses the server in one clear line" {
    run -1 timeout 10 "$MK_BIN/mk-scheduler" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token"
    [ "${#lines[@]}" = 1 ]
    [[ "$output" == "mk-scheduler: cannot reach $MK_SERVER: "*certificate* ]]
    run -1 timeout 10 "$MK_BIN/mk-scheduler" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" \
        --certificate-authority "$E2E_DIR/nope.pem"
    [[ "$output" == "mk-scheduler: "* ]]
}

@test "tls: exec through the mount and mk-exec over TLS; a wrong CA is refused" {
    run timeout 20 bash -c "exec 3<>'$MNT/pods/talk/exec/c'; printf 'echo via-tls \$((6*7))\nexit\n' >&3; cat <&3"
    [[ "$output" == *"via-tls 42"* ]]
    run "$MK_ROOT/tools/rkubectl" exec talk -- sh -c 'echo out; exit 4'
    [ "$status" -eq 4 ]
    [ "$output" = out ]
    run timeout 20 "$MK_BIN/mk-exec" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" \
        --certificate-authority "$CLUSTER_CA" talk -- sh -c 'echo direct; exit 3'
    [ "$status" -eq 3 ]
    [ "$output" = direct ]
    # The server's own certificate is no CA of it: verification fails.
    run timeout 20 "$MK_BIN/mk-exec" --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" \
        --certificate-authority "$E2E_DIR/server.pem" -c c talk -- true
    [ "$status" -ne 0 ] && [ "$status" -ne 3 ]
    [[ "$output" == *"TLS to $CLUSTER_NET.1"*certificate* ]]
}

@test "tls: rkubectl exec -it through mk-exec with MINIK8S_CA_FILE" {
    command -v script >/dev/null || skip "needs script(1)"
    run timeout 30 bash -c "(sleep 2; printf 'tty; exit 5\r'; sleep 5) |
        MINIK8S_TOKEN_FILE='$E2E_DIR/admin.token' MINIK8S_CA_FILE='$CLUSTER_CA' \
        script -qec '$MK_ROOT/tools/rkubectl exec -it talk' /dev/null"
    [ "$status" -eq 5 ]
    [[ "$output" == *"/dev/pts/"* ]]
}

@test "tls: kubectl with a token: get, logs, exec" {
    run k get pods
    [ "$status" -eq 0 ] && [[ "$output" == *talk*Running* ]]
    run k logs talk
    [ "$output" = hello-over-tls ]
    run k exec talk -- sh -c 'echo from-kubectl; exit 6'
    [ "$status" -eq 6 ]
    [[ "$output" == *from-kubectl* ]]
}

@test "tls: kubectl auth can-i and whoami answer by the token's role" {
    run k auth whoami
    [ "$status" -eq 0 ] && [[ "$output" == *admin*"system:masters"* ]]
    run k auth can-i delete namespaces --all-namespaces
    [ "$status" -eq 0 ] && [ "$output" = yes ]
    run k auth can-i --list
    [ "$status" -eq 0 ] && [[ "$output" == *'*.*'*'[*]'* ]]
    # The node role: reads everything, writes what a kubelet reports.
    local as_node=(--token "$NODE_TOKEN")
    run k "${as_node[@]}" auth whoami
    [[ "$output" == *kubelet*"system:nodes"* ]]
    run k "${as_node[@]}" auth can-i get pods
    [ "$status" -eq 0 ] && [ "$output" = yes ]
    run k "${as_node[@]}" auth can-i patch pods --subresource=status
    [ "$status" -eq 0 ] && [ "$output" = yes ]
    run k "${as_node[@]}" auth can-i create deployments
    [ "$status" -eq 1 ]
    [ "$output" = 'no - deployments.apps is forbidden: User "kubelet" cannot create resource "deployments" in API group "apps" in the namespace "default"' ]
    run k "${as_node[@]}" auth can-i get /metrics
    [ "$status" -eq 0 ] && [ "$output" = yes ]
    run k "${as_node[@]}" auth can-i get /debug
    [ "$status" -eq 0 ] && [ "$output" = yes ]
}

@test "tls: RBAC: Roles and bindings made with kubectl decide what an rbac user may do" {
    local dev=(--token "$DEV_TOKEN")
    run k "${dev[@]}" get pods
    [ "$status" -eq 1 ]
    [[ "$output" == *'pods is forbidden: User "dev" cannot list resource "pods" in API group "" in the namespace "default"'* ]]
    run k "${dev[@]}" auth whoami
    [[ "$output" == *dev*"system:authenticated"* ]]
    run k get clusterroles
    [[ "$output" == *cluster-admin* && "$output" == *edit* && "$output" == *view* ]]
    k create namespace team
    k create role pod-reader -n team --verb=get,list,watch --resource=pods,pods/log
    k create rolebinding dev-read -n team --role=pod-reader --user=dev
    run k get rolebinding dev-read -n team
    [[ "$output" == *dev-read*Role/pod-reader* ]]
    run k "${dev[@]}" -n team get pods
    [ "$status" -eq 0 ]
    run k "${dev[@]}" -n team auth can-i list pods
    [ "$output" = yes ]
    run k "${dev[@]}" -n team auth can-i --list
    [ "$status" -eq 0 ] && [[ "$output" == *pods/log*'[get list watch]'* ]]
    run k "${dev[@]}" -n team auth can-i delete pods
    [ "$status" -eq 1 ]
    run k "${dev[@]}" -n default auth can-i list pods
    [ "$status" -eq 1 ]
    # admin in the namespace: it writes there, and may grant only what it holds
    k create rolebinding dev-admin -n team --clusterrole=admin --user=dev
    k "${dev[@]}" -n team create configmap settings --from-literal=a=b
    k "${dev[@]}" -n team create rolebinding friend --clusterrole=view --user=friend
    run k "${dev[@]}" -n team create rolebinding esc --clusterrole=cluster-admin --user=dev
    [ "$status" -eq 1 ]
    [[ "$output" == *'is attempting to grant RBAC permissions not currently held'* ]]
    run k "${dev[@]}" -n team create role nodes --verb=get --resource=nodes
    [ "$status" -eq 1 ] && [[ "$output" == *'Resources:["nodes"]'* ]]
    run k "${dev[@]}" -n team get rolebinding esc
    [ "$status" -eq 1 ] && [[ "$output" == *NotFound* ]]
    run k "${dev[@]}" get nodes
    [ "$status" -eq 1 ]
    # an aggregated ClusterRole holds what its selector selects
    k create clusterrole team-agg --aggregation-rule=team=yes
    k create clusterrole node-reader --verb=get,list --resource=nodes
    k create clusterrolebinding dev-agg --clusterrole=team-agg --user=dev
    run k "${dev[@]}" get nodes
    [ "$status" -eq 1 ]
    k label clusterrole node-reader team=yes
    run k "${dev[@]}" get nodes
    [ "$status" -eq 0 ] && [[ "$output" == *node1* ]]
    # the kubelets take no rbac user's token
    run curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $DEV_TOKEN" \
        "http://$CLUSTER_NET.11:10250/pods"
    [ "$output" = 401 ]
    k delete namespace team
}

@test "tls: kubectl --as: a request runs as the user it names, if the caller may impersonate that user" {
    local dev=(--token "$DEV_TOKEN")
    run k auth whoami --as=auditor -o jsonpath='{.status.userInfo.username}'
    [ "$output" = auditor ]
    run k get pods --as=auditor
    [ "$status" -eq 1 ] && [[ "$output" == *'User "auditor" cannot list resource "pods"'* ]]
    k create rolebinding auditor-view --clusterrole=view --user=auditor
    run k get pods --as=auditor
    [ "$status" -eq 0 ] && [[ "$output" == *talk* ]]
    run k delete pod talk --as=auditor --dry-run=server
    [ "$status" -eq 1 ] && [[ "$output" == *'cannot delete resource "pods"'* ]]
    run k get pods --as=system:serviceaccount:default:nobody
    [ "$status" -eq 1 ] && [[ "$output" == *'User "system:serviceaccount:default:nobody" cannot list'* ]]
    # an rbac user impersonates only whom its roles name
    run k "${dev[@]}" get pods --as=auditor
    [ "$status" -eq 1 ] && [[ "$output" == *'users "auditor" is forbidden: User "dev" cannot impersonate resource "users"'* ]]
    k create clusterrole impersonate-auditor --verb=impersonate --resource=users --resource-name=auditor
    k create clusterrolebinding dev-impersonates --clusterrole=impersonate-auditor --user=dev
    run k "${dev[@]}" get pods --as=auditor
    [ "$status" -eq 0 ] && [[ "$output" == *talk* ]]
    run k "${dev[@]}" get pods --as=someone-else
    [ "$status" -eq 1 ] && [[ "$output" == *'cannot impersonate'* ]]
    # system:masters has every power: only who may impersonate the group gets it
    run k get pods --as=anyone --as-group=system:masters
    [ "$status" -eq 0 ] && [[ "$output" == *talk* ]]
    run k "${dev[@]}" get pods --as=auditor --as-group=system:masters
    [ "$status" -eq 1 ] && [[ "$output" == *'cannot impersonate resource "groups"'* ]]
    run k get pods --as=anyone --as-group=developers
    [ "$status" -eq 1 ] && [[ "$output" == *"impersonates no group but system:masters"* ]]
    k delete clusterrolebinding dev-impersonates
    k delete clusterrole impersonate-auditor
    k delete rolebinding auditor-view
}

@test "tls: a service account's token Secret is a kubeconfig's token, judged by RBAC" {
    k create serviceaccount ci
    k apply -f - <<'YAML'
apiVersion: v1
kind: Secret
metadata:
  name: ci-token
  annotations: {kubernetes.io/service-account.name: ci}
type: kubernetes.io/service-account-token
YAML
    local tok
    tok=$(k get secret ci-token -o jsonpath='{.data.token}' | base64 -d)
    [[ "$tok" == mk-sa.* ]]
    run k --token "$tok" auth whoami
    [[ "$output" == *system:serviceaccount:default:ci*system:serviceaccounts:default* ]]
    run k --token "$tok" get pods
    [ "$status" -eq 1 ] && [[ "$output" == *'User "system:serviceaccount:default:ci" cannot list'* ]]
    k create rolebinding ci-view --clusterrole=view --serviceaccount=default:ci
    run k --token "$tok" get pods
    [ "$status" -eq 0 ] && [[ "$output" == *talk* ]]
    run k --token "$tok" delete pod talk --dry-run=server
    [ "$status" -eq 1 ]
    # no Secret, no token
    k delete secret ci-token
    run k --token "$tok" get pods
    [ "$status" -eq 1 ] && [[ "$output" == *Unauthorized* ]]
    k delete rolebinding ci-view
    k delete serviceaccount ci
}

@test "tls: kubectl create token: a signed, expiring token judged by RBAC, good while its account and bound pod are" {
    k create serviceaccount bot
    run k create token bot --duration=5m
    [ "$status" -eq 1 ] && [[ "$output" == *"spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes"* ]]
    local tok
    tok=$(k create token bot --duration=20m)
    [[ "$tok" == eyJ*.*.* ]]
    # the claims say who and until when, as Kubernetes' do
    [ "$(jwt_claims "$tok" | jq -r '"\(.sub) \(.exp - .iat)"')" = "system:serviceaccount:default:bot 1200" ]
    run k --token "$tok" auth whoami
    [[ "$output" == *system:serviceaccount:default:bot* ]]
    # a token for another audience is that service's, not the API server's
    run k --token "$(k create token bot --audience vault)" auth whoami
    [ "$status" -ne 0 ] && [[ "$output" == *Unauthorized* ]]
    run k --token "$(k create token bot --audience vault --audience https://kubernetes.default.svc.cluster.local)" auth whoami
    [[ "$output" == *system:serviceaccount:default:bot* ]]
    run k --token "$tok" get pods
    [ "$status" -eq 1 ] && [[ "$output" == *'User "system:serviceaccount:default:bot" cannot list'* ]]
    k create rolebinding bot-view --clusterrole=view --serviceaccount=default:bot
    run k --token "$tok" get pods
    [ "$status" -eq 0 ] && [[ "$output" == *talk* ]]
    # bound to a pod: good while that pod is
    run k create token bot --bound-object-kind=Pod --bound-object-name=talk
    [ "$status" -eq 1 ] && [[ "$output" == *'cannot bind token for serviceaccount "bot" to pod running with different serviceaccount name'* ]]
    k run boundto --image=busybox --restart=Never --overrides='{"apiVersion":"v1","spec":{"serviceAccountName":"bot"}}' --command -- sleep 3600
    local uid bound
    uid=$(k get pod boundto -o jsonpath='{.metadata.uid}')
    bound=$(k create token bot --bound-object-kind=Pod --bound-object-name=boundto --bound-object-uid="$uid")
    run k --token "$bound" get pods
    [ "$status" -eq 0 ]
    k delete pod boundto --grace-period=1
    run k --token "$bound" get pods
    [ "$status" -eq 1 ] && [[ "$output" == *Unauthorized* ]]
    # the account deleted (and made again: another uid): its tokens are not good
    k delete serviceaccount bot
    k create serviceaccount bot
    run k --token "$tok" get pods
    [ "$status" -eq 1 ] && [[ "$output" == *Unauthorized* ]]
    k delete rolebinding bot-view
    k delete serviceaccount bot
}

@test "tls: a pod reaches the API through the kubernetes Service with its account's token" {
    run k get service kubernetes -o jsonpath='{.spec.clusterIP} {.spec.ports[0].name} {.spec.ports[0].port}'
    [ "$output" = "10.96.0.1 https 443" ]
    run k get endpoints kubernetes -o jsonpath='{.subsets[0].addresses[0].ip}'
    [ "$output" = "$CLUSTER_NET.1" ]
    k create serviceaccount reader
    k apply -f - <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: apicall}
spec:
  serviceAccountName: reader
  containers:
  - name: c
    image: busybox
    command:
    - sh
    - -c
    - |
      d=/var/run/secrets/kubernetes.io/serviceaccount
      echo "ns=$(cat $d/namespace) api=$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"
      while true; do
        wget -q -O - --no-check-certificate --header "Authorization: Bearer $(cat $d/token)" \
          "https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/api/v1/namespaces/default/pods" 2>&1 | head -c 200
        echo
        sleep 1
      done
YAML
    local vol
    vol=$(k get pod apicall -o jsonpath='{.spec.volumes[0].name}')
    [[ "$vol" == kube-api-access-????? ]]
    run k get pod apicall -o jsonpath='{.spec.containers[0].volumeMounts[0].name} {.spec.containers[0].volumeMounts[0].mountPath}'
    [ "$output" = "$vol /var/run/secrets/kubernetes.io/serviceaccount" ]
    wait_for 60 phase_is apicall Running
    logs_say() { k logs apicall | grep -q "$1"; }
    wait_for 20 logs_say 'ns=default api=10.96.0.1:443'
    wait_for 20 logs_say '403 Forbidden'
    # the folder: a token bound to the pod, the cluster's CA, the namespace
    local d=/var/run/secrets/kubernetes.io/serviceaccount
    run k exec apicall -- cat $d/ca.crt
    [ "$output" = "$(cat "$CLUSTER_CA")" ]
    run k exec apicall -- cat $d/namespace
    [ "$output" = default ]
    # good for a year while the pod lives, renewed after the hour it says
    run jwt_claims "$(k exec apicall -- cat $d/token)"
    [ "$(jq -r '"\(.["kubernetes.io"].pod.name) \(.exp - .iat) \(.["kubernetes.io"].warnafter - .iat)"' <<<"$output")" = "apicall 31536000 3607" ]
    k create rolebinding reader --clusterrole=view --serviceaccount=default:reader
    wait_for 20 logs_say '"kind":"PodList"'
    # a pod that opts out gets nothing
    k apply -f - <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: notoken}
spec:
  serviceAccountName: reader
  automountServiceAccountToken: false
  containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
YAML
    run k get pod notoken -o jsonpath='{.spec.volumes}'
    [ -z "$output" ]
    k delete pod apicall notoken --wait=false
    k delete rolebinding reader
    k delete serviceaccount reader
}

@test "tls: every namespace has kube-root-ca.crt, the cluster's CA, put back when changed or deleted" {
    ca_in() { [ "$(k get configmap kube-root-ca.crt -n "$1" -o jsonpath='{.data.ca\.crt}')" = "$(cat "$CLUSTER_CA")" ]; }
    wait_for 20 ca_in default
    k create namespace rootca-new
    wait_for 20 ca_in rootca-new
    k patch configmap kube-root-ca.crt -n rootca-new --type merge -p '{"data":{"ca.crt":"forged","extra":"x"}}'
    wait_for 20 ca_in rootca-new
    run k get configmap kube-root-ca.crt -n rootca-new -o jsonpath='{.data.extra}'
    [ -z "$output" ]
    k delete configmap kube-root-ca.crt -n rootca-new
    wait_for 20 ca_in rootca-new
    k delete namespace rootca-new --wait=false
}

@test "tls: kubectl in a pod finds the API itself (in-cluster config) and verifies it with the mounted ca.crt" {
    local bin
    bin=$(dirname "$(readlink -f "$(command -v kubectl)")")
    k create serviceaccount lister
    k create rolebinding lister --clusterrole=view --serviceaccount=default:lister
    k apply -f - <<YAML
apiVersion: v1
kind: Pod
metadata: {name: incluster}
spec:
  serviceAccountName: lister
  volumes:
  - {name: kbin, hostPath: {path: $bin}}
  - {name: home, emptyDir: {}}
  containers:
  - name: c
    image: busybox
    env: [{name: HOME, value: /home}]
    volumeMounts: [{name: kbin, mountPath: /kbin, readOnly: true}, {name: home, mountPath: /home}]
    command: [sh, -c, 'until /kbin/kubectl get pod incluster -o name; do sleep 1; done; exec sleep 3600']
YAML
    wait_for 60 phase_is incluster Running
    listed() { k logs incluster | grep -qx pod/incluster; }
    wait_for 30 listed
    run k exec incluster -- /kbin/kubectl auth whoami -o jsonpath='{.status.userInfo.username}'
    [ "$output" = system:serviceaccount:default:lister ]
    # what the role does not grant is refused: RBAC judges the pod's token
    run k exec incluster -- /kbin/kubectl delete pod incluster --dry-run=server
    [ "$status" -ne 0 ] && [[ "$output" == *forbidden* ]]
    k delete pod incluster --wait=false
    k delete rolebinding lister
    k delete serviceaccount lister
}
