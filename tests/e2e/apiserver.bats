#!/usr/bin/env bats
# mk-apiserver end to end: REST, watch, auth, TLS, discovery, metrics and a
# real kubectl, against a real server on a free loopback port.

load helpers

setup_file() {
    start_apiserver --bookmark-interval 0.3
    export MAIN_SERVER=$MK_SERVER MAIN_PID=$MK_APISERVER_PID
}

teardown_file() {
    MK_APISERVER_PID=$MAIN_PID stop_apiserver
}

# Extra servers a test starts are listed here and stopped even if it fails.
teardown() {
    local pid
    if [ -f "$BATS_FILE_TMPDIR/extra.pids" ]; then
        while read -r pid; do
            MK_APISERVER_PID=$pid stop_apiserver KILL
        done <"$BATS_FILE_TMPDIR/extra.pids"
        rm -f "$BATS_FILE_TMPDIR/extra.pids"
    fi
}

start_extra() {
    MK_APISERVER_DATA= MK_APISERVER_LISTEN= start_apiserver "$@"
    echo "$MK_APISERVER_PID" >>"$BATS_FILE_TMPDIR/extra.pids"
}

pod_json() { # name [labels-json] [extra spec fields]
    printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","labels":%s},"spec":{"containers":[{"name":"c","image":"busybox"}]%s}}' \
        "$1" "${2:-{\}}" "${3:-}"
}

create_pod() { # name [labels-json] [ns]
    req POST "/api/v1/namespaces/${3:-default}/pods" -H 'Content-Type: application/json' \
        -d "$(pod_json "$1" "${2:-}")"
}

rv_of() { jq -r .metadata.resourceVersion <<<"$BODY"; }

# Events of a finished watch, "TYPE name" a line, bookmarks left out.
events_of() { jq -r 'select(.type != "BOOKMARK") | "\(.type) \(.object.metadata.name)"' "$1"; }

@test "healthz and version answer" {
    req GET /healthz
    [ "$CODE" = 200 ] && [ "$BODY" = ok ]
    req GET /version
    [ "$CODE" = 200 ]
    [ "$(jq -r .major <<<"$BODY")" = 1 ]
}

@test "create from YAML sets uid, creationTimestamp, generation and resourceVersion" {
    req POST /api/v1/namespaces/default/pods -H 'Content-Type: application/yaml' --data-binary @- <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: yaml-pod
spec:
  containers:
  - name: c
    image: busybox
YAML
    [ "$CODE" = 201 ]
    [ "$(jq -r .metadata.namespace <<<"$BODY")" = default ]
    [ -n "$(jq -r '.metadata.uid // empty' <<<"$BODY")" ]
    [ -n "$(jq -r '.metadata.creationTimestamp // empty' <<<"$BODY")" ]
    [ "$(jq -r .metadata.generation <<<"$BODY")" = 1 ]
    [ "$(rv_of)" -gt 0 ]
    req GET /api/v1/namespaces/default/pods/yaml-pod
    [ "$CODE" = 200 ]
    [ "$(jq -r .spec.containers[0].image <<<"$BODY")" = busybox ]
}

@test "create conflicts, missing namespaces and generateName" {
    create_pod dup
    [ "$CODE" = 201 ]
    create_pod dup
    [ "$CODE" = 409 ]
    [ "$(jq -r .reason <<<"$BODY")" = AlreadyExists ]
    create_pod lost '{}' nowhere
    [ "$CODE" = 404 ]
    [[ "$(jq -r .message <<<"$BODY")" == *'namespaces "nowhere" not found'* ]]
    req POST /api/v1/namespaces/default/pods -d '{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"gen-"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}'
    [ "$CODE" = 201 ]
    [[ "$(jq -r .metadata.name <<<"$BODY")" == gen-?????* ]]
    req POST /api/v1/namespaces/default/pods -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"kube-system"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}'
    [ "$CODE" = 400 ]
}

@test "numeric quantities are stored as strings, on create and on update" {
    req POST /api/v1/namespaces/default/pods -H 'Content-Type: application/yaml' --data-binary @- <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: qty-pod
spec:
  containers:
  - name: c
    image: busybox
    resources:
      limits:
        cpu: 1
        memory: 1e9
YAML
    [ "$CODE" = 201 ]
    req GET /api/v1/namespaces/default/pods/qty-pod
    [ "$(jq -c '.spec.containers[0].resources.limits.cpu' <<<"$BODY")" = '"1"' ]
    [ "$(jq -c '.spec.containers[0].resources.limits.memory' <<<"$BODY")" = '"1e9"' ]
    req PATCH /api/v1/namespaces/default/pods/qty-pod -H 'Content-Type: application/merge-patch+json' \
        -d '{"metadata":{"labels":{"x":"y"}},"spec":{"containers":[{"name":"c","image":"busybox","resources":{"limits":{"cpu":2}}}]}}'
    req GET /api/v1/namespaces/default/pods/qty-pod
    [ "$(jq -c '.metadata.labels.x' <<<"$BODY")" = '"y"' ]
    cpu=$(jq -c '.spec.containers[0].resources.limits.cpu' <<<"$BODY")
    [ "$cpu" = '"1"' ] || [ "$cpu" = '"2"' ] # pod specs may refuse the change; never a number
}

@test "finalizers hold a deleted object until taken off; a namespace holding one stays Terminating" {
    local cms=/api/v1/namespaces/default/configmaps
    req POST $cms -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"held","finalizers":["example.com/hold"]}}'
    [ "$CODE" = 201 ]
    req DELETE $cms/held
    [ "$CODE" = 200 ]
    req GET $cms/held
    [ "$CODE" = 200 ]
    jq -e '.metadata.deletionTimestamp and .metadata.finalizers == ["example.com/hold"]' <<<"$BODY"
    # no new finalizer while deleting: 422 naming the field
    req PATCH $cms/held -H 'Content-Type: application/merge-patch+json' \
        -d '{"metadata":{"finalizers":["example.com/hold","example.com/more"]}}'
    [ "$CODE" = 422 ]
    [[ "$(jq -r .message <<<"$BODY")" == *'metadata.finalizers: Forbidden: no new finalizers can be added'*'example.com/more'* ]]
    # taking the last one off removes it: watchers see DELETED
    local rv
    req GET $cms/held
    rv=$(jq -r .metadata.resourceVersion <<<"$BODY")
    curl -sN --max-time 3 "$MK_SERVER$cms?watch=true&resourceVersion=$rv" >"$BATS_TEST_TMPDIR/w" &
    local w=$!
    req PATCH $cms/held -H 'Content-Type: application/merge-patch+json' -d '{"metadata":{"finalizers":null}}'
    [ "$CODE" = 200 ]
    req GET $cms/held
    [ "$CODE" = 404 ]
    wait "$w" || true
    grep -q '"type":"DELETED".*"name":"held"' "$BATS_TEST_TMPDIR/w"

    # a namespace: what goes at once goes; a held object keeps it Terminating
    req POST /api/v1/namespaces -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ending"}}'
    req POST /api/v1/namespaces/ending/configmaps -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"plain"}}'
    req POST /api/v1/namespaces/ending/configmaps -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"kept","finalizers":["example.com/hold"]}}'
    req DELETE /api/v1/namespaces/ending
    [ "$CODE" = 200 ]
    req GET /api/v1/namespaces/ending
    [ "$(jq -r .status.phase <<<"$BODY")" = Terminating ]
    req GET /api/v1/namespaces/ending/configmaps/plain
    [ "$CODE" = 404 ]
    req POST /api/v1/namespaces/ending/configmaps -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"late"}}'
    [ "$CODE" = 403 ]
    [[ "$(jq -r .message <<<"$BODY")" == *'unable to create new content in namespace ending because it is being terminated'* ]]
    req PATCH /api/v1/namespaces/ending/configmaps/kept -H 'Content-Type: application/merge-patch+json' \
        -d '{"metadata":{"finalizers":[]}}'
    [ "$CODE" = 200 ]
    req GET /api/v1/namespaces/ending
    [ "$CODE" = 404 ]
}

@test "a namespace's creation and deletion take effect for creates at once" {
    req POST /api/v1/namespaces -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"short-lived"}}'
    [ "$CODE" = 201 ]
    create_pod p1 '{}' short-lived
    [ "$CODE" = 201 ]
    req DELETE /api/v1/namespaces/short-lived
    [ "$CODE" = 200 ]
    create_pod p2 '{}' short-lived
    [ "$CODE" = 404 ]
    [[ "$(jq -r .message <<<"$BODY")" == *'namespaces "short-lived" not found'* ]]
    req POST /api/v1/namespaces -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"short-lived"}}'
    [ "$CODE" = 201 ]
    create_pod p2 '{}' short-lived
    [ "$CODE" = 201 ]
}

@test "list in a namespace, across namespaces, and cluster-scoped kinds" {
    req POST /api/v1/namespaces -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a"}}'
    [ "$CODE" = 201 ]
    create_pod in-a '{}' team-a
    [ "$CODE" = 201 ]
    create_pod in-default
    req GET /api/v1/namespaces/team-a/pods
    [ "$CODE" = 200 ]
    [ "$(jq -r .kind <<<"$BODY")" = PodList ]
    [ "$(jq -r '[.items[].metadata.name] | join(",")' <<<"$BODY")" = in-a ]
    [ "$(jq -r .metadata.resourceVersion <<<"$BODY")" -gt 0 ]
    req GET /api/v1/pods
    jq -e '[.items[].metadata.name] | index("in-a") and index("in-default")' <<<"$BODY"
    req POST /api/v1/nodes -d '{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}'
    [ "$CODE" = 201 ]
    req GET /api/v1/nodes/n1
    [ "$CODE" = 200 ]
    [ "$(jq -r '.metadata.namespace // "none"' <<<"$BODY")" = none ]
}

@test "PUT with a stale resourceVersion is a 409; a current one bumps generation on spec change" {
    create_pod upd
    local rv1; rv1=$(rv_of)
    local obj; obj=$(jq '.spec.containers[0].image = "busybox:2"' <<<"$BODY")
    req PUT /api/v1/namespaces/default/pods/upd -d "$obj"
    [ "$CODE" = 200 ]
    [ "$(rv_of)" -gt "$rv1" ]
    [ "$(jq -r .metadata.generation <<<"$BODY")" = 2 ]
    req PUT /api/v1/namespaces/default/pods/upd -d "$obj"   # still carries rv1
    [ "$CODE" = 409 ]
    [ "$(jq -r .reason <<<"$BODY")" = Conflict ]
    # without a resourceVersion the update is unconditional
    req PUT /api/v1/namespaces/default/pods/upd -d "$(jq 'del(.metadata.resourceVersion) | .metadata.labels = {"x":"y"}' <<<"$obj")"
    [ "$CODE" = 200 ]
    [ "$(jq -r .metadata.labels.x <<<"$BODY")" = y ]
    [ "$(jq -r .metadata.generation <<<"$BODY")" = 2 ]
    req PUT /api/v1/namespaces/default/pods/nothere -d "$(pod_json nothere)"
    [ "$CODE" = 404 ]
    req PUT /api/v1/namespaces/default/pods/upd -d "$(pod_json other)"
    [ "$CODE" = 400 ]
}

