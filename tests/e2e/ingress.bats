#!/usr/bin/env bats
# Ingress end to end: real daemons (tests/e2e/lib/rscluster.bash: API
# server, scheduler, controller-manager with the endpoints controller,
# mk-fs, three kubelets in network namespaces), real pods (busybox httpd,
# each answering its own name) and a second mk-controller-manager running
# only the ingress controller in node1's network namespace, where its nginx
# listens on $ING_IP:8080 and reaches the pods pinned to node1.
#
# Names resolve through --resolve (curl) and the hosts file the controller
# keeps is a temp file (--ingress-hosts-file): /etc/hosts is never touched.
# Everything is removed in teardown_file by pid, even on failure.

load helpers
load lib/rscluster
bats_require_minimum_version 1.5.0

ING_PORT=8080

setup_file() {
    export RS_NET=172.31.247
    export ING_IP=$RS_NET.11
    rs_cluster_up
    export ING_DIR=$E2E_DIR/ingress HOSTS=$E2E_DIR/hosts
    printf '127.0.0.1 localhost\n# a line the controller must keep\n' >"$HOSTS"
    cp "$HOSTS" "$E2E_DIR/hosts.orig"
    start_ingress
    serve front-1 front
    serve api-1 api
    make_service front 'ports: [{name: http, port: 80, targetPort: http}]'
    make_service api 'ports: [{port: 8080, targetPort: 8080}]'
    wait_for 60 phase_is front-1 Running
    wait_for 60 phase_is api-1 Running
    wait_for 30 ready_in front
    wait_for 30 ready_in api
}

teardown_file() {
    stop_ingress || true
    # nginx dies with its controller (PR_SET_PDEATHSIG); make sure.
    local pid
    pid=$(cat "$ING_DIR/nginx.pid" 2>/dev/null || true)
    if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
    rs_cluster_down
}

# ---- helpers ----

start_ingress() {
    nsenter --net="/var/run/netns/mkr$E2E_TAG-n1" "$MK_BIN/mk-controller-manager" \
        --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" --controllers ingress \
        --ingress-listen "$ING_IP:$ING_PORT" --ingress-dir "$ING_DIR" \
        --ingress-hosts-file "$HOSTS" 2>>"$E2E_DIR/ingress.log" &
    echo $! >"$E2E_DIR/ingress.pid"
    wait_for 10 eval 'grep -q "ingress: nginx [0-9]* serving" "$E2E_DIR/ingress.log"'
}

stop_ingress() {
    [ -f "$E2E_DIR/ingress.pid" ] || return 0
    stop_pid "$(cat "$E2E_DIR/ingress.pid")"
    rm -f "$E2E_DIR/ingress.pid"
}

ING=/apis/networking.k8s.io/v1/namespaces/default/ingresses

# A pod on node1 whose httpd answers its own name on every path we ask.
serve() { # NAME APP
    post_yaml /api/v1/namespaces/default/pods >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1, labels: {app: $2}}
spec:
  nodeSelector: {kubernetes.io/hostname: node1}
  containers:
  - name: web
    image: busybox
    command: [sh, -c, 'mkdir -p /www/api && for f in index.html api/users api/special apiary; do hostname >/www/\$f; done && exec httpd -f -p 8080 -h /www']
    ports: [{name: http, containerPort: 8080}]
EOF
}

make_service() { # NAME PORTS_YAML
    post_yaml /api/v1/namespaces/default/services >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata: {name: $1}
spec:
  selector: {app: $1}
  $2
EOF
}

ingress() { # YAML on stdin: create, or replace when it exists
    local f=$E2E_DIR/ing.yaml name
    cat >"$f"
    name=$(sed -n 's/^metadata: {name: \([^,}]*\).*/\1/p' "$f")
    if [ "$(api GET "$ING/$name" -o /dev/null -w '%{http_code}')" = 200 ]; then
        api PATCH "$ING/$name" -H 'Content-Type: application/merge-patch+json' \
            -d "$("$MK_BIN/mk-json" to-json "$f" | jq -c '{spec: .spec}')" >/dev/null
    else
        post_yaml "$ING" <"$f" >/dev/null
    fi
}

one_host() { # NAME HOST SERVICE PORT: an Ingress sending all of HOST to SERVICE:PORT
    ingress <<EOF
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: $1}
spec:
  rules:
  - host: "$2"
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: $3, port: {number: $4}}}}]
EOF
}

ready_in() { [ "$(api GET "/api/v1/namespaces/default/endpoints/$1" | jq '[.subsets[]?.addresses[]?] | length')" -ge 1 ]; }

# "CODE BODY" of GET http://HOST:8080PATH through the ingress (the body's
# first line).
get() { # HOST PATH
    local out
    out=$(curl -s -m 5 -w '\n%{http_code}' --resolve "$1:$ING_PORT:$ING_IP" "http://$1:$ING_PORT$2")
    echo "${out##*$'\n'} $(head -n 1 <<<"${out%$'\n'*}")"
}
# After a reload, nginx's old workers accept for a moment more (until their
# QUIT is handled), so one answer from the new configuration does not make
# the next one new: every check after a change waits for it.
answers() { [ "$(get "$1" "$2")" = "$3" ]; } # HOST PATH "CODE BODY"
code_of() { get "$1" "$2" | cut -d' ' -f1; }
cond() { # INGRESS TYPE: "status reason message"
    api GET "$ING/$1" | jq -r ".status.conditions[]? | select(.type==\"$2\") | \"\(.status) \(.reason) \(.message)\""
}

