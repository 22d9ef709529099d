#!/usr/bin/env bats
# Services and the overlay, end to end: three nodes as three network
# namespaces, each with a mk-kubelet and a mk-proxy, over mk-apiserver,
# mk-scheduler and mk-controller-manager (node IPAM, endpoints), no mk-fs:
# tests/e2e/lib/cluster.bash.
#
# Layout (addresses made for the test, never the host's 192.0.2.0/24):
#   root ns: bridge $BR 172.31.252.1/24 - the API server listens there
#   netns mks$E2E_TAG-n1..3: eth0 172.31.252.11..13, kubelet + proxy each
#   (labels e2e=yes), pod bridge mk0, mk-vxlan0, mk-svc0
# Pods: web-1..3 (busybox httpd answering its own name, one per node) and
# a client on node1. Traffic from pods is run in their network namespace
# (/var/run/netns/mk-<uid>) with the host's busybox.
# Everything the file creates is removed in teardown_file, even on failure.

load helpers
load lib/cluster

setup_file() {
    export CLUSTER_NET=172.31.252 CLUSTER_NS=mks CLUSTER_CM_FLAGS='--controllers nodeipam,endpoints' \
        CLUSTER_LABELS=e2e=yes CLUSTER_HEARTBEAT=2 CLUSTER_PROXY=1 CLUSTER_FS=0
    cluster_up
    local i p
    for i in 1 2 3; do wait_for 10 vtep_published "node$i"; done
    for i in 1 2 3; do start_web "$i"; done
    create_pod client 1 'exec sleep 3600'
    for p in web-1 web-2 web-3 client; do wait_for 30 phase_is "$p" Running; done
}

teardown_file() {
    cluster_down
}

# ---- helpers ----

# A busybox pod pinned to a node; SCRIPT is its shell command.
create_pod() { # NAME NODE_INDEX SCRIPT [LABEL]
    post_yaml /api/v1/namespaces/default/pods >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1, labels: {app: ${4:-none}}}
spec:
  nodeSelector: {kubernetes.io/hostname: node$2}
  containers:
  - name: c
    image: busybox
    command: [sh, -c, '$3']
    ports: [{name: http, containerPort: 8080}]
EOF
}

# Each replica answers its own name on its named port "http" (8080).
start_web() { # INDEX [NODE_INDEX]
    create_pod "web-$1" "${2:-$1}" \
        "mkdir -p /tmp/www && hostname >/tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www" web
}

pod_ip() { pod_jq "$1" .status.podIP; }
vtep_published() {
    [[ "$(api GET "/api/v1/nodes/$1" | jq -r '.metadata.annotations["minik8s.io/vtep-mac"] // ""')" == ??:??:??:??:??:?? ]]
}

# Run a command inside a pod's network namespace.
in_pod() { # POD COMMAND...
    local uid
    uid=$(pod_jq "$1" .metadata.uid)
    shift
    ip netns exec "mk-$uid" "$@"
}
# Run a command in a pod's container "c" (its files, its resolv.conf),
# through the API server's exec.
in_ctr() { # POD COMMAND...
    local pod=$1
    shift
    python3 "$BATS_TEST_DIRNAME/lib/mkexec.py" \
        "$MK_SERVER/api/v1/namespaces/default/pods/$pod/exec?container=c" --token "$TOKEN" -- "$@"
}
fetch() { # POD URL: the body, or nothing
    in_pod "$1" timeout 5 busybox wget -q -O - "$2" 2>/dev/null || true
}
ready_count() { # SERVICE
    api GET "/api/v1/namespaces/default/endpoints/$1" | jq '[.subsets[]?.addresses[]?] | length'
}
cluster_ip() { api GET "/api/v1/namespaces/default/services/$1" | jq -r .spec.clusterIP; }
# Some node's table holds a rule for the ClusterIP (or not).
rules_have() { # NODE_INDEX TEXT
    in_node "$1" nft list table ip minik8s 2>/dev/null | grep -qF "$2"
}
rules_lack() { ! rules_have "$@"; }
# All chains of a service, on every node, list N endpoints.
balanced_over() { # CLUSTER_IP N
    local i
    for i in 1 2 3; do
        in_node "$i" nft list table ip minik8s | grep -q "numgen inc mod $2 map" || return 1
    done
}
count_answers() { # CLIENT URL N: "name count" lines, sorted
    local i
    for ((i = 0; i < $3; i++)); do fetch "$1" "$2"; done | sort | uniq -c | awk '{print $2, $1}'
}