@test "merge patch, strategic merge patch, JSON patch, and 415 for unknown patch types" {
    create_pod pat '{"a":"1","b":"2"}'
    req PATCH /api/v1/namespaces/default/pods/pat -H 'Content-Type: application/merge-patch+json' \
        -d '{"metadata":{"labels":{"a":null,"c":"3"}}}'
    [ "$CODE" = 200 ]
    [ "$(jq -c .metadata.labels <<<"$BODY")" = '{"b":"2","c":"3"}' ]
    req PATCH /api/v1/namespaces/default/pods/pat -H 'Content-Type: application/strategic-merge-patch+json' \
        -d '{"metadata":{"annotations":{"k":"v"}}}'
    [ "$CODE" = 200 ]
    [ "$(jq -r .metadata.annotations.k <<<"$BODY")" = v ]
    req PATCH /api/v1/namespaces/default/pods/pat -H 'Content-Type: application/merge-patch+json' \
        -d '{"metadata":{"resourceVersion":"1"}}'
    [ "$CODE" = 409 ]
    local jp='application/json-patch+json'
    req PATCH /api/v1/namespaces/default/pods/pat -H "Content-Type: $jp" \
        -d '[{"op":"test","path":"/metadata/labels/b","value":"2"},{"op":"add","path":"/metadata/labels/d~1e","value":"4"},{"op":"remove","path":"/metadata/labels/b"},{"op":"add","path":"/metadata/finalizers","value":["x.io/b"]},{"op":"add","path":"/metadata/finalizers/0","value":"x.io/a"},{"op":"add","path":"/metadata/finalizers/-","value":"x.io/c"},{"op":"copy","from":"/metadata/labels/c","path":"/metadata/labels/f"},{"op":"move","from":"/metadata/labels/f","path":"/metadata/labels/g"},{"op":"replace","path":"/spec/containers/0/image","value":"busybox:2"}]'
    [ "$CODE" = 200 ]
    [ "$(jq -c .metadata.labels <<<"$BODY")" = '{"c":"3","d/e":"4","g":"3"}' ]
    [ "$(jq -r '.metadata.finalizers | join(",")' <<<"$BODY")" = x.io/a,x.io/b,x.io/c ]
    [ "$(jq -r '.spec.containers[0].image' <<<"$BODY")" = busybox:2 ]
    local rv; rv=$(rv_of)
    req PATCH /api/v1/namespaces/default/pods/pat -H "Content-Type: $jp" -d '[{"op":"test","path":"/metadata/labels/c","value":"nope"},{"op":"remove","path":"/metadata/labels"}]'
    [ "$CODE" = 422 ]
    req PATCH /api/v1/namespaces/default/pods/pat -H "Content-Type: $jp" -d '[{"op":"remove","path":"/metadata/nothere"}]'
    [ "$CODE" = 400 ]
    req PATCH /api/v1/namespaces/default/pods/pat -H "Content-Type: $jp" -d '{"op":"remove"}'
    [ "$CODE" = 400 ]
    req GET /api/v1/namespaces/default/pods/pat
    [ "$(rv_of)" = "$rv" ]   # failed patches wrote nothing
    req PATCH /api/v1/namespaces/default/pods/pat -H 'Content-Type: text/plain' -d 'x: 1'
    [ "$CODE" = 415 ] && [[ "$(jq -r .message <<<"$BODY")" == *application/apply-patch+yaml* ]]
}

@test "the status subresource changes only status, and PUT ignores status" {
    create_pod st
    req PATCH /api/v1/namespaces/default/pods/st/status -H 'Content-Type: application/merge-patch+json' \
        -d '{"status":{"phase":"Running"},"metadata":{"labels":{"sneaky":"yes"}}}'
    [ "$CODE" = 200 ]
    [ "$(jq -r .status.phase <<<"$BODY")" = Running ]
    [ "$(jq -r '.metadata.labels.sneaky // "none"' <<<"$BODY")" = none ]
    req PATCH /api/v1/namespaces/default/pods/st -H 'Content-Type: application/merge-patch+json' \
        -d '{"status":{"phase":"Failed"}}'
    [ "$CODE" = 200 ]
    [ "$(jq -r .status.phase <<<"$BODY")" = Running ]
    req GET /api/v1/namespaces/default/pods/st/status
    [ "$CODE" = 200 ]
    local obj; obj=$(jq '.status.phase = "Succeeded"' <<<"$BODY")
    req PUT /api/v1/namespaces/default/pods/st/status -d "$obj"
    [ "$CODE" = 200 ]
    [ "$(jq -r .status.phase <<<"$BODY")" = Succeeded ]
}

@test "dryRun=All: creates, updates, patches, deletes, bindings and evictions answer as they would and store nothing" {
    local rev0
    create_pod dry '{}'
    [ "$CODE" = 201 ]
    rev0=$(rv_of)
    # A create: 201 with the object as it would be stored; nothing is.
    req POST '/api/v1/namespaces/default/pods?dryRun=All' -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dry2"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}'
    [ "$CODE" = 201 ]
    jq -e '.metadata.name == "dry2" and .spec.restartPolicy == "Always"' <<<"$BODY"
    req GET /api/v1/namespaces/default/pods/dry2
    [ "$CODE" = 404 ]
    # ...but what the write would meet still counts: it exists, it is invalid.
    req POST '/api/v1/namespaces/default/pods?dryRun=All' -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dry"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}'
    [ "$CODE" = 409 ]
    req POST '/api/v1/namespaces/default/pods?dryRun=All' -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dry3"},"spec":{}}'
    [ "$CODE" = 422 ]
    req PATCH '/api/v1/namespaces/default/pods/dry?dryRun=All' -H 'Content-Type: application/merge-patch+json' -d '{"metadata":{"labels":{"x":"y"}}}'
    [ "$CODE" = 200 ]
    [ "$(jq -r .metadata.labels.x <<<"$BODY")" = y ]
    req POST '/api/v1/namespaces/default/pods/dry/binding?dryRun=All' -d '{"target":{"kind":"Node","name":"n1"}}'
    [ "$CODE" = 201 ]
    # A delete, by the query or by DeleteOptions (as kubectl sends it); an eviction.
    req DELETE '/api/v1/namespaces/default/pods/dry?dryRun=All'
    [ "$CODE" = 200 ]
    req DELETE /api/v1/namespaces/default/pods/dry -d '{"kind":"DeleteOptions","apiVersion":"v1","dryRun":["All"]}'
    [ "$CODE" = 200 ]
    req POST /api/v1/namespaces/default/pods/dry/eviction -d '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"dry"},"deleteOptions":{"dryRun":["All"]}}'
    [ "$CODE" = 201 ]
    req GET /api/v1/namespaces/default/pods/dry
    [ "$CODE" = 200 ]
    [ "$(jq -r '.metadata.labels.x // "none"' <<<"$BODY")" = none ]
    [ "$(jq -r '.spec.nodeName // "none"' <<<"$BODY")" = none ]
    [ "$(jq -r '.metadata.deletionTimestamp // "none"' <<<"$BODY")" = none ]
    [ "$(rv_of)" = "$rev0" ]
    req POST '/api/v1/namespaces/default/configmaps?dryRun=Some' -d '{}'
    [ "$CODE" = 400 ]
    [[ "$(jq -r .message <<<"$BODY")" == *'dryRun: Unsupported value: "Some"'* ]]
    req DELETE /api/v1/namespaces/default/pods/dry
    [ "$CODE" = 200 ]
}

@test "binding sets spec.nodeName once" {
    create_pod bindme
    local b='{"apiVersion":"v1","kind":"Binding","metadata":{"name":"bindme"},"target":{"kind":"Node","name":"n1"}}'
    req POST /api/v1/namespaces/default/pods/bindme/binding -d "$b"
    [ "$CODE" = 201 ]
    req GET /api/v1/namespaces/default/pods/bindme
    [ "$(jq -r .spec.nodeName <<<"$BODY")" = n1 ]
    req POST /api/v1/namespaces/default/pods/bindme/binding -d "$b"
    [ "$CODE" = 409 ]
    req POST /api/v1/namespaces/default/pods/ghost/binding -d '{"target":{"kind":"Node","name":"n1"}}'
    [ "$CODE" = 404 ]
}

@test "pods/log and pods/exec are relayed to the pod's kubelet" {
    python3 "$BATS_TEST_DIRNAME/lib/fakekubelet.py" "$BATS_TEST_TMPDIR/kport" &
    echo $! >>"$BATS_FILE_TMPDIR/extra.pids"
    wait_for 10 test -s "$BATS_TEST_TMPDIR/kport"
    local kport; kport=$(cat "$BATS_TEST_TMPDIR/kport")
    req POST /api/v1/nodes -d "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"kn\"},\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"}],\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":$kport}}}}"
    [ "$CODE" = 201 ]
    req POST /api/v1/namespaces/default/pods -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"px"},"spec":{"nodeName":"kn","containers":[{"name":"a","image":"busybox"},{"name":"b","image":"busybox"}]}}'
    [ "$CODE" = 201 ]
    req GET /api/v1/namespaces/default/pods/px/log
    [ "$CODE" = 400 ] && [[ "$(jq -r .message <<<"$BODY")" == *"choose one of: [a b]"* ]]
    req GET "/api/v1/namespaces/default/pods/px/log?container=zz"
    [ "$CODE" = 400 ]
    req GET "/api/v1/namespaces/default/pods/px/log?container=b"
    [ "$CODE" = 200 ] && [[ "$BODY" == *"log of default/px/b"* ]]
    run curl -sSN --max-time 10 "$MK_SERVER/api/v1/namespaces/default/pods/px/log?container=a&follow=true"
    [[ "$output" == *"tick 5"* ]]
    run bash -c "printf 'abc' | python3 '$BATS_TEST_DIRNAME/lib/mkexec.py' '$MK_SERVER/api/v1/namespaces/default/pods/px/exec?container=a' --stdin -- echo hi"
    [ "$status" = 7 ]
    [[ "$output" == *"cmd: echo hi"* ]] && [[ "$output" == *ABC* ]]
    req POST "/api/v1/namespaces/default/pods/px/exec?container=a&command=true"
    [ "$CODE" = 400 ]   # no Upgrade header
    # the kubelet's own refusal comes back as a Status
    req POST /api/v1/namespaces/default/pods -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"missing"},"spec":{"nodeName":"kn","containers":[{"name":"c","image":"busybox"}]}}'
    req GET /api/v1/namespaces/default/pods/missing/log
    [ "$CODE" = 404 ] && [[ "$(jq -r .message <<<"$BODY")" == *"not on this node"* ]]
    # no node, no kubelet: 503 at once
    create_pod unbound
    req GET /api/v1/namespaces/default/pods/unbound/log --max-time 5
    [ "$CODE" = 503 ] && [ "$(jq -r .reason <<<"$BODY")" = ServiceUnavailable ]
    local closed; closed=$(free_port)
    req POST /api/v1/nodes -d "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"dead\"},\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"}],\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":$closed}}}}"
    req POST /api/v1/namespaces/default/pods -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"ondead"},"spec":{"nodeName":"dead","containers":[{"name":"c","image":"busybox"}]}}'
    req GET /api/v1/namespaces/default/pods/ondead/log --max-time 10
    [ "$CODE" = 503 ]
}

@test "label selectors: =, !=, in, notin, exists, !exists" {
    req POST /api/v1/namespaces -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"sel"}}'
    create_pod s1 '{"app":"web","env":"prod"}' sel
    create_pod s2 '{"app":"web","env":"dev"}' sel
    create_pod s3 '{"app":"db"}' sel
    names() {
        req GET "/api/v1/namespaces/sel/pods" -G --data-urlencode "labelSelector=$1"
        [ "$CODE" = 200 ] || { echo "$BODY"; return 1; }
        jq -r '[.items[].metadata.name] | sort | join(",")' <<<"$BODY"
    }
    [ "$(names 'app=web')" = s1,s2 ]
    [ "$(names 'app==web,env=prod')" = s1 ]
    [ "$(names 'app!=web')" = s3 ]
    [ "$(names 'env in (prod,dev)')" = s1,s2 ]
    [ "$(names 'env notin (prod)')" = s2,s3 ]
    [ "$(names 'env')" = s1,s2 ]
    [ "$(names '!env')" = s3 ]
    req GET /api/v1/namespaces/sel/pods -G --data-urlencode 'labelSelector=app in web'
    [ "$CODE" = 400 ]
}

