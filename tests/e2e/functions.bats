#!/usr/bin/env bats
# Functions end to end on three real kubelets: python3 runtime pods
# (mk-fnrt over one warm interpreter), the function controller, mk-router
# holding calls through a cold start, the KPA autoscaler (short windows),
# handler errors, and a code update rolled with no failed call.

load helpers
load lib/rscluster
load lib/functions

setup_file() {
    export RS_NET=172.31.246
    fn_cluster_up
}

teardown_file() {
    fn_cluster_down
}

@test "a python function is called cold from zero, then warm" {
    fn_create hello '  runtime: python3
  handler: main.handle
  minReplicas: 0
  scaleToZeroAfter: 3
  code: |
    import os
    def handle(event):
        return {"hello": event.get("name", "world"), "pid": os.getpid()}'
    [ -z "$(fn_pods hello)" ]
    run call hello '{"name":"cold"}'
    [ "${lines[-1]}" = "HTTP 200" ]
    [ "$(echo "${lines[0]}" | jq -r .hello)" = cold ]
    pid=$(echo "${lines[0]}" | jq -r .pid)
    [ "$(fn_status hello autoscaler.desiredReplicas)" -ge 1 ]
    run call hello '{"name":"warm"}'
    [ "${lines[-1]}" = "HTTP 200" ]
    [ "$(echo "${lines[0]}" | jq -r .hello)" = warm ]
    # Warm: the same interpreter answered, no process started for the call.
    [ "$(echo "${lines[0]}" | jq -r .pid)" = "$pid" ]
    # Through the Host header as well.
    run curl -sS -d '{}' -H 'Host: hello.func.minik8s.local' "$ROUTER/"
    [ "$(echo "$output" | jq -r .hello)" = world ]
}

@test "rkubectl invoke calls a function, the event as an argument or on stdin" {
    run env MINIK8S_ROUTER="$ROUTER" MINIK8S_MOUNT="$MNT" "$MK_ROOT/tools/rkubectl" invoke hello '{"name":"arg"}'
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | jq -r .hello)" = arg ]
    run bash -c "echo '{\"name\":\"stdin\"}' | MINIK8S_ROUTER=$ROUTER '$MK_ROOT/tools/rkubectl' invoke hello -"
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | jq -r .hello)" = stdin ]
}

@test "functions/NAME/invoke: write the call, read the reply on the same descriptor" {
    ls "$MNT/functions/hello/" | grep -qx invoke
    exec 5<>"$MNT/functions/hello/invoke"
    printf '{"name":"fs"}' >&5
    out=$(cat <&5)
    exec 5>&-
    [ "$(echo "$out" | jq -r .hello)" = fs ]
}

@test "a handler exception is a 500 carrying its message" {
    fn_create boom '  runtime: python3
  handler: main.handle
  code: |
    def handle(event):
        raise ValueError("no good: %s" % event["x"])'
    run call boom '{"x": 42}'
    [ "${lines[-1]}" = "HTTP 500" ]
    [ "$(echo "${lines[0]}" | jq -r .error)" = "ValueError: no good: 42" ]
    [ "$(echo "${lines[0]}" | jq -r .reason)" = HandlerError ]
}

@test "an sh function reads the event on stdin; a non-zero exit is a 500 with stderr" {
    fn_create shfn '  runtime: sh
  code: |
    read -r event
    case "$event" in *fail*) echo "asked to fail" >&2; exit 3 ;; esac
    echo "{\"echo\": $event}"'
    run call shfn '{"x":1}'
    [ "${lines[-1]}" = "HTTP 200" ]
    [ "$(echo "${lines[0]}" | jq -c .echo)" = '{"x":1}' ]
    run call shfn '{"fail":true}'
    [ "${lines[-1]}" = "HTTP 500" ]
    [ "$(echo "${lines[0]}" | jq -r .error)" = "exit 3: asked to fail" ]
}

@test "a call to no function is a 404" {
    run call nosuch
    [ "${lines[-1]}" = "HTTP 404" ]
}