# ---- tests ----

@test "ingress: no Ingress yet: every host and path is 404 from our own nginx" {
    run get anything.test /
    [ "$output" = "404 " ] || [[ "$output" == 404* ]]
    # our nginx, our files: not the system's
    [ -f "$ING_DIR/nginx.conf" ] && [ -f "$ING_DIR/nginx.pid" ]
    kill -0 "$(cat "$ING_DIR/nginx.pid")"
    grep -q "listen $ING_IP:$ING_PORT default_server" "$ING_DIR/nginx.conf"
}

@test "ingress: two Services behind one host, split by path (element-wise prefix)" {
    ingress <<'EOF'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: split}
spec:
  rules:
  - host: web.minik8s.test
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}
      - {path: /, pathType: Prefix, backend: {service: {name: front, port: {name: http}}}}
EOF
    wait_for 20 answers web.minik8s.test /api/users "200 api-1"
    wait_for 10 answers web.minik8s.test / "200 front-1"
    # "/apiary" is not under "/api": element-wise, not a string prefix
    wait_for 10 answers web.minik8s.test /apiary "200 front-1"
    [ "$(api GET "$ING/split" | jq -r '.status.loadBalancer.ingress[0].ip')" = "$ING_IP" ]
    [[ "$(cond split Configured)" == "True Applied "* ]]
    [[ "$(cond split BackendsResolved)" == "True "* ]]
}

@test "ingress: two hosts on one address, a wildcard for one label, an unknown host 404" {
    ingress <<'EOF'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: hosts}
spec:
  rules:
  - host: one.minik8s.test
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: front, port: {number: 80}}}}]
  - host: two.minik8s.test
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}]
  - host: "*.apps.minik8s.test"
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}]
EOF
    wait_for 20 answers one.minik8s.test / "200 front-1"
    wait_for 10 answers two.minik8s.test / "200 api-1"
    wait_for 10 answers x.apps.minik8s.test / "200 api-1"
    [ "$(code_of a.b.apps.minik8s.test /)" = 404 ]
    [ "$(code_of unknown.minik8s.test /)" = 404 ]
    [ "$(code_of unknown.minik8s.test /api/users)" = 404 ]
    [ "$(api GET "$ING/hosts" | jq -r '.status.loadBalancer.ingress[0].ip')" = "$ING_IP" ]
    # the hosts file names the exact hosts, not the wildcard, and keeps the rest
    grep -qx "$ING_IP one.minik8s.test" "$HOSTS"
    grep -qx "$ING_IP two.minik8s.test" "$HOSTS"
    grep -qx "$ING_IP web.minik8s.test" "$HOSTS"
    run ! grep -q apps.minik8s.test "$HOSTS"
    grep -qx '# a line the controller must keep' "$HOSTS"
}

@test "ingress: an Exact path beats a Prefix, in another Ingress" {
    ingress <<'EOF'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: exact}
spec:
  rules:
  - host: web.minik8s.test
    http:
      paths:
      - {path: /api/special, pathType: Exact, backend: {service: {name: front, port: {number: 80}}}}
EOF
    wait_for 20 answers web.minik8s.test /api/special "200 front-1"
    wait_for 10 answers web.minik8s.test /api/users "200 api-1"
}

@test "ingress: a bad backend Service is reported on the Ingress and its path answers 503" {
    ingress <<'EOF'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: broken}
spec:
  rules:
  - host: broken.minik8s.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: nosuchsvc, port: {number: 80}}}}
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {name: nosuchport}}}}
EOF
    wait_for 20 eval '[[ "$(cond broken BackendsResolved)" == "False BackendNotFound "* ]]'
    run cond broken BackendsResolved
    echo "$output"
    [[ "$output" == *"service default/nosuchsvc not found"* ]]
    [[ "$output" == *"service default/api has no port named nosuchport"* ]]
    # nginx takes the new configuration on its reload, which may land a
    # moment after the condition is written.
    wait_for 10 eval '[ "$(code_of broken.minik8s.test /)" = 503 ]'
    [ "$(code_of broken.minik8s.test /)" = 503 ]
    [ "$(code_of broken.minik8s.test /api/users)" = 503 ]
    # the others are not disturbed
    wait_for 10 answers web.minik8s.test /api/users "200 api-1"
}