@test "field selectors: spec.nodeName, metadata.name, status.phase" {
    req POST /api/v1/namespaces -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"fsel"}}'
    create_pod f1 '{}' fsel
    create_pod f2 '{}' fsel
    req POST /api/v1/namespaces/fsel/pods/f1/binding -d '{"target":{"kind":"Node","name":"n7"}}'
    [ "$CODE" = 201 ]
    names() {
        req GET "/api/v1/namespaces/fsel/pods" -G --data-urlencode "fieldSelector=$1"
        jq -r '[.items[].metadata.name] | sort | join(",")' <<<"$BODY"
    }
    [ "$(names 'spec.nodeName=n7')" = f1 ]
    [ "$(names 'spec.nodeName=')" = f2 ]
    [ "$(names 'spec.nodeName!=n7')" = f2 ]
    [ "$(names 'metadata.name=f2')" = f2 ]
    [ "$(names 'status.phase=Pending')" = f1,f2 ]
    req GET /api/v1/pods -G --data-urlencode 'fieldSelector=spec.nodeName=n7'
    [ "$(jq -r '[.items[].metadata.name] | join(",")' <<<"$BODY")" = f1 ]
}

@test "unknown fields: Warning headers, Strict refuses, Ignore is silent" {
    local body
    body='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"warn1"},"data":{"a":"b"},"spec":{"foo":1}}'
    run curl -sS -D - -o /dev/null -X POST -d "$body" "$MK_SERVER/api/v1/namespaces/default/configmaps"
    [[ "$output" == *'Warning: 299 - "unknown field \"spec'* ]]
    req POST "/api/v1/namespaces/default/configmaps?fieldValidation=Strict" -d "${body//warn1/warn2}"
    [ "$CODE" = 400 ]
    [[ "$(jq -r .message <<<"$BODY")" == 'strict decoding error: unknown field "spec'* ]]
    req GET /api/v1/namespaces/default/configmaps/warn2
    [ "$CODE" = 404 ]
    run curl -sS -D - -o /dev/null -X POST -d "${body//warn1/warn3}" "$MK_SERVER/api/v1/namespaces/default/configmaps?fieldValidation=Ignore"
    [[ "$output" == *" 201 "* ]]
    [[ "$output" != *Warning:* ]]
}

@test "bad input gets a 4xx Status and writes nothing" {
    req POST /api/v1/namespaces/default/pods -d '{"apiVersion":"v1","kind":"Pod",'
    [ "$CODE" = 400 ] && [ "$(jq -r .kind <<<"$BODY")" = Status ]
    req POST /api/v1/namespaces/default/pods -H 'Content-Type: application/yaml' --data-binary $'kind: Pod\n  bad: [indent\n'
    [ "$CODE" = 400 ]
    req POST /api/v1/namespaces/default/pods -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"typed"},"spec":"not-an-object"}'
    [[ "$CODE" =~ ^4 ]]
    req GET /api/v1/namespaces/default/pods/typed
    [ "$CODE" = 404 ]
    head -c $((4 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$BATS_TEST_TMPDIR/big"
    req POST /api/v1/namespaces/default/pods --data-binary @"$BATS_TEST_TMPDIR/big"
    [ "$CODE" = 413 ]
    req POST /api/v1/namespaces/default/pods -d "$(pod_json Bad_Name)"
    [ "$CODE" = 422 ] || [ "$CODE" = 400 ]
    req GET /api/v1/namespaces/default/pods/Bad_Name
    [ "$CODE" = 400 ]
    req GET /api/v1/namespaces/default/widgets
    [ "$CODE" = 404 ]
    req POST /api/v1/namespaces/default/pods -d '{"apiVersion":"v1","kind":"Widget","metadata":{"name":"w"}}'
    [ "$CODE" = 400 ]
    req POST /api/v1/namespaces/default/pods -d '{"apiVersion":"v1","kind":"Service","metadata":{"name":"w"}}'
    [ "$CODE" = 400 ]
    req GET /api/v1/namespaces/default/pods/../secrets --path-as-is
    [ "$CODE" = 400 ]
    req GET /api/v1/namespaces//pods
    [ "$CODE" = 400 ]
    req POST /api/v1/namespaces/default/pods
    [ "$CODE" = 400 ]
    req GET "/api/v1/pods?watch=1&resourceVersion=abc"
    [ "$CODE" = 400 ]
    req GET /api/v1/namespaces/default/pods/typed/bogus
    [ "$CODE" = 404 ]
    req GET /healthz
    [ "$CODE" = 200 ]
}

@test "delete returns the object, 404 after, and protected namespaces stay" {
    create_pod del
    req DELETE /api/v1/namespaces/default/pods/del -d '{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Orphan","gracePeriodSeconds":0}'
    [ "$CODE" = 200 ]
    [ "$(jq -r .metadata.name <<<"$BODY")" = del ]
    req GET /api/v1/namespaces/default/pods/del
    [ "$CODE" = 404 ]
    [ "$(jq -r .reason <<<"$BODY")" = NotFound ]
    [ "$(jq -r .details.name <<<"$BODY")" = del ]
    req DELETE /api/v1/namespaces/default/pods/del
    [ "$CODE" = 404 ]
    req DELETE /api/v1/namespaces/default
    [ "$CODE" = 403 ]
}

@test "a pod bound to a node goes at once by default" {
    create_pod bound-pod
    req POST /api/v1/namespaces/default/pods/bound-pod/binding -d '{"target":{"kind":"Node","name":"n1"}}'
    req DELETE /api/v1/namespaces/default/pods/bound-pod
    [ "$CODE" = 200 ]
    req GET /api/v1/namespaces/default/pods/bound-pod
    [ "$CODE" = 404 ]
}

event_json() { # name lastTimestamp
    printf '{"apiVersion":"v1","kind":"Event","metadata":{"name":"%s"},"involvedObject":{"kind":"Pod","name":"web","namespace":"default"},"reason":"Started","message":"m","type":"Normal","count":1,"lastTimestamp":"%s"}' "$1" "$2"
}

@test "Events: dotted names, a field-naming 422, and --event-ttl deletes the old ones" {
    start_extra --event-ttl 2
    local now old
    now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    old=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
    req POST /api/v1/namespaces/default/events -d "$(event_json web.17a0c3f1e2d4b5a6 "$old")"
    [ "$CODE" = 201 ]
    req POST /api/v1/namespaces/default/events -d "$(event_json web.fresh "$now")"
    [ "$CODE" = 201 ]
    req POST /api/v1/namespaces/default/events \
        -d '{"apiVersion":"v1","kind":"Event","metadata":{"name":"x"},"reason":"R"}'
    [ "$CODE" = 422 ]
    [[ "$BODY" == *involvedObject* ]]
    req POST /api/v1/namespaces/default/events -d "$(event_json web.bad "$now" | sed 's/"Normal"/"Loud"/')"
    [ "$CODE" = 422 ]
    [[ "$BODY" == *'type'*Loud* ]]
    # The sweep runs every second with a TTL of 2 s.
    wait_for 5 eval 'req GET /api/v1/namespaces/default/events/web.17a0c3f1e2d4b5a6; [ "$CODE" = 404 ]'
    req GET /api/v1/namespaces/default/events/web.fresh
    [ "$CODE" = 200 ]
    wait_for 6 eval 'req GET /api/v1/namespaces/default/events/web.fresh; [ "$CODE" = 404 ]'
    run "$MK_BIN/mk-apiserver" --data-dir /tmp/x --event-ttl soon
    [ "$status" -eq 2 ]
    [[ "$output" == *"--event-ttl soon"* ]]
}

@test "--graceful-pod-deletion: a bound pod is marked first, gone at grace 0" {
    start_extra --graceful-pod-deletion
    create_pod graceful
    req POST /api/v1/namespaces/default/pods/graceful/binding -d '{"target":{"kind":"Node","name":"n1"}}'
    req DELETE /api/v1/namespaces/default/pods/graceful
    [ "$CODE" = 200 ]
    [ -n "$(jq -r '.metadata.deletionTimestamp // empty' <<<"$BODY")" ]
    [ "$(jq -r .metadata.deletionGracePeriodSeconds <<<"$BODY")" = 30 ]
    local uid; uid=$(jq -r .metadata.uid <<<"$BODY")
    req GET /api/v1/namespaces/default/pods/graceful
    [ "$CODE" = 200 ]
    req DELETE /api/v1/namespaces/default/pods/graceful   # again: still only marked
    [ "$CODE" = 200 ]
    req DELETE /api/v1/namespaces/default/pods/graceful -d '{"gracePeriodSeconds":0,"preconditions":{"uid":"wrong"}}'
    [ "$CODE" = 409 ]
    req DELETE /api/v1/namespaces/default/pods/graceful -d "{\"gracePeriodSeconds\":0,\"preconditions\":{\"uid\":\"$uid\"}}"
    [ "$CODE" = 200 ]
    req GET /api/v1/namespaces/default/pods/graceful
    [ "$CODE" = 404 ]
}

@test "watch from a revision: every later event, in order, once" {
    create_pod w0
    local rv0; rv0=$(rv_of)
    create_pod w1
    req PATCH /api/v1/namespaces/default/pods/w1 -H 'Content-Type: application/merge-patch+json' -d '{"metadata":{"labels":{"x":"1"}}}'
    local rv1; rv1=$(rv_of)
    req DELETE /api/v1/namespaces/default/pods/w0
    curl -sSN "$MK_SERVER/api/v1/namespaces/default/pods?watch=true&resourceVersion=$rv0&timeoutSeconds=1" >"$BATS_TEST_TMPDIR/w"
    run events_of "$BATS_TEST_TMPDIR/w"
    [ "$output" = $'ADDED w1\nMODIFIED w1\nDELETED w0' ]
    # resume from the middle: only what came after
    curl -sSN "$MK_SERVER/api/v1/namespaces/default/pods?watch=true&resourceVersion=$rv1&timeoutSeconds=1" >"$BATS_TEST_TMPDIR/w2"
    run events_of "$BATS_TEST_TMPDIR/w2"
    [ "$output" = 'DELETED w0' ]
    # revisions strictly grow
    run jq -r 'select(.type != "BOOKMARK") | .object.metadata.resourceVersion' "$BATS_TEST_TMPDIR/w"
    [ "$(printf '%s\n' "${lines[@]}" | sort -n | uniq | tr '\n' ' ')" = "$(printf '%s\n' "${lines[@]}" | tr '\n' ' ')" ]
}

@test "watch without a revision starts with the current objects" {
    req POST /api/v1/namespaces -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"wnow"}}'
    create_pod now1 '{}' wnow
    create_pod now2 '{}' wnow
    curl -sSN "$MK_SERVER/api/v1/namespaces/wnow/pods?watch=1&timeoutSeconds=1" >"$BATS_TEST_TMPDIR/w"
    run events_of "$BATS_TEST_TMPDIR/w"
    [ "$output" = $'ADDED now1\nADDED now2' ]
}

@test "watch delivers live events and BOOKMARKs while idle" {
    req GET /api/v1/namespaces/default/pods
    local rv; rv=$(rv_of)
    curl -sSN "$MK_SERVER/api/v1/namespaces/default/pods?watch=1&resourceVersion=$rv&timeoutSeconds=2" >"$BATS_TEST_TMPDIR/w" &
    local cpid=$!
    sleep 0.2
    create_pod live
    wait "$cpid"
    run events_of "$BATS_TEST_TMPDIR/w"
    [ "$output" = 'ADDED live' ]
    run jq -r 'select(.type == "BOOKMARK") | .object.kind' "$BATS_TEST_TMPDIR/w"
    [ "${lines[0]}" = Pod ]
}

@test "watch with selectors sends transitions as ADDED and DELETED" {
    create_pod tr '{"app":"a"}'
    local rv; rv=$(rv_of)
    local p='-H Content-Type:application/merge-patch+json'
    req PATCH /api/v1/namespaces/default/pods/tr $p -d '{"metadata":{"labels":{"app":"b"}}}'
    req PATCH /api/v1/namespaces/default/pods/tr $p -d '{"metadata":{"labels":{"app":"a","v":"2"}}}'
    req PATCH /api/v1/namespaces/default/pods/tr $p -d '{"metadata":{"labels":{"v":"3"}}}'
    curl -sSN "$MK_SERVER/api/v1/namespaces/default/pods?watch=1&resourceVersion=$rv&timeoutSeconds=1&labelSelector=app%3Da" >"$BATS_TEST_TMPDIR/w"
    run events_of "$BATS_TEST_TMPDIR/w"
    [ "$output" = $'DELETED tr\nADDED tr\nMODIFIED tr' ]
}