@test "a burst of 100 concurrent calls scales up, then idle scales to zero" {
    fn_create burst '  runtime: python3
  handler: main.handle
  targetConcurrency: 2
  maxReplicas: 5
  scaleToZeroAfter: 3
  code: |
    import time
    def handle(event):
        time.sleep(0.2)
        return {"i": event["i"]}'
    seq 1 100 | xargs -P 100 -I{} curl -s -m 120 -o /dev/null -w '%{http_code}\n' \
        -d '{"i": {}}' "$ROUTER/functions/burst" >"$E2E_DIR/burst.codes"
    sort "$E2E_DIR/burst.codes" | uniq -c # shown if the test fails
    grep -E 'burst|PodUnreachable' "$E2E_DIR/router.log" | tail -20
    [ "$(grep -c '^200$' "$E2E_DIR/burst.codes")" = 100 ]
    grep -q 'default/burst: desired [2-5] (panic' "$E2E_DIR/router.log"
    curl -s "$ROUTER/metrics" | grep -q 'mk_router_function_calls_total{namespace="default",function="burst"} 100'
    # Idle: back to zero (stable window 6 s, scaleToZeroAfter 3 s).
    wait_for 60 eval '[ "$(fn_status burst autoscaler.desiredReplicas)" = 0 ]'
    wait_for 60 eval '[ -z "$(fn_pods burst)" ]'
}

@test "a code update rolls the pods with no failed call" {
    fn_create roll '  runtime: python3
  handler: main.handle
  minReplicas: 1
  code: |
    def handle(event):
        return {"version": 1}'
    run call roll
    [ "$(echo "${lines[0]}" | jq -r .version)" = 1 ]
    (
        while [ ! -f "$E2E_DIR/roll.stop" ]; do
            curl -s -m 60 -w ' %{http_code}\n' -d '{}' "$ROUTER/functions/roll" >>"$E2E_DIR/roll.out"
        done
    ) &
    loop=$!
    api PATCH /apis/minik8s.io/v1/namespaces/default/functions/roll \
        -H 'Content-Type: application/merge-patch+json' \
        -d '{"spec":{"code":"def handle(event):\n    return {\"version\": 2}\n"}}' >/dev/null
    wait_for 60 grep -q '"version":2' "$E2E_DIR/roll.out"
    # Old revision retired: one ReplicaSet left.
    wait_for 30 eval '[ "$(api GET /apis/apps/v1/namespaces/default/replicasets | jq "[.items[] | select(.metadata.labels[\"minik8s.io/function\"] == \"roll\")] | length")" = 1 ]'
    touch "$E2E_DIR/roll.stop"
    wait "$loop"
    [ "$(wc -l <"$E2E_DIR/roll.out")" -gt 0 ]
    ! grep -v ' 200$' "$E2E_DIR/roll.out"
}

@test "mk-fnrt drains on SIGTERM: the call in flight and a late one are answered, then it exits" {
    local dir=$BATS_TEST_TMPDIR port pid
    printf 'import time\ndef handle(event):\n    time.sleep(event["s"])\n    return {"slept": event["s"]}\n' >"$dir/main.py"
    port=$(free_port)
    "$MK_BIN/mk-fnrt" --port "$port" --code "$dir/main.py" 2>"$dir/fnrt.log" &
    pid=$!
    wait_for 10 curl -sf "http://127.0.0.1:$port/healthz"
    curl -s -m 20 -w ' %{http_code}\n' -d '{"s": 1.5}' "http://127.0.0.1:$port/" >"$dir/first" &
    sleep 0.5
    kill -TERM "$pid"
    sleep 0.3
    curl -s -m 20 -w ' %{http_code}\n' -d '{"s": 0}' "http://127.0.0.1:$port/" >"$dir/late"
    wait_for 10 eval '! kill -0 '"$pid"' 2>/dev/null'
    wait
    cat "$dir/first" "$dir/late" "$dir/fnrt.log"
    [ "$(cat "$dir/first")" = '{"slept":1.5} 200' ]
    [ "$(cat "$dir/late")" = '{"slept":0} 200' ]
    grep -q 'drained in' "$dir/fnrt.log"
    ! curl -s -m 2 "http://127.0.0.1:$port/healthz"
}