# ---- tests ----

@test "overlay: each node has a VTEP and a route to every other node's podCIDR" {
    local i j cidr
    for i in 1 2 3; do
        in_node "$i" ip -d link show mk-vxlan0 | grep -q "vxlan id 1 local 172.31.252.1$i .*dstport 8472 .*nolearning"
        in_node "$i" ip link show mk-vxlan0 | grep -q "mtu 1450 "
        for j in 1 2 3; do
            [ "$i" = "$j" ] && continue
            cidr=$(api GET "/api/v1/nodes/node$j" | jq -r .spec.podCIDR)
            in_node "$i" ip route show "$cidr" | grep -q "via ${cidr%/*} dev mk-vxlan0 .*onlink"
            in_node "$i" bridge fdb show dev mk-vxlan0 | grep -q "dst 172.31.252.1$j"
        done
        # The service CIDR goes nowhere but mk-svc0, never a default route.
        in_node "$i" ip route get 10.96.200.200 | grep -q "dev mk-svc0"
    done
}

@test "overlay: a pod on node1 pings and connects to pods on node2 and node3" {
    local p ip
    for p in web-2 web-3; do
        ip=$(pod_ip "$p")
        in_pod client busybox ping -c 1 -W 2 "$ip"
        [ "$(fetch client "http://$ip:8080/")" = "$p" ]
    done
    # and back: node3 to node1
    [ "$(fetch web-3 "http://$(pod_ip client):8080/" || true)" = "" ] # client serves nothing
    in_pod web-3 busybox ping -c 1 -W 2 "$(pod_ip client)"
}

@test "overlay: a node joining or leaving updates the others' routes" {
    post_yaml /api/v1/nodes >/dev/null <<'EOF'
apiVersion: v1
kind: Node
metadata:
  name: ghost
  annotations: {minik8s.io/vtep-mac: "02:00:00:00:00:99"}
spec: {podCIDR: 10.244.250.0/24}
EOF
    api PATCH /api/v1/nodes/ghost/status -H 'Content-Type: application/merge-patch+json' \
        -d '{"status":{"addresses":[{"type":"InternalIP","address":"172.31.252.99"}]}}' >/dev/null
    wait_for 3 eval 'in_node 1 ip route show 10.244.250.0/24 | grep -q "via 10.244.250.0 dev mk-vxlan0"'
    in_node 2 bridge fdb show dev mk-vxlan0 | grep -q "02:00:00:00:00:99 dst 172.31.252.99"
    in_node 3 ip neigh show dev mk-vxlan0 | grep -q "10.244.250.0 lladdr 02:00:00:00:00:99 PERMANENT"
    api DELETE /api/v1/nodes/ghost >/dev/null
    wait_for 3 eval '[ -z "$(in_node 1 ip route show 10.244.250.0/24)" ]'
    wait_for 3 eval '! in_node 2 bridge fdb show dev mk-vxlan0 | grep -q 02:00:00:00:00:99'
    wait_for 3 eval '! in_node 3 ip neigh show dev mk-vxlan0 | grep -q 10.244.250.0'
}

@test "service: 30 requests from a pod go exactly 10 to each of three replicas on three nodes" {
    post_yaml /api/v1/namespaces/default/services >/dev/null <<'EOF'
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
EOF
    local cip
    cip=$(cluster_ip web)
    [[ "$cip" == 10.96.* ]]
    wait_for 20 eval '[ "$(ready_count web)" = 3 ]'
    # named targetPort resolved per pod
    [ "$(api GET /api/v1/namespaces/default/endpoints/web | jq -r '.subsets[0].ports[0].port')" = 8080 ]
    wait_for 5 balanced_over "$cip" 3
    run count_answers client "http://$cip/" 30
    echo "$output"
    [ "$output" = "$(printf 'web-1 10\nweb-2 10\nweb-3 10')" ]
}

@test "service: scaling to four replicas and back updates the balancing" {
    local cip
    cip=$(cluster_ip web)
    start_web 4 2
    wait_for 30 phase_is web-4 Running
    wait_for 20 eval '[ "$(ready_count web)" = 4 ]'
    wait_for 5 balanced_over "$cip" 4
    run count_answers client "http://$cip/" 40
    echo "$output"
    [ "$output" = "$(printf 'web-1 10\nweb-2 10\nweb-3 10\nweb-4 10')" ]
    api DELETE /api/v1/namespaces/default/pods/web-4 >/dev/null
    wait_for 30 eval '[ "$(ready_count web)" = 3 ]'
    wait_for 5 balanced_over "$cip" 3
    run count_answers client "http://$cip/" 30
    [ "$output" = "$(printf 'web-1 10\nweb-2 10\nweb-3 10')" ]
}

@test "service: a replica failing its readiness probe is out of the balancing until it passes" {
    post_yaml /api/v1/namespaces/default/pods >/dev/null <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: web-5, labels: {app: web}}
spec:
  nodeSelector: {kubernetes.io/hostname: node3}
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'mkdir -p /tmp/www && hostname >/tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www']
    ports: [{name: http, containerPort: 8080}]
    readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 1, failureThreshold: 1}