@test "a watch behind compacted history gets 410 Expired; a restart resumes from the log" {
    start_extra --compact-keep 2 --compact-age 0
    local i
    for i in $(seq 1 12); do
        req POST /api/v1/namespaces/default/configmaps -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c$i\"}}"
        [ "$CODE" = 201 ]
    done
    compacted() { curl -sS "$MK_SERVER/metrics" | awk '$1 == "mk_apiserver_compacted_revision" { print $2 }'; }
    compacted_past() { [ "$(compacted)" -gt 5 ]; }
    wait_for 30 compacted_past
    curl -sSN "$MK_SERVER/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1&timeoutSeconds=2" >"$BATS_TEST_TMPDIR/w"
    run jq -r '"\(.type) \(.object.code) \(.object.reason)"' "$BATS_TEST_TMPDIR/w"
    [ "${lines[0]}" = "ERROR 410 Expired" ]
    # after a restart the hub is empty: a recent revision is served from the log
    local rv; rv=$(( $(curl -sS "$MK_SERVER/metrics" | awk '$1 == "mk_apiserver_resource_version" { print $2 }') - 1 ))
    local listen=${MK_SERVER#http://}
    stop_apiserver
    MK_APISERVER_LISTEN=$listen start_apiserver --compact-keep 2 --compact-age 0
    echo "$MK_APISERVER_PID" >>"$BATS_FILE_TMPDIR/extra.pids"
    curl -sSN "$MK_SERVER/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=$rv&timeoutSeconds=1" >"$BATS_TEST_TMPDIR/w"
    run events_of "$BATS_TEST_TMPDIR/w"
    [ "$output" = 'ADDED c12' ]
}

@test "tokens: 401 without, 403 beyond the role" {
    printf '# test tokens\nadmintok,alice,admin\nnodetok,node1,node\nctrltok,ctrl,controller\n' >"$BATS_TEST_TMPDIR/tokens"
    start_extra --token-file "$BATS_TEST_TMPDIR/tokens"
    req GET /healthz
    [ "$CODE" = 200 ]
    req GET /api/v1/pods
    [ "$CODE" = 401 ] && [ "$(jq -r .reason <<<"$BODY")" = Unauthorized ]
    MK_TOKEN=wrong req GET /api/v1/pods
    [ "$CODE" = 401 ]
    MK_TOKEN=admintok create_pod authpod
    [ "$CODE" = 201 ]
    MK_TOKEN=nodetok req GET /api/v1/namespaces/default/pods/authpod
    [ "$CODE" = 200 ]
    MK_TOKEN=nodetok create_pod nodepod
    [ "$CODE" = 403 ] && [ "$(jq -r .reason <<<"$BODY")" = Forbidden ]
    MK_TOKEN=nodetok req POST /api/v1/nodes -d '{"apiVersion":"v1","kind":"Node","metadata":{"name":"node1"}}'
    [ "$CODE" = 201 ]
    MK_TOKEN=nodetok req PATCH /api/v1/namespaces/default/pods/authpod/status -H 'Content-Type: application/merge-patch+json' -d '{"status":{"phase":"Running"}}'
    [ "$CODE" = 200 ]
    MK_TOKEN=nodetok req DELETE /api/v1/namespaces/default/configmaps/anything
    [ "$CODE" = 403 ]
    # no way into a pod, not even with a GET
    local sub
    for sub in exec attach portforward; do
        MK_TOKEN=nodetok req GET "/api/v1/namespaces/default/pods/authpod/$sub?container=c"
        [ "$CODE" = 403 ]
    done
    MK_TOKEN=nodetok req DELETE /api/v1/namespaces/default/pods/authpod
    [ "$CODE" = 200 ]
    MK_TOKEN=ctrltok req POST /api/v1/namespaces -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ctl"}}'
    [ "$CODE" = 201 ]
    MK_TOKEN=ctrltok req DELETE /api/v1/namespaces/ctl
    [ "$CODE" = 403 ]
    MK_TOKEN=admintok req POST /api/v1/namespaces/ctl/configmaps -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"inside"}}'
    [ "$CODE" = 201 ]
    MK_TOKEN=admintok req DELETE /api/v1/namespaces/ctl
    [ "$CODE" = 200 ]
    MK_TOKEN=admintok req GET /api/v1/namespaces/ctl/configmaps/inside
    [ "$CODE" = 404 ]
    MK_TOKEN=admintok req GET /metrics
    [ "$CODE" = 200 ]
    # volumes: a node reads them and deletes PersistentVolumes (local-path's node half)
    local pv='{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"authpv"},"spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/tmp/authpv"}}}'
    MK_TOKEN=nodetok req POST /api/v1/persistentvolumes -d "$pv"
    [ "$CODE" = 403 ]
    MK_TOKEN=ctrltok req POST /api/v1/persistentvolumes -d "$pv"
    [ "$CODE" = 201 ]
    MK_TOKEN=nodetok req GET /apis/storage.k8s.io/v1/storageclasses
    [ "$CODE" = 200 ]
    MK_TOKEN=nodetok req GET /api/v1/persistentvolumeclaims
    [ "$CODE" = 200 ]
    MK_TOKEN=nodetok req PATCH /api/v1/persistentvolumes/authpv/status -H 'Content-Type: application/merge-patch+json' -d '{"status":{"phase":"Available"}}'
    [ "$CODE" = 403 ]
    MK_TOKEN=nodetok req DELETE /api/v1/persistentvolumes/authpv
    [ "$CODE" = 200 ]
}

@test "rbac: a service account's bindings, resourceNames, escalation, the default roles" {
    printf 'admintok,root,admin\nsatok,system:serviceaccount:apps:ci,rbac\n' >"$BATS_TEST_TMPDIR/tokens"
    start_extra --token-file "$BATS_TEST_TMPDIR/tokens"
    local rbac=/apis/rbac.authorization.k8s.io/v1 j='-H Content-Type:application/json'
    MK_TOKEN=admintok req GET $rbac/clusterroles
    run jq -r '[.items[].metadata.name] | sort | join(",")' <<<"$BODY"
    [ "$output" = admin,cluster-admin,edit,view ]
    MK_TOKEN=admintok req POST /api/v1/namespaces $j -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"apps"}}'
    for cm in one two; do
        MK_TOKEN=admintok req POST /api/v1/namespaces/apps/configmaps $j -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"$cm\"}}"
        [ "$CODE" = 201 ]
    done
    MK_TOKEN=satok req GET /api/v1/namespaces/apps/configmaps/one
    [ "$CODE" = 403 ]
    [ "$(jq -r .message <<<"$BODY")" = 'configmaps "one" is forbidden: User "system:serviceaccount:apps:ci" cannot get resource "configmaps" in API group "" in the namespace "apps"' ]
    # a Role whose name Kubernetes allows (a colon), one object by name, bound to the account
    MK_TOKEN=admintok req POST $rbac/namespaces/apps/roles $j -d '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"ci:read-one"},"rules":[{"apiGroups":[""],"resources":["configmaps"],"resourceNames":["one"],"verbs":["get","update"]}]}'
    [ "$CODE" = 201 ]
    MK_TOKEN=admintok req POST $rbac/namespaces/apps/rolebindings $j -d '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"ci"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"ci:read-one"},"subjects":[{"kind":"ServiceAccount","name":"ci"}]}'
    [ "$CODE" = 201 ]
    MK_TOKEN=satok req GET /api/v1/namespaces/apps/configmaps/one
    [ "$CODE" = 200 ]
    MK_TOKEN=satok req GET /api/v1/namespaces/apps/configmaps/two
    [ "$CODE" = 403 ]
    MK_TOKEN=satok req GET /api/v1/namespaces/apps/configmaps
    [ "$CODE" = 403 ]
    MK_TOKEN=admintok req GET "$rbac/namespaces/apps/roles/ci:read-one"
    [ "$CODE" = 200 ]
    # it may not grant itself more, not even in a dry run; what it holds it may grant
    MK_TOKEN=admintok req POST $rbac/namespaces/apps/rolebindings $j -d '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"ci-rbac"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"admin"},"subjects":[{"kind":"Group","name":"system:serviceaccounts:apps"}]}'
    [ "$CODE" = 201 ]
    MK_TOKEN=satok req GET /api/v1/namespaces/apps/configmaps
    [ "$CODE" = 200 ]
    MK_TOKEN=satok req POST "$rbac/namespaces/apps/rolebindings?dryRun=All" $j -d '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"up"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"ServiceAccount","name":"ci"}]}'
    [ "$CODE" = 403 ] && [[ "$(jq -r .message <<<"$BODY")" == *'attempting to grant RBAC permissions not currently held: {APIGroups:["*"], Resources:["*"], Verbs:["*"]}' ]]
    MK_TOKEN=satok req POST $rbac/namespaces/apps/roles $j -d '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"more"},"rules":[{"apiGroups":["apps"],"resources":["deployments"],"verbs":["get","escalate"]}]}'
    [ "$CODE" = 403 ]
    MK_TOKEN=satok req POST $rbac/namespaces/apps/roles $j -d '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"less"},"rules":[{"apiGroups":["apps"],"resources":["deployments"],"verbs":["get"]}]}'
    [ "$CODE" = 201 ]
    # nothing at the cluster scope, and no /metrics
    MK_TOKEN=satok req GET /api/v1/nodes
    [ "$CODE" = 403 ] && [[ "$(jq -r .message <<<"$BODY")" == *'at the cluster scope' ]]
    MK_TOKEN=satok req GET /metrics
    [ "$CODE" = 403 ]
    MK_TOKEN=satok req GET /apis
    [ "$CODE" = 200 ]
    # a deleted binding grants nothing at the next request
    MK_TOKEN=admintok req DELETE $rbac/namespaces/apps/rolebindings/ci-rbac
    MK_TOKEN=satok req GET /api/v1/namespaces/apps/configmaps
    [ "$CODE" = 403 ]
    # roleRef may not change
    MK_TOKEN=admintok req PATCH $rbac/namespaces/apps/rolebindings/ci -H 'Content-Type: application/merge-patch+json' -d '{"roleRef":{"name":"less"}}'
    [ "$CODE" = 422 ]
}