@test "ingress: a configuration nginx refuses never replaces the one serving" {
    local long
    long=$(printf 'a%.0s' {1..60}).$(printf 'b%.0s' {1..60}).$(printf 'c%.0s' {1..60}).minik8s.test
    cp "$ING_DIR/nginx.conf" "$E2E_DIR/before.conf"
    one_host toolong "$long" front 80
    wait_for 20 eval '[[ "$(cond toolong Configured)" == "False InvalidConfiguration "* ]]'
    [[ "$(cond toolong Configured)" == *"server_names_hash"* ]]
    cmp "$ING_DIR/nginx.conf" "$E2E_DIR/before.conf"
    wait_for 10 answers web.minik8s.test /api/users "200 api-1"
    # the refused one does not hold the others back
    one_host later "later.minik8s.test" front 80
    wait_for 20 answers later.minik8s.test / "200 front-1"
    [[ "$(cond later Configured)" == "True Applied "* ]]
    api DELETE "$ING/toolong" >/dev/null
    api DELETE "$ING/later" >/dev/null
}

@test "ingress: 200 requests during a live update and reload see no error" {
    local before
    before=$(grep -c "nginx reloaded" "$E2E_DIR/ingress.log")
    (
        for _ in $(seq 1 200); do
            curl -s -o /dev/null -m 5 -w '%{http_code}\n' \
                --resolve "web.minik8s.test:$ING_PORT:$ING_IP" "http://web.minik8s.test:$ING_PORT/"
        done >"$E2E_DIR/loop.codes"
    ) &
    local loop=$!
    sleep 0.3
    # "/" moves from front to api, and a new path appears
    ingress <<'EOF'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: split}
spec:
  rules:
  - host: web.minik8s.test
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}
      - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}
      - {path: /new, pathType: Exact, backend: {service: {name: front, port: {number: 80}}}}
EOF
    wait "$loop"
    sort "$E2E_DIR/loop.codes" | uniq -c
    [ "$(wc -l <"$E2E_DIR/loop.codes")" = 200 ]
    [ "$(grep -vcx 200 "$E2E_DIR/loop.codes")" = 0 ]
    wait_for 20 answers web.minik8s.test / "200 api-1"
    [ "$(grep -c "nginx reloaded" "$E2E_DIR/ingress.log")" -gt "$before" ]
}

@test "rkubectl get ingress: NAME CLASS HOSTS ADDRESS PORTS AGE" {
    run env MINIK8S_MOUNT="$MNT" "$MK_ROOT/tools/rkubectl" get ingress
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^NAME\ +CLASS\ +HOSTS\ +ADDRESS\ +PORTS\ +AGE$ ]]
    [[ "$output" =~ split\ +\<none\>\ +web.minik8s.test\ +$ING_IP\ +80\  ]]
    [[ "$output" =~ hosts\ +\<none\>\ +one.minik8s.test,two.minik8s.test,\*.apps.minik8s.test\ +$ING_IP\ +80\  ]]
}

@test "ingress: deleting every Ingress removes their routes (404) and the hosts block" {
    local n
    for n in $(api GET "$ING" | jq -r '.items[].metadata.name'); do
        api DELETE "$ING/$n" >/dev/null
    done
    wait_for 20 eval '[ "$(code_of web.minik8s.test /api/users)" = 404 ]'
    wait_for 10 eval '[ "$(code_of one.minik8s.test /)" = 404 ]'
    wait_for 10 eval '[ "$(code_of x.apps.minik8s.test /)" = 404 ]'
    wait_for 5 cmp "$HOSTS" "$E2E_DIR/hosts.orig"
}

@test "ingress: SIGTERM stops the controller and its nginx; the hosts file is as it was" {
    one_host last "last.minik8s.test" front 80
    wait_for 20 answers last.minik8s.test / "200 front-1"
    grep -q last.minik8s.test "$HOSTS"
    local nginx
    nginx=$(cat "$ING_DIR/nginx.pid")
    stop_ingress
    run ! kill -0 "$nginx"
    grep -q "ingress: nginx $nginx stopped" "$E2E_DIR/ingress.log"
    cmp "$HOSTS" "$E2E_DIR/hosts.orig"
    run curl -s -m 2 "http://$ING_IP:$ING_PORT/"
    [ "$status" -ne 0 ]
}

@test "mk-controller-manager: a taken ingress port fails the start in one line" {
    # The last test's nginx workers may hold the port a moment after their
    # master went: the holder waits for it, then says so.
    nsenter --net="/var/run/netns/mkr$E2E_TAG-n1" python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
for _ in range(100):
    try:
        s.bind((sys.argv[1], int(sys.argv[2]))); break
    except OSError:
        time.sleep(0.1)
s.listen(); open(sys.argv[3], "w").close(); time.sleep(15)' "$ING_IP" "$ING_PORT" "$BATS_TEST_TMPDIR/held" &
    local holder=$!
    wait_for 12 test -e "$BATS_TEST_TMPDIR/held"
    run nsenter --net="/var/run/netns/mkr$E2E_TAG-n1" timeout 20 "$MK_BIN/mk-controller-manager" \
        --server "$MK_SERVER" --token-file "$E2E_DIR/admin.token" --controllers ingress \
        --ingress-listen "$ING_IP:$ING_PORT" --ingress-dir "$E2E_DIR/ingress-taken"
    kill "$holder" 2>/dev/null || true
    wait "$holder" 2>/dev/null || true
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Address already in use"* ]]
}