EOF
    local cip ip
    cip=$(cluster_ip web)
    wait_for 30 phase_is web-5 Running
    ip=$(pod_ip web-5)
    # Running, but /ready is a 404: listed as not ready, never balanced to.
    wait_for 10 eval 'api GET /api/v1/namespaces/default/endpoints/web | jq -e --arg ip "$ip" "[.subsets[]?.notReadyAddresses[]?.ip] | index(\$ip)"'
    [ "$(ready_count web)" = 3 ]
    run count_answers client "http://$cip/" 30
    [ "$output" = "$(printf 'web-1 10\nweb-2 10\nweb-3 10')" ]
    in_ctr web-5 touch /tmp/www/ready
    wait_for 10 eval '[ "$(ready_count web)" = 4 ]'
    wait_for 5 balanced_over "$cip" 4
    run count_answers client "http://$cip/" 40
    [ "$output" = "$(printf 'web-1 10\nweb-2 10\nweb-3 10\nweb-5 10')" ]
    in_ctr web-5 rm /tmp/www/ready
    wait_for 10 eval '[ "$(ready_count web)" = 3 ]'
    wait_for 5 balanced_over "$cip" 3
    api DELETE /api/v1/namespaces/default/pods/web-5 >/dev/null
    wait_for 30 eval 'api GET /api/v1/namespaces/default/pods/web-5 -o /dev/null -w "%{http_code}" | grep -qx 404'
}

@test "service: a replica reaching itself through the ClusterIP (hairpin) is answered" {
    local cip port
    cip=$(cluster_ip web)
    # The kubelet puts its veths in hairpin mode, so a frame may go back out
    # the port it came in on (br_netfilter bridges the DNATed frame); the
    # proxy's part is the masquerade that makes the reply come back.
    for port in $(in_node 1 bridge link show | awk -F'[ :@]+' '/master mk0/ {print $2}'); do
        in_node 1 bridge -d link show dev "$port" | grep -q "hairpin on"
    done
    run count_answers web-1 "http://$cip/" 30
    echo "$output"
    [ "$output" = "$(printf 'web-1 10\nweb-2 10\nweb-3 10')" ]
}