@test "rbac: a service account token Secret gets a token that is the account's" {
    printf 'admintok,root,admin\n' >"$BATS_TEST_TMPDIR/tokens"
    start_extra --token-file "$BATS_TEST_TMPDIR/tokens"
    local j='-H Content-Type:application/json'
    local secret='{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/service-account-token","metadata":{"name":"ci-token"%s}}'
    MK_TOKEN=admintok req POST /api/v1/namespaces/default/secrets $j -d "$(printf "$secret" '')"
    [ "$CODE" = 422 ] && [[ "$(jq -r .message <<<"$BODY")" == *'metadata.annotations[kubernetes.io/service-account.name]: Required value'* ]]
    MK_TOKEN=admintok req POST /api/v1/namespaces/default/secrets $j -d "$(printf "$secret" ',"annotations":{"kubernetes.io/service-account.name":"ci"}')"
    [ "$CODE" = 201 ]
    [ "$(jq -r .data.namespace <<<"$BODY" | base64 -d)" = default ]
    local tok
    tok=$(jq -r .data.token <<<"$BODY" | base64 -d)
    [[ "$tok" == mk-sa.* ]] && [ ${#tok} -gt 60 ]
    # no account of that name yet: not a user
    MK_TOKEN=$tok req GET /api/v1/namespaces/default/pods
    [ "$CODE" = 401 ]
    MK_TOKEN=admintok req POST /api/v1/namespaces/default/serviceaccounts $j -d '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"ci"}}'
    MK_TOKEN=$tok req GET /api/v1/namespaces/default/pods
    [ "$CODE" = 403 ] && [[ "$(jq -r .message <<<"$BODY")" == *'User "system:serviceaccount:default:ci"'* ]]
    MK_TOKEN=admintok req POST /apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings $j -d '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"ci"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"kind":"ServiceAccount","name":"ci","namespace":"default"}]}'
    MK_TOKEN=$tok req GET /api/v1/namespaces/default/pods
    [ "$CODE" = 200 ]
    MK_TOKEN="${tok}0" req GET /api/v1/namespaces/default/pods
    [ "$CODE" = 401 ]
    MK_TOKEN=admintok req DELETE /api/v1/namespaces/default/serviceaccounts/ci
    MK_TOKEN=$tok req GET /api/v1/namespaces/default/pods
    [ "$CODE" = 401 ]
}

@test "rbac: a pod gets its service account's token volume, unless it or its account opts out" {
    printf 'admintok,root,admin\nnodetok,kubelet,node\n' >"$BATS_TEST_TMPDIR/tokens"
    start_extra --token-file "$BATS_TEST_TMPDIR/tokens"
    local j='-H Content-Type:application/json' tok='/var/run/secrets/kubernetes.io/serviceaccount'
    pod() { # NAME SPEC-FIELDS [QUERY]
        MK_TOKEN=admintok req POST "/api/v1/namespaces/default/pods${3:-}" $j -d "$(pod_json "$1" '{}' "$2")"
    }
    # no such account: nothing to mount, and the pod is made
    pod nosa ',"serviceAccountName":"builder"'
    [ "$CODE" = 201 ] && [ "$(jq -c .spec.volumes <<<"$BODY")" = null ]
    MK_TOKEN=admintok req POST /api/v1/namespaces/default/serviceaccounts $j -d '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"builder"}}'
    pod dry ',"serviceAccountName":"builder"' '?dryRun=All'
    [ "$CODE" = 201 ] && [[ "$(jq -r '.spec.volumes[0].name' <<<"$BODY")" == kube-api-access-????? ]]
    # Kubernetes' projected volume: a pod-bound token, the CA, the namespace
    pod withsa ',"serviceAccountName":"builder"'
    [ "$CODE" = 201 ]
    local vol; vol=$(jq -r '.spec.volumes[0].name' <<<"$BODY")
    [ "$(jq -cS '.spec.volumes[0].projected' <<<"$BODY")" = '{"defaultMode":420,"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"items":[{"key":"ca.crt","path":"ca.crt"}],"name":"kube-root-ca.crt"}},{"downwardAPI":{"items":[{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"},"path":"namespace"}]}}]}' ]
    [ "$(jq -r '.spec.containers[0].volumeMounts[0] | "\(.name) \(.mountPath) \(.readOnly)"' <<<"$BODY")" = "$vol $tok true" ]
    [ "$(jq -r .spec.serviceAccount <<<"$BODY")" = builder ]
    local uid; uid=$(jq -r .metadata.uid <<<"$BODY")
    # nothing is stored per pod: no token Secret
    MK_TOKEN=admintok req GET /api/v1/namespaces/default/secrets
    [ "$(jq '.items | length' <<<"$BODY")" = 0 ]
    pod optout ',"serviceAccountName":"builder","automountServiceAccountToken":false'
    [ "$CODE" = 201 ] && [ "$(jq -c .spec.volumes <<<"$BODY")" = null ]
    MK_TOKEN=admintok req PATCH /api/v1/namespaces/default/serviceaccounts/builder -H 'Content-Type: application/merge-patch+json' -d '{"automountServiceAccountToken":false}'
    pod saoptout ',"serviceAccountName":"builder"'
    [ "$CODE" = 201 ] && [ "$(jq -c .spec.volumes <<<"$BODY")" = null ]
    pod podoptin ',"serviceAccountName":"builder","automountServiceAccountToken":true'
    [[ "$(jq -r '.spec.volumes[0].name' <<<"$BODY")" == kube-api-access-* ]]

    # A node asks for the token of a pod on a node, bound to it by uid.
    token() { MK_TOKEN=nodetok req POST /api/v1/namespaces/default/serviceaccounts/builder/token $j -d "{\"spec\":{\"expirationSeconds\":3607$1}}"; }
    token ''
    [ "$CODE" = 403 ] && [[ "$(jq -r .message <<<"$BODY")" == *"node requested token not bound to a pod"* ]]
    token ',"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"withsa"}'
    [ "$CODE" = 403 ] && [[ "$(jq -r .message <<<"$BODY")" == *"without a uid"* ]]
    local ref=",\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"name\":\"withsa\",\"uid\":\"$uid\"}"
    token "$ref"
    [ "$CODE" = 403 ] && [[ "$(jq -r .message <<<"$BODY")" == *"not scheduled"* ]]
    MK_TOKEN=admintok req POST /api/v1/namespaces/default/pods/withsa/binding $j -d '{"target":{"kind":"Node","name":"n1"}}'
    token "$ref"
    [ "$CODE" = 201 ]
    # good for a year while the pod lives; the reply says the hour
    local exp; exp=$(jq -r .status.expirationTimestamp <<<"$BODY")
    (($(date -d "$exp" +%s) - $(date +%s) < 3700))
    local t; t=$(jq -r .status.token <<<"$BODY")
    MK_TOKEN=$t req GET /api/v1/namespaces/default/pods
    [ "$CODE" = 403 ] # known (RBAC decides), not 401
    # a pod of another account (here "default", unset) is not this one's
    pod plain ''
    token ",\"boundObjectRef\":{\"kind\":\"Pod\",\"name\":\"plain\",\"uid\":\"$(jq -r .metadata.uid <<<"$BODY")\"}"
    [ "$CODE" = 422 ]
    [[ "$(jq -r .message <<<"$BODY")" == *"different serviceaccount name"* ]]
    MK_TOKEN=admintok req DELETE /api/v1/namespaces/default/pods/withsa
    MK_TOKEN=$t req GET /api/v1/namespaces/default/pods
    [ "$CODE" = 401 ]
}

@test "the kubernetes Service leads to the advertised address, and follows the port" {
    req GET /api/v1/namespaces/default/services/kubernetes
    [ "$CODE" = 404 ] # a loopback server: pods could not reach it
    start_extra --advertise-address 10.20.30.40
    req GET /api/v1/namespaces/default/services/kubernetes
    [ "$CODE" = 200 ]
    [ "$(jq -r '"\(.spec.clusterIP) \(.spec.ports[0].name) \(.spec.ports[0].port)"' <<<"$BODY")" = "10.96.0.1 http 80" ]
    local port=${MK_SERVER##*:}
    req GET /api/v1/namespaces/default/endpoints/kubernetes
    [ "$(jq -r '.subsets[0] | "\(.addresses[0].ip):\(.ports[0].port)"' <<<"$BODY")" = "10.20.30.40:$port" ]
    # restarted on another port: the Endpoints follow
    stop_apiserver
    start_apiserver --advertise-address 10.20.30.40
    echo "$MK_APISERVER_PID" >>"$BATS_FILE_TMPDIR/extra.pids"
    req GET /api/v1/namespaces/default/endpoints/kubernetes
    [ "$(jq -r '.subsets[0].ports[0].port' <<<"$BODY")" = "${MK_SERVER##*:}" ]
}

@test "TLS with a self-signed certificate" {
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
        -keyout "$BATS_TEST_TMPDIR/key.pem" -out "$BATS_TEST_TMPDIR/cert.pem" 2>/dev/null
    start_extra --tls-cert "$BATS_TEST_TMPDIR/cert.pem" --tls-key "$BATS_TEST_TMPDIR/key.pem"
    [[ "$MK_SERVER" == https://* ]]
    run curl -sS --cacert "$BATS_TEST_TMPDIR/cert.pem" "$MK_SERVER/healthz"
    [ "$output" = ok ]
    create_pod tlspod
    [ "$CODE" = 201 ]
    req GET /api/v1/namespaces/default/pods
    [ "$(jq -r '.items[0].metadata.name' <<<"$BODY")" = tlspod ]
    run curl -sS --max-time 5 "http://${MK_SERVER#https://}/healthz"
    [ "$output" != ok ]
}

@test "discovery lists every kind" {
    req GET /api
    [ "$(jq -r '.versions[0]' <<<"$BODY")" = v1 ]
    req GET /api/v1
    jq -e '.resources[] | select(.name == "pods") | .namespaced and (.shortNames | index("po")) and (.verbs | index("watch")) and .kind == "Pod" and .singularName == "pod"' <<<"$BODY"
    jq -e '.resources[] | select(.name == "pods/status")' <<<"$BODY"
    jq -e '.resources[] | select(.name == "nodes") | .namespaced == false' <<<"$BODY"
    req GET /apis
    run jq -r '[.groups[].name] | sort | join(",")' <<<"$BODY"
    [ "$output" = apps,authentication.k8s.io,authorization.k8s.io,autoscaling,batch,coordination.k8s.io,metrics.k8s.io,minik8s.io,networking.k8s.io,policy,rbac.authorization.k8s.io,scheduling.k8s.io,storage.k8s.io ]
    # the reviews kubectl auth can-i/whoami create: listed, not stored
    req GET /apis/authorization.k8s.io/v1
    jq -e '.resources[0] | .name == "selfsubjectaccessreviews" and .verbs == ["create"]' <<<"$BODY"
    req GET /apis/authentication.k8s.io
    jq -e '.preferredVersion.groupVersion == "authentication.k8s.io/v1"' <<<"$BODY"
    local n=0 gv
    # kinds.c's lines: the kinds, and the other versions a kind is served at
    for gv in /api/v1 /apis/apps/v1 /apis/autoscaling/v2 /apis/autoscaling/v1 /apis/batch/v1 /apis/networking.k8s.io/v1 /apis/policy/v1 /apis/coordination.k8s.io/v1 /apis/rbac.authorization.k8s.io/v1 /apis/scheduling.k8s.io/v1 /apis/storage.k8s.io/v1 /apis/minik8s.io/v1; do
        req GET "$gv"
        [ "$CODE" = 200 ]
        n=$((n + $(jq '[.resources[] | select(.name | contains("/") | not)] | length' <<<"$BODY")))
    done
    [ "$n" = "$(grep -cE '^\s*\{"[A-Za-z]+", "' "$MK_ROOT/store/kinds.c")" ]
    req GET /openapi/v2
    [ "$CODE" = 404 ]
}

@test "metrics in the Prometheus text format" {
    req GET /api/v1/namespaces/default/pods
    req GET /metrics
    [ "$CODE" = 200 ]
    grep -q '^mk_apiserver_requests_total{verb="list",code="200"} [1-9]' <<<"$BODY"
    grep -q '^mk_apiserver_request_duration_seconds_bucket{verb="list",le="+Inf"} [1-9]' <<<"$BODY"
    grep -q '^mk_apiserver_watchers [0-9]' <<<"$BODY"
    grep -q '^mk_apiserver_storage_size_bytes [1-9]' <<<"$BODY"
    grep -q '^mk_apiserver_resource_version [1-9]' <<<"$BODY"
}

@test "kubectl: create -f, get, get -o yaml, delete, get -w" {
    local kc; kc=$(kubeconfig_for)
    cat >"$BATS_TEST_TMPDIR/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: kube-pod
  labels: {app: kube}
spec:
  containers:
  - name: c
    image: busybox
YAML
    run kubectl --kubeconfig "$kc" create -f "$BATS_TEST_TMPDIR/pod.yaml"
    [ "$status" = 0 ] && [[ "$output" == *"pod/kube-pod created"* ]]
    run kubectl --kubeconfig "$kc" get pods
    [ "$status" = 0 ] && [[ "$output" == *NAME*READY*STATUS*RESTARTS*AGE* ]] && [[ "$output" == *kube-pod*Pending* ]]
    run kubectl --kubeconfig "$kc" get pods -o wide
    [ "$status" = 0 ] && [[ "$output" == *NAME*READY*STATUS*RESTARTS*AGE*IP*NODE* ]]
    run kubectl --kubeconfig "$kc" get pod kube-pod -o yaml
    [ "$status" = 0 ] && [[ "$output" == *"name: kube-pod"* ]] && [[ "$output" == *"image: busybox"* ]]
    local what
    for what in nodes services replicasets; do
        run kubectl --kubeconfig "$kc" get "$what"
        [ "$status" = 0 ]
    done
    kubectl --kubeconfig "$kc" get pods -w >"$BATS_TEST_TMPDIR/watch" 2>&1 &
    local wpid=$!
    sed 's/kube-pod/kube-pod2/' "$BATS_TEST_TMPDIR/pod.yaml" | kubectl --kubeconfig "$kc" create -f -
    wait_for 10 grep -q kube-pod2 "$BATS_TEST_TMPDIR/watch" || { kill "$wpid"; cat "$BATS_TEST_TMPDIR/watch"; false; }
    kill "$wpid"
    wait "$wpid" || true
    run timeout 20 kubectl --kubeconfig "$kc" delete pod kube-pod
    [ "$status" = 0 ] && [[ "$output" == *'"kube-pod" deleted'* ]]
    run kubectl --kubeconfig "$kc" get pod kube-pod
    [ "$status" != 0 ] && [[ "$output" == *NotFound* ]]
}

@test "kubectl apply twice, set image and patch: strategic merge keeps what the patch leaves out" {
    local kc; kc=$(kubeconfig_for)
    local f=$BATS_TEST_TMPDIR/rs.yaml
    cat >"$f" <<'YAML'
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: smp}
spec:
  replicas: 0
  selector: {matchLabels: {app: smp}}
  template:
    metadata: {labels: {app: smp}}
    spec:
      containers:
      - name: c
        image: busybox
        command: [sleep, "3600"]
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
YAML
    kubectl --kubeconfig "$kc" apply -f "$f"
    sed -i 's/value: "2"/value: "3"/' "$f"
    run kubectl --kubeconfig "$kc" apply -f "$f"
    [ "$status" -eq 0 ] && [[ "$output" == *configured* ]]
    kubectl --kubeconfig "$kc" set image rs/smp c=busybox:2
    kubectl --kubeconfig "$kc" patch rs smp -p '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}'
    req GET /apis/apps/v1/namespaces/default/replicasets/smp
    # (the termination message fields are the API server's defaults)
    jq -e '[.spec.template.spec.containers[] | del(.terminationMessagePath, .terminationMessagePolicy)] == [
        {"name":"c","image":"busybox:2","command":["sleep","3600"],"env":[{"name":"A","value":"1"},{"name":"B","value":"3"}]},
        {"name":"side","image":"busybox"}]' <<<"$BODY"
    jq -e '[.spec.template.spec.containers[].terminationMessagePolicy] == ["File", "File"]' <<<"$BODY"
    kubectl --kubeconfig "$kc" delete rs smp
}

@test "kubectl apply --server-side: field managers, conflicts named, --force-conflicts, what a manager leaves out removed" {
    local kc; kc=$(kubeconfig_for)
    local f=$BATS_TEST_TMPDIR/ssa.yaml
    k() { kubectl --kubeconfig "$kc" "$@"; }
    managers() { k get "$1" -o jsonpath='{range .metadata.managedFields[*]}{.manager}/{.operation} {end}'; }
    cat >"$f" <<'YAML'
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: ssa, labels: {team: a}}
spec:
  replicas: 0
  selector: {matchLabels: {app: ssa}}
  template:
    metadata: {labels: {app: ssa}}
    spec:
      containers:
      - name: c
        image: busybox
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
YAML
    run k apply --server-side -f "$f"
    [ "$status" -eq 0 ] && [ "$output" = "replicaset.apps/ssa serverside-applied" ]
    [ "$(managers rs/ssa)" = "kubectl/Apply " ]
    run k apply --server-side -f "$f" # again: nothing changes hands
    [ "$status" -eq 0 ]
    # someone else changes a field kubectl applied: it is theirs now
    k patch rs ssa --type merge -p '{"spec":{"replicas":1}}'
    [ "$(managers rs/ssa)" = "kubectl/Apply kubectl-patch/Update " ]
    run k apply --server-side -f "$f"
    [ "$status" -eq 1 ]
    [[ "$output" == *'Apply failed with 1 conflict: conflict with "kubectl-patch" using apps/v1: .spec.replicas'* ]]
    [ "$(k get rs ssa -o jsonpath='{.spec.replicas}')" = 1 ]
    run k apply --server-side --force-conflicts -f "$f"
    [ "$status" -eq 0 ]
    [ "$(k get rs ssa -o jsonpath='{.spec.replicas}')" = 0 ]
    [ "$(managers rs/ssa)" = "kubectl/Apply " ]
    # what kubectl applied before and leaves out now goes (B, the label)...
    sed -i 's/, {name: B, value: "2"}//; s/, labels: {team: a}//' "$f"
    # ...unless another manager applied it too: the label stays theirs
    k apply --server-side --field-manager=ci -f - <<'YAML'
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: ssa, labels: {team: a}}
YAML
    k apply --server-side -f "$f" --dry-run=server >/dev/null
    [ "$(k get rs ssa -o jsonpath='{.spec.template.spec.containers[0].env[*].name}')" = "A B" ]
    k apply --server-side -f "$f"
    [ "$(k get rs ssa -o jsonpath='{.spec.template.spec.containers[0].env[*].name}')" = A ]
    [ "$(k get rs ssa -o jsonpath='{.metadata.labels.team}')" = a ]
    # the apply's object must be the path's
    run k apply --server-side -f - <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: "Bad"}
YAML
    [ "$status" -ne 0 ]
    req PATCH '/apis/apps/v1/namespaces/default/replicasets/ssa?fieldManager=x' -H 'Content-Type: application/apply-patch+yaml' \
        -d '{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"other"}}'
    [ "$CODE" = 400 ] && [[ "$(jq -r .message <<<"$BODY")" == *"does not match the name on the URL"* ]]
    req PATCH /apis/apps/v1/namespaces/default/replicasets/ssa -H 'Content-Type: application/apply-patch+yaml' \
        -d '{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"ssa"}}'
    [ "$CODE" = 400 ] && [[ "$(jq -r .message <<<"$BODY")" == *"fieldManager is required"* ]]
    k delete rs ssa
}

@test "the scale subresource: kubectl scale, GET/PATCH .../scale" {
    local kc; kc=$(kubeconfig_for)
    req POST /apis/apps/v1/namespaces/default/replicasets -d '{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"sc"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"sc"}},"template":{"metadata":{"labels":{"app":"sc"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}'
    [ "$CODE" = 201 ]
    run kubectl --kubeconfig "$kc" scale rs sc --replicas=5
    [ "$status" = 0 ]
    req GET /apis/apps/v1/namespaces/default/replicasets/sc/scale
    [ "$CODE" = 200 ] && [ "$(jq -r .kind <<<"$BODY")" = Scale ]
    [ "$(jq -r .spec.replicas <<<"$BODY")" = 5 ] && [ "$(jq -r .status.selector <<<"$BODY")" = app=sc ]
    run kubectl --kubeconfig "$kc" scale rs sc --replicas=3 --current-replicas=4
    [ "$status" != 0 ]
    run kubectl --kubeconfig "$kc" scale rs sc --replicas=3 --current-replicas=5
    [ "$status" = 0 ]
    req GET /apis/apps/v1/namespaces/default/replicasets/sc
    [ "$(jq -r .spec.replicas <<<"$BODY")" = 3 ] && [ "$(jq -r .metadata.generation <<<"$BODY")" = 3 ]
    req PATCH /apis/apps/v1/namespaces/default/replicasets/sc/scale -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"replicas":-1}}'
    [ "$CODE" = 422 ]
    req GET /api/v1/namespaces/default/pods/sc/scale
    [ "$CODE" = 404 ]
    req GET /apis/apps/v1
    jq -e '.resources[] | select(.name == "replicasets/scale") | .kind == "Scale" and .group == "autoscaling"' <<<"$BODY"
}

@test "kubectl's protobuf bodies: create namespace, configmap, secret; drain" {
    local kc; kc=$(kubeconfig_for)
    run kubectl --kubeconfig "$kc" create namespace kns
    [ "$status" = 0 ]
    run kubectl --kubeconfig "$kc" -n kns create configmap kcm --from-literal=a=b --from-literal=c=d
    [ "$status" = 0 ]
    run kubectl --kubeconfig "$kc" -n kns create secret generic ksec --from-literal=p=q
    [ "$status" = 0 ]
    req GET /api/v1/namespaces/kns/configmaps/kcm
    [ "$(jq -c .data <<<"$BODY")" = '{"a":"b","c":"d"}' ]
    req GET /api/v1/namespaces/kns/secrets/ksec
    [ "$(jq -r .data.p <<<"$BODY" | base64 -d)" = q ]
    [ "$(jq -r .type <<<"$BODY")" = Opaque ]
    req GET /api/v1/namespaces/kns
    [ "$(jq -r .status.phase <<<"$BODY")" = Active ]
    # drain: cordon (a patch), then deletes that carry protobuf DeleteOptions
    req POST /api/v1/nodes -d '{"apiVersion":"v1","kind":"Node","metadata":{"name":"drainme"}}'
    req POST /api/v1/namespaces/kns/pods -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"ondrain"},"spec":{"nodeName":"drainme","containers":[{"name":"c","image":"busybox"}]}}'
    [ "$CODE" = 201 ]
    run timeout 60 kubectl --kubeconfig "$kc" drain drainme --force
    [ "$status" = 0 ] && [[ "$output" == *"drained"* ]]
    req GET /api/v1/namespaces/kns/pods/ondrain
    [ "$CODE" = 404 ]
    req GET /api/v1/nodes/drainme
    [ "$(jq -r .spec.unschedulable <<<"$BODY")" = true ]
    # kinds the decoder has no tables for: a plain 415
    printf 'k8s\000\012\013\012\002v1\022\005Event\022\000' >"$BATS_TEST_TMPDIR/ev.pb"
    req POST /api/v1/namespaces/kns/events -H 'Content-Type: application/vnd.kubernetes.protobuf' \
        --data-binary @"$BATS_TEST_TMPDIR/ev.pb"
    [ "$CODE" = 415 ] && [[ "$(jq -r .message <<<"$BODY")" == *"kubectl create -f"* ]]
    req POST /api/v1/namespaces/kns/configmaps -H 'Content-Type: application/vnd.kubernetes.protobuf' \
        --data-binary 'garbage'
    [ "$CODE" = 400 ]
}