@test "service: reachable from the node itself too" {
    local cip
    cip=$(cluster_ip web)
    [[ "$(in_node 2 timeout 5 busybox wget -q -O - "http://$cip/")" == web-? ]]
}

@test "service: without endpoints a connection is refused at once" {
    post_yaml /api/v1/namespaces/default/services >/dev/null <<'EOF'
apiVersion: v1
kind: Service
metadata: {name: nobody}
spec:
  selector: {app: nobody}
  ports: [{port: 80}]
EOF
    local cip
    cip=$(cluster_ip nobody)
    wait_for 5 rules_have 1 "$cip . tcp . 80 : goto no-endpoint"
    run in_pod client timeout 5 busybox wget -q -O - "http://$cip/"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Connection refused"* ]]
}

@test "dns: service names resolve from a pod" {
    local cip name
    cip=$(cluster_ip web)
    # Inside the container, with its own /etc/resolv.conf (the kubelet's,
    # bound read-only): no server named on the command line.
    run in_ctr client cat /etc/resolv.conf
    echo "$output"
    [ "$output" = "$(printf 'nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5')" ]
    # busybox's nslookup asks every search-list candidate at once and exits
    # 1 when any of them is NXDOMAIN, so its answer is what counts here.
    for name in web web.default web.default.svc web.default.svc.cluster.local; do
        run in_ctr client nslookup "$name"
        echo "$output"
        [[ "$output" == *"Address: $cip"* ]]
    done
    run in_ctr client nslookup nothere.default.svc.cluster.local
    [ "$status" -ne 0 ]
    [[ "$output" == *"NXDOMAIN"* ]]
    # and libc's resolver (search path, ndots:5) finds the short name for a
    # request (busybox 1.35's wget -T crashes: timeout bounds it instead)
    run in_ctr client timeout 10 wget -q -O - http://web/
    echo "$output"
    [[ "$output" == web-? ]]
}

@test "service links: a pod started after a Service has its variables and reaches it by them; enableServiceLinks: false has none" {
    local cip
    cip=$(cluster_ip web)
    create_pod linked 2 'exec sleep 3600'
    post_yaml /api/v1/namespaces/default/pods >/dev/null <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: unlinked}
spec:
  enableServiceLinks: false
  nodeSelector: {kubernetes.io/hostname: node3}
  containers: [{name: c, image: busybox, command: [sleep, '3600']}]
EOF
    wait_for 30 phase_is linked Running
    wait_for 30 phase_is unlinked Running
    [ "$(pod_jq linked .spec.enableServiceLinks)" = true ]
    run in_ctr linked sh -c 'echo $WEB_SERVICE_HOST $WEB_SERVICE_PORT $WEB_SERVICE_PORT_HTTP $WEB_PORT $WEB_PORT_80_TCP_ADDR'
    [ "$output" = "$cip 80 80 tcp://$cip:80 $cip" ]
    run in_ctr linked sh -c 'timeout 10 wget -q -O - "http://$WEB_SERVICE_HOST:$WEB_SERVICE_PORT/"'
    echo "$output"
    [[ "$output" == web-? ]]
    # Links are made when a container starts: the client came before the
    # Service; and a pod may do without them, but for the API server's.
    run in_ctr client sh -c 'echo "[$WEB_SERVICE_HOST]"'
    [ "$output" = "[]" ]
    run in_ctr unlinked sh -c 'env | grep _SERVICE_HOST'
    [ "$output" = KUBERNETES_SERVICE_HOST=10.96.0.1 ]
    api DELETE /api/v1/namespaces/default/pods/linked >/dev/null
    api DELETE /api/v1/namespaces/default/pods/unlinked >/dev/null
}

@test "dns: a pod named under a headless Service (hostname, subdomain) resolves by that name" {
    post_yaml /api/v1/namespaces/default/services >/dev/null <<'EOF'
apiVersion: v1
kind: Service
metadata: {name: peers}
spec:
  clusterIP: None
  selector: {app: peer}
  ports: [{port: 8080}]
EOF
    post_yaml /api/v1/namespaces/default/pods >/dev/null <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: peer-pod, labels: {app: peer}}
spec:
  hostname: peer-0
  subdomain: peers
  nodeSelector: {kubernetes.io/hostname: node2}
  containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
EOF
    wait_for 30 eval '[ "$(api GET /api/v1/namespaces/default/endpoints/peers | jq -r ".subsets[0].addresses[0].hostname")" = peer-0 ]'
    local ip
    ip=$(pod_ip peer-pod)
    run in_ctr client nslookup peer-0.peers.default.svc.cluster.local
    echo "$output"
    [[ "$output" == *"Address: $ip"* ]]
    run in_ctr client nslookup peer-9.peers.default.svc.cluster.local
    [[ "$output" == *"NXDOMAIN"* ]]
    api DELETE /api/v1/namespaces/default/services/peers >/dev/null
    api DELETE /api/v1/namespaces/default/pods/peer-pod >/dev/null
}