@test "kubectl autoscale: an autoscaling/v1 HPA, stored once, served at v1 and v2" {
    local kc; kc=$(kubeconfig_for)
    local v1=/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers
    local v2=/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers
    req GET /apis/autoscaling
    jq -e '.preferredVersion.version == "v2" and ([.versions[].version] == ["v2", "v1"])' <<<"$BODY"
    req GET /apis/autoscaling/v1
    jq -e '.resources[] | select(.name == "horizontalpodautoscalers") | .kind == "HorizontalPodAutoscaler"' <<<"$BODY"
    req POST /apis/apps/v1/namespaces/default/deployments -d '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"asweb"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"asweb"}},"template":{"metadata":{"labels":{"app":"asweb"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}'
    [ "$CODE" = 201 ]
    req GET "$v1"
    local rv; rv=$(rv_of)
    [ "$(jq -r .apiVersion <<<"$BODY")" = autoscaling/v1 ]
    curl -sSN "$MK_SERVER$v1?watch=1&resourceVersion=$rv&timeoutSeconds=3" >"$BATS_TEST_TMPDIR/w" &
    local cpid=$!
    sleep 0.2
    # the walkthrough's first command: a protobuf autoscaling/v1 body
    run kubectl --kubeconfig "$kc" autoscale deployment asweb --min=2 --max=5 --cpu-percent=80
    [ "$status" = 0 ] && [[ "$output" == *"horizontalpodautoscaler.autoscaling/asweb autoscaled"* ]]
    run kubectl --kubeconfig "$kc" get hpa
    [ "$status" = 0 ] && [[ "$output" == *NAME*REFERENCE*TARGETS*MINPODS*MAXPODS*REPLICAS*AGE* ]]
    [[ "$output" == *"asweb"*"Deployment/asweb"*"cpu: <unknown>/80%"*2*5*0* ]]
    run kubectl --kubeconfig "$kc" get horizontalpodautoscalers.v1.autoscaling
    [ "$status" = 0 ] && [[ "$output" == *"asweb"*"Deployment/asweb"*"cpu: <unknown>/80%"* ]]
    run kubectl --kubeconfig "$kc" get horizontalpodautoscalers.v1.autoscaling asweb -o json
    [ "$status" = 0 ] && [ "$(jq -r .spec.targetCPUUtilizationPercentage <<<"$output")" = 80 ]
    # stored once, as autoscaling/v2
    req GET "$v2/asweb"
    jq -e '.apiVersion == "autoscaling/v2" and .spec.minReplicas == 2 and .spec.maxReplicas == 5 and
        .spec.metrics == [{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]' <<<"$BODY"
    req GET "$v1/asweb"
    jq -e '.apiVersion == "autoscaling/v1" and .spec.targetCPUUtilizationPercentage == 80 and (.spec.metrics == null)' <<<"$BODY"
    # what v1 lacks rides in annotations: a v1 patch keeps v2's memory metric
    req PATCH "$v2/asweb" -H 'Content-Type: application/merge-patch+json' \
        -d '{"spec":{"metrics":[{"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"100Mi"}}},{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]}}'
    [ "$CODE" = 200 ]
    req PATCH "$v1/asweb" -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"maxReplicas":6,"targetCPUUtilizationPercentage":70}}'
    [ "$CODE" = 200 ] && [ "$(jq -r .apiVersion <<<"$BODY")" = autoscaling/v1 ]
    jq -e '.metadata.annotations["autoscaling.alpha.kubernetes.io/metrics"] | fromjson | .[0].resource.targetAverageValue == "100Mi"' <<<"$BODY"
    req GET "$v2/asweb"
    jq -e '.spec.maxReplicas == 6 and ([.spec.metrics[].resource | "\(.name)=\(.target.averageValue // .target.averageUtilization)"] == ["memory=100Mi", "cpu=70"])
        and (.metadata.annotations == null)' <<<"$BODY"
    # the status subresource through v1
    req GET "$v1/asweb"
    jq '.status.currentReplicas = 2 | .status.currentCPUUtilizationPercentage = 40' <<<"$BODY" >"$BATS_TEST_TMPDIR/st.json"
    req PUT "$v1/asweb/status" -H 'Content-Type: application/json' --data-binary @"$BATS_TEST_TMPDIR/st.json"
    [ "$CODE" = 200 ] && [ "$(jq -r .status.currentCPUUtilizationPercentage <<<"$BODY")" = 40 ]
    req GET "$v2/asweb"
    jq -e '.status.currentReplicas == 2 and .status.currentMetrics[0].resource.current.averageUtilization == 40' <<<"$BODY"
    # a v2 body at a v1 path, and a v1 field that does not convert
    req POST "$v1" -d '{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"x"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"asweb"},"maxReplicas":2}}'
    [ "$CODE" = 400 ]
    req POST "$v1" -d '{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"x"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"asweb"},"maxReplicas":2,"targetCPUUtilizationPercentage":"high"}}'
    [ "$CODE" = 422 ] && [[ "$(jq -r .message <<<"$BODY")" == *spec.targetCPUUtilizationPercentage* ]]
    run kubectl --kubeconfig "$kc" delete hpa asweb
    [ "$status" = 0 ]
    req GET "$v2/asweb"
    [ "$CODE" = 404 ]
    wait "$cpid"
    # a watch through v1 delivers v1 objects, bookmarks included
    run jq -r 'select(.type != "BOOKMARK") | "\(.type) \(.object.apiVersion) \(.object.spec.targetCPUUtilizationPercentage)"' "$BATS_TEST_TMPDIR/w"
    [ "${lines[0]}" = "ADDED autoscaling/v1 80" ] && [ "${lines[-1]}" = "DELETED autoscaling/v1 70" ]
    run jq -r 'select(.type == "BOOKMARK") | .object.apiVersion' "$BATS_TEST_TMPDIR/w"
    [ "${lines[0]}" = autoscaling/v1 ]
    req DELETE /apis/apps/v1/namespaces/default/deployments/asweb
}

@test "refuses to start: non-loopback without tokens, port taken, unusable data dir" {
    run "$MK_BIN/mk-apiserver" --listen 0.0.0.0:0 --data-dir "$BATS_TEST_TMPDIR/d1"
    [ "$status" = 1 ] && [[ "$output" == *"not a loopback address"* ]]
    run "$MK_BIN/mk-apiserver" --listen "${MAIN_SERVER#http://}" --data-dir "$BATS_TEST_TMPDIR/d2"
    [ "$status" = 1 ] && [[ "$output" == *"Address already in use"* ]]
    run "$MK_BIN/mk-apiserver" --listen 127.0.0.1:0 --data-dir /dev/null/db
    [ "$status" = 1 ]
    [ "${#lines[@]}" = 1 ]
    run "$MK_BIN/mk-apiserver" --listen 127.0.0.1:0 --data-dir "$BATS_TEST_TMPDIR/d3" --advertise-address node1
    [ "$status" = 2 ] && [ "$output" = "mk-apiserver: --advertise-address node1: want an IPv4 address" ]
    [ ! -e "$BATS_TEST_TMPDIR/d3" ]
    run "$MK_BIN/mk-apiserver" --help
    [ "$status" = 0 ] && [[ "$output" == *--data-dir* ]]
}

@test "SIGTERM ends open watches and exits 0" {
    start_extra
    curl -sSN "$MK_SERVER/api/v1/pods?watch=1" >/dev/null &
    local cpid=$!
    sleep 0.3
    stop_apiserver TERM
    [ "$MK_APISERVER_STATUS" = 0 ]
    wait "$cpid" || true
    grep -q "stopped" "$MK_APISERVER_LOG"
}

@test "kubectl: PersistentVolume, PersistentVolumeClaim and StorageClass (create -f, get pv,pvc,sc, 422)" {
    local kc; kc=$(kubeconfig_for)
    cat >"$BATS_TEST_TMPDIR/vol.yaml" <<'YAML'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: e2e-fast
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: minik8s.io/local-path
volumeBindingMode: WaitForFirstConsumer
parameters: {path: /tmp/e2e-volumes}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: e2e-pv}
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteOnce, ReadOnlyMany]
  storageClassName: manual
  hostPath: {path: /tmp/e2e-pv}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: e2e-claim}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  resources: {requests: {storage: 1Gi}}
YAML
    run kubectl --kubeconfig "$kc" create -f "$BATS_TEST_TMPDIR/vol.yaml"
    [ "$status" = 0 ] && [[ "$output" == *"storageclass.storage.k8s.io/e2e-fast created"* ]]
    [[ "$output" == *"persistentvolume/e2e-pv created"* ]] && [[ "$output" == *"persistentvolumeclaim/e2e-claim created"* ]]
    run kubectl --kubeconfig "$kc" get pv
    [ "$status" = 0 ]
    [[ "${lines[0]}" == "NAME"*"CAPACITY"*"ACCESS MODES"*"RECLAIM POLICY"*"STATUS"*"CLAIM"*"STORAGECLASS"*"VOLUMEATTRIBUTESCLASS"*"REASON"*"AGE" ]]
    [[ "$output" == *"e2e-pv"*"2Gi"*"RWO,ROX"*"Retain"*"Pending"*"manual"*"<unset>"* ]]
    run kubectl --kubeconfig "$kc" get pvc
    [ "$status" = 0 ]
    [[ "${lines[0]}" == "NAME"*"STATUS"*"VOLUME"*"CAPACITY"*"ACCESS MODES"*"STORAGECLASS"*"VOLUMEATTRIBUTESCLASS"*"AGE" ]]
    [[ "$output" == *"e2e-claim"*"Pending"*"manual"*"<unset>"* ]]
    run kubectl --kubeconfig "$kc" get sc
    [ "$status" = 0 ]
    [[ "${lines[0]}" == "NAME"*"PROVISIONER"*"RECLAIMPOLICY"*"VOLUMEBINDINGMODE"*"ALLOWVOLUMEEXPANSION"*"AGE" ]]
    [[ "$output" == *"e2e-fast (default)"*"minik8s.io/local-path"*"Delete"*"WaitForFirstConsumer"*"false"* ]]
    run kubectl --kubeconfig "$kc" get pv,pvc,sc
    [ "$status" = 0 ] && [[ "$output" == *"persistentvolume/e2e-pv"* ]] &&
        [[ "$output" == *"persistentvolumeclaim/e2e-claim"* ]] && [[ "$output" == *"storageclass.storage.k8s.io/e2e-fast (default)"* ]]
    run kubectl --kubeconfig "$kc" get pv -o wide
    [ "$status" = 0 ] && [[ "${lines[0]}" == *VOLUMEMODE ]] && [[ "$output" == *Filesystem* ]]
    # a bad claim is refused naming the field; growing a claim is refused
    cat >"$BATS_TEST_TMPDIR/bad.yaml" <<'YAML'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: e2e-bad}
spec:
  accessModes: [ReadWriteSometimes]
  resources: {requests: {storage: 1Gi}}
YAML
    run kubectl --kubeconfig "$kc" create -f "$BATS_TEST_TMPDIR/bad.yaml"
    [ "$status" != 0 ] && [[ "$output" == *"spec.accessModes[0]: Unsupported value: \"ReadWriteSometimes\""* ]]
    req POST /api/v1/namespaces/default/persistentvolumeclaims -d '{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"e2e-bad"},"spec":{"accessModes":["ReadWriteOnce"],"volumeMode":"Block","resources":{"requests":{"storage":"1Gi"}}}}'
    [ "$CODE" = 422 ] && [[ "$(jq -r .message <<<"$BODY")" == *"spec.volumeMode: Forbidden"* ]]
    req PATCH /api/v1/namespaces/default/persistentvolumeclaims/e2e-claim -H 'Content-Type: application/merge-patch+json' \
        -d '{"spec":{"resources":{"requests":{"storage":"5Gi"}}}}'
    [ "$CODE" = 422 ] && [[ "$(jq -r .message <<<"$BODY")" == *"spec.resources.requests.storage: Forbidden: volume expansion is not supported"* ]]
    # discovery: storage.k8s.io/v1 and the short names
    req GET /apis/storage.k8s.io/v1
    jq -e '.resources[] | select(.name == "storageclasses") | .namespaced == false and .shortNames == ["sc"]' <<<"$BODY"
    req GET /api/v1
    jq -e '.resources[] | select(.name == "persistentvolumeclaims") | .namespaced and .shortNames == ["pvc"]' <<<"$BODY"
    # claims and volumes carry the protection finalizers from creation: with
    # no controller here to take them off, deletion leaves them Terminating
    req GET /api/v1/namespaces/default/persistentvolumeclaims/e2e-claim
    jq -e '.metadata.finalizers == ["kubernetes.io/pvc-protection"]' <<<"$BODY"
    req GET /api/v1/persistentvolumes/e2e-pv
    jq -e '.metadata.finalizers == ["kubernetes.io/pv-protection"]' <<<"$BODY"
    run kubectl --kubeconfig "$kc" delete -f "$BATS_TEST_TMPDIR/vol.yaml" --wait=false
    [ "$status" = 0 ]
    run kubectl --kubeconfig "$kc" get pvc e2e-claim
    [[ "$output" == *"e2e-claim"*"Terminating"* ]]
    req PATCH /api/v1/namespaces/default/persistentvolumeclaims/e2e-claim -H 'Content-Type: application/merge-patch+json' -d '{"metadata":{"finalizers":null}}'
    req PATCH /api/v1/persistentvolumes/e2e-pv -H 'Content-Type: application/merge-patch+json' -d '{"metadata":{"finalizers":null}}'
    req GET /api/v1/namespaces/default/persistentvolumeclaims/e2e-claim
    [ "$CODE" = 404 ]
    req GET /api/v1/persistentvolumes/e2e-pv
    [ "$CODE" = 404 ]
}