@test "service: deleting the Service removes its rules on every node" {
    local cip i
    cip=$(cluster_ip web)
    for i in 1 2 3; do rules_have "$i" "$cip . tcp . 80"; done
    api DELETE /api/v1/namespaces/default/services/web >/dev/null
    for i in 1 2 3; do wait_for 3 rules_lack "$i" "$cip"; done
    wait_for 5 eval '[ "$(api GET /api/v1/namespaces/default/endpoints/web -o /dev/null -w "%{http_code}")" = 404 ]'
    run in_pod client timeout 3 busybox wget -q -O - "http://$cip/"
    [ "$status" -ne 0 ]
}

@test "mk-proxy: SIGTERM removes its table and leaves other tables alone" {
    in_node 3 nft add table inet e2e-other
    in_node 3 nft add chain inet e2e-other keep
    in_node 3 nft list table ip minik8s >/dev/null
    stop_proxy 3
    cat "$E2E_DIR/proxy3.log"
    run in_node 3 nft list table ip minik8s
    [ "$status" -ne 0 ]
    in_node 3 nft list chain inet e2e-other keep
    in_node 3 nft delete table inet e2e-other
    grep -q "table ip minik8s removed" "$E2E_DIR/proxy3.log"
    grep -q "mk-proxy: stopped" "$E2E_DIR/proxy3.log"
    start_proxy 3
    wait_for 5 eval 'in_node 3 nft list table ip minik8s >/dev/null 2>&1'
}

# ---- NetworkPolicy ----

NP=/apis/networking.k8s.io/v1/namespaces/default/networkpolicies
policy_has() { # NODE_INDEX TEXT: the node's policy table holds TEXT
    in_node "$1" nft list table ip minik8s-policy 2>/dev/null | grep -qF "$2"
}
no_policy_table() { ! in_node "$1" nft list table ip minik8s-policy >/dev/null 2>&1; }
# A connection refused at once (the policy's reset), not a timeout.
refused() { # POD URL
    run in_pod "$1" timeout 5 busybox wget -q -O - "$2"
    [ "$status" -ne 0 ] && [[ "$output" == *"refused"* ]]
}

@test "networkpolicy: ingress only from the selected pods on the named port, on one node and across the overlay; egress to an ipBlock; deleted, all open again" {
    local ip1 ip2 ip3
    ip1=$(pod_ip web-1) ip2=$(pod_ip web-2) ip3=$(pod_ip web-3)
    create_pod friend 3 'exec sleep 3600' friend
    wait_for 30 phase_is friend Running
    [ "$(fetch client "http://$ip2:8080/")" = web-2 ]
    post_yaml $NP >/dev/null <<'EOF2'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-friend}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: friend}}}]
    ports: [{port: http}]
EOF2
    local i
    # (nft lists the rule its own way: "tcp dport 8080")
    for i in 1 2 3; do wait_for 10 policy_has "$i" "tcp dport 8080 return"; done
    # the friend on node3 reaches web-2 (node2) and web-3 (its own node)
    [ "$(fetch friend "http://$ip2:8080/")" = web-2 ]
    [ "$(fetch friend "http://$ip3:8080/")" = web-3 ]
    # the client is refused on its own node's bridge and across the overlay
    refused client "http://$ip1:8080/"
    refused client "http://$ip2:8080/"
    # a pod that no policy selects takes anything: the client itself
    in_pod friend busybox ping -c 1 -W 2 "$(pod_ip client)"
    api DELETE $NP/web-from-friend >/dev/null
    wait_for 10 no_policy_table 1
    [ "$(fetch client "http://$ip1:8080/")" = web-1 ]
    # egress: the client (app=none) may reach web-3's address only
    post_yaml $NP >/dev/null <<EOF2
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-out}
spec:
  podSelector: {matchLabels: {app: none}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: $ip3/32}}]
    ports: [{protocol: TCP, port: 8080}]
EOF2
    wait_for 10 policy_has 1 "ip daddr $ip3 tcp dport 8080 return"
    [ "$(fetch client "http://$ip3:8080/")" = web-3 ]
    refused client "http://$ip2:8080/"
    api DELETE $NP/client-out >/dev/null
    api DELETE /api/v1/namespaces/default/pods/friend >/dev/null
    for i in 1 2 3; do wait_for 10 no_policy_table "$i"; done
    [ "$(fetch client "http://$ip2:8080/")" = web-2 ]
}