@test "LimitRange: container defaults with the limit-ranger annotation, min/max/ratio and claim bounds refused with 403" {
    local kc; kc=$(kubeconfig_for)
    run kubectl --kubeconfig "$kc" create namespace lrns
    [ "$status" = 0 ]
    run kubectl --kubeconfig "$kc" -n lrns apply -f - <<'YAML'
apiVersion: v1
kind: LimitRange
metadata: {name: bounds}
spec:
  limits:
  - type: Container
    max: {cpu: "1", memory: 256Mi}
    min: {cpu: 50m}
    default: {cpu: 200m}
    maxLimitRequestRatio: {cpu: "4"}
  - type: Pod
    max: {memory: 300Mi}
  - type: PersistentVolumeClaim
    min: {storage: 1Gi}
    max: {storage: 5Gi}
YAML
    [ "$status" = 0 ]
    # stored with Kubernetes' item defaults: default from max, defaultRequest from default
    req GET /api/v1/namespaces/lrns/limitranges/bounds
    [ "$(jq -c '.spec.limits[0].default' <<<"$BODY")" = '{"cpu":"200m","memory":"256Mi"}' ]
    [ "$(jq -c '.spec.limits[0].defaultRequest' <<<"$BODY")" = '{"cpu":"200m","memory":"256Mi"}' ]
    req POST /api/v1/namespaces/lrns/pods -d "$(pod_json plain)"
    [ "$CODE" = 201 ]
    [ "$(jq -c '.spec.containers[0].resources' <<<"$BODY")" = '{"limits":{"cpu":"200m","memory":"256Mi"},"requests":{"cpu":"200m","memory":"256Mi"}}' ]
    [ "$(jq -r '.metadata.annotations["kubernetes.io/limit-ranger"]' <<<"$BODY")" = "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c" ]
    # a container past max, and a limit 10x its request
    req POST /api/v1/namespaces/lrns/pods -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"big"},"spec":{"containers":[{"name":"c","image":"busybox","resources":{"limits":{"cpu":"2"}}}]}}'
    [ "$CODE" = 403 ] && [ "$(jq -r .reason <<<"$BODY")" = Forbidden ]
    [ "$(jq -r .message <<<"$BODY")" = 'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2' ]
    req POST /api/v1/namespaces/lrns/pods -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"ratio"},"spec":{"containers":[{"name":"c","image":"busybox","resources":{"requests":{"cpu":"50m"},"limits":{"cpu":"500m"}}}]}}'
    [ "$CODE" = 403 ]
    [ "$(jq -r .message <<<"$BODY")" = 'pods "ratio" is forbidden: cpu max limit to request ratio per Container is 4, but provided ratio is 10.000000' ]
    # two containers within their own max, over the pod's: the pod sum is named
    req POST /api/v1/namespaces/lrns/pods -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"two"},"spec":{"containers":[{"name":"a","image":"busybox"},{"name":"b","image":"busybox"}]}}'
    [ "$CODE" = 403 ]
    [ "$(jq -r .message <<<"$BODY")" = 'pods "two" is forbidden: maximum memory usage per Pod is 300Mi, but limit is 512Mi' ]
    req GET /api/v1/namespaces/lrns/pods/two
    [ "$CODE" = 404 ]
    # claims: below min and above max; one within is made
    req POST /api/v1/namespaces/lrns/persistentvolumeclaims -d '{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"small"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"500Mi"}}}}'
    [ "$CODE" = 403 ]
    [ "$(jq -r .message <<<"$BODY")" = 'persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi' ]
    req POST /api/v1/namespaces/lrns/persistentvolumeclaims -d '{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"huge"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"10Gi"}}}}'
    [ "$CODE" = 403 ] && [[ "$(jq -r .message <<<"$BODY")" == *"maximum storage usage per PersistentVolumeClaim is 5Gi, but request is 10Gi" ]]
    req POST /api/v1/namespaces/lrns/persistentvolumeclaims -d '{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"fine"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"2Gi"}}}}'
    [ "$CODE" = 201 ]
    # a bad LimitRange is refused naming the field
    req POST /api/v1/namespaces/lrns/limitranges -d '{"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"bad"},"spec":{"limits":[{"type":"Container","min":{"cpu":"2"},"max":{"cpu":"1"}}]}}'
    [ "$CODE" = 422 ] && [[ "$(jq -r .message <<<"$BODY")" == *"spec.limits[0].min[cpu]"* ]]
    # gone with its LimitRange: the same pod is made
    req DELETE /api/v1/namespaces/lrns/limitranges/bounds
    [ "$CODE" = 200 ]
    req POST /api/v1/namespaces/lrns/pods -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"big"},"spec":{"containers":[{"name":"c","image":"busybox","resources":{"limits":{"cpu":"2"}}}]}}'
    [ "$CODE" = 201 ]
    [ "$(jq -r '.metadata.annotations["kubernetes.io/limit-ranger"]' <<<"$BODY")" = null ]
}

@test "ResourceQuota: creates past spec.hard refused with 403 (counts, cpu, scopes, count/), freed by deletes; kubectl create quota" {
    local kc; kc=$(kubeconfig_for)
    run kubectl --kubeconfig "$kc" create namespace rqns
    [ "$status" = 0 ]
    run kubectl --kubeconfig "$kc" -n rqns create quota caps --hard=pods=2,requests.cpu=1,count/configmaps=1
    [ "$status" = 0 ]
    run kubectl --kubeconfig "$kc" -n rqns create quota besteffort --hard=pods=1 --scopes=BestEffort
    [ "$status" = 0 ]
    req GET /api/v1/namespaces/rqns/resourcequotas/besteffort
    [ "$(jq -c .spec <<<"$BODY")" = '{"hard":{"pods":"1"},"scopes":["BestEffort"]}' ]
    cpu_pod() { printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},"spec":{"containers":[{"name":"c","image":"busybox","resources":{"requests":{"cpu":"%s"}}}]}}' "$1" "$2"; }
    # under a cpu quota every container must say its cpu
    req POST /api/v1/namespaces/rqns/pods -d "$(pod_json nocpu)"
    [ "$CODE" = 403 ]
    [ "$(jq -r .message <<<"$BODY")" = 'pods "nocpu" is forbidden: failed quota: caps: must specify requests.cpu for: c' ]
    req POST /api/v1/namespaces/rqns/pods -d "$(cpu_pod p1 600m)"
    [ "$CODE" = 201 ]
    req POST /api/v1/namespaces/rqns/pods -d "$(cpu_pod p2 600m)"
    [ "$CODE" = 403 ]
    [ "$(jq -r .message <<<"$BODY")" = 'pods "p2" is forbidden: exceeded quota: caps, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1' ]
    # a dry run is judged as the create would be, and takes nothing
    req POST '/api/v1/namespaces/rqns/pods?dryRun=All' -d "$(cpu_pod p2 400m)"
    [ "$CODE" = 201 ]
    req POST /api/v1/namespaces/rqns/pods -d "$(cpu_pod p2 400m)"
    [ "$CODE" = 201 ]
    req POST /api/v1/namespaces/rqns/pods -d "$(cpu_pod p3 0)"
    [ "$CODE" = 403 ]
    [ "$(jq -r .message <<<"$BODY")" = 'pods "p3" is forbidden: exceeded quota: caps, requested: pods=1, used: pods=2, limited: pods=2' ]
    # count/configmaps
    req POST /api/v1/namespaces/rqns/configmaps -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"one"}}'
    [ "$CODE" = 201 ]
    req POST /api/v1/namespaces/rqns/configmaps -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"two"}}'
    [ "$CODE" = 403 ] && [[ "$(jq -r .message <<<"$BODY")" == *"exceeded quota: caps, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1" ]]
    # a deleted pod frees its share at once
    req DELETE /api/v1/namespaces/rqns/pods/p1
    [ "$CODE" = 200 ]
    req POST /api/v1/namespaces/rqns/pods -d "$(cpu_pod p3 500m)"
    [ "$CODE" = 201 ]
    # the scoped quota counts only BestEffort pods: in another namespace without caps
    run kubectl --kubeconfig "$kc" create namespace rqbe
    run kubectl --kubeconfig "$kc" -n rqbe create quota besteffort --hard=pods=1 --scopes=BestEffort
    [ "$status" = 0 ]
    req POST /api/v1/namespaces/rqbe/pods -d "$(pod_json be1)"
    [ "$CODE" = 201 ]
    req POST /api/v1/namespaces/rqbe/pods -d "$(cpu_pod burst 100m)"
    [ "$CODE" = 201 ]
    req POST /api/v1/namespaces/rqbe/pods -d "$(pod_json be2)"
    [ "$CODE" = 403 ] && [[ "$(jq -r .message <<<"$BODY")" == *"exceeded quota: besteffort, requested: pods=1, used: pods=1, limited: pods=1" ]]
    # bad quotas: named fields, 422
    run kubectl --kubeconfig "$kc" -n rqns create quota bad --hard=foo=1
    [ "$status" = 1 ] && [[ "$output" == *'spec.hard[foo]: Invalid value: "foo": must be a standard resource for quota'* ]]
    run kubectl --kubeconfig "$kc" -n rqns create quota bad --hard=services=1 --scopes=BestEffort
    [ "$status" = 1 ] && [[ "$output" == *'spec.hard[services]'*'unsupported scope applied to resource'* ]]
    run kubectl --kubeconfig "$kc" -n rqns get quota
    [ "$status" = 0 ] && [[ "${lines[0]}" == "NAME"*"AGE"*"REQUEST"*"LIMIT" ]]
}

@test "ResourceQuota: an update is judged where it takes more (a Service made NodePort), not where it takes none" {
    req POST /api/v1/namespaces -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"rqup"}}'
    [ "$CODE" = 201 ]
    req POST /api/v1/namespaces/rqup/resourcequotas -d '{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"ports"},"spec":{"hard":{"services.nodeports":"1"}}}'
    [ "$CODE" = 201 ]
    svc() { printf '{"apiVersion":"v1","kind":"Service","metadata":{"name":"%s"},"spec":{"type":"%s","selector":{"app":"x"},"ports":[{"port":80}]}}' "$1" "$2"; }
    req POST /api/v1/namespaces/rqup/services -d "$(svc one NodePort)"
    [ "$CODE" = 201 ]
    req POST /api/v1/namespaces/rqup/services -d "$(svc two ClusterIP)"
    [ "$CODE" = 201 ]
    req PATCH /api/v1/namespaces/rqup/services/two -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"type":"NodePort"}}'
    [ "$CODE" = 403 ]
    [ "$(jq -r .message <<<"$BODY")" = 'services "two" is forbidden: exceeded quota: ports, requested: services.nodeports=1, used: services.nodeports=1, limited: services.nodeports=1' ]
    req GET /api/v1/namespaces/rqup/services/two
    [ "$(jq -r .spec.type <<<"$BODY")" = ClusterIP ]
    # an update that takes no more passes, though the namespace is at its limit
    req PATCH /api/v1/namespaces/rqup/services/one -H 'Content-Type: application/merge-patch+json' -d '{"metadata":{"labels":{"a":"b"}}}'
    [ "$CODE" = 200 ]
    req DELETE /api/v1/namespaces/rqup/services/one
    req PATCH /api/v1/namespaces/rqup/services/two -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"type":"NodePort"}}'
    [ "$CODE" = 200 ]
}
