#!/usr/bin/env bats
# Workflows end to end: mk-router runs the state machine over real function
# pods (lib/functions.bash), a Choice branches on a number both ways (one
# branch ends in Fail), structure is refused at create, a runaway loop stops
# at the step limit, and each run is recorded as a ConfigMap, seen in mk-fs as
# workflows/<name>/runs/<id>; workflows/<name>/run starts one.

load helpers
load lib/rscluster
load lib/functions

setup_file() {
    export RS_NET=172.31.245
    fn_cluster_up
    fn_create double '  runtime: python3
  handler: main.handle
  minReplicas: 1
  code: |
    def handle(event):
        return {"n": event["n"] * 2}'
    cat >"$E2E_DIR/wf.yaml" <<'YAML'
apiVersion: minik8s.io/v1
kind: Workflow
metadata: {name: sizer}
spec:
  StartAt: Double
  States:
    Double: {Type: Task, Resource: double, Next: Big?}
    Big?:
      Type: Choice
      Choices:
      - {Variable: $.n, NumericGreaterThan: 10, Next: Big}
      Default: Small
    Big: {Type: Pass, Result: {size: big}, End: true}
    Small: {Type: Fail, Error: TooSmall, Cause: the doubled number is 10 or less}
YAML
    cp "$E2E_DIR/wf.yaml" "$MNT/"
}

teardown_file() {
    fn_cluster_down
}

run_wf() { # NAME JSON
    curl -sS -m 90 -d "$2" "$ROUTER/workflows/$1"
}

@test "a workflow branches on a number: the big way succeeds" {
    run run_wf sizer '{"n": 8}'
    [ "$(echo "$output" | jq -r .status)" = SUCCEEDED ]
    [ "$(echo "$output" | jq -c .output)" = '{"size":"big"}' ]
    [ "$(echo "$output" | jq -r '[.steps[].state] | join(",")')" = "Double,Big?,Big" ]
    [ "$(echo "$output" | jq -r '.steps[0].output.n')" = 16 ]
}

@test "the small way ends in Fail with its error and cause" {
    run run_wf sizer '{"n": 3}'
    [ "$(echo "$output" | jq -r .status)" = FAILED ]
    [ "$(echo "$output" | jq -r .error)" = TooSmall ]
    [ "$(echo "$output" | jq -r .cause)" = "the doubled number is 10 or less" ]
    [ "$(echo "$output" | jq -r '[.steps[].state] | join(",")')" = "Double,Big?,Small" ]
}

@test "rkubectl run-workflow prints the run and exits non-zero when it fails" {
    run env MINIK8S_ROUTER="$ROUTER" "$MK_ROOT/tools/rkubectl" run-workflow sizer '{"n": 20}'
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | jq -r .output.size)" = big ]
    run env MINIK8S_ROUTER="$ROUTER" "$MK_ROOT/tools/rkubectl" run-workflow sizer '{"n": 1}'
    [ "$status" -eq 1 ]
    [ "$(echo "$output" | jq -r .error)" = TooSmall ]
}

@test "every run is recorded as a ConfigMap labelled with the workflow" {
    run run_wf sizer '{"n": 100}'
    name=$(echo "$output" | jq -r .run)
    rec=$(api GET "/api/v1/namespaces/default/configmaps/$name" | jq -r '.data["run.json"]')
    [ "$(echo "$rec" | jq -r .status)" = SUCCEEDED ]
    [ "$(echo "$rec" | jq -c .input)" = '{"n":100}' ]
    [ "$(api GET '/api/v1/namespaces/default/configmaps?labelSelector=minik8s.io/workflow=sizer' | jq '.items | length')" -ge 3 ]
    [ "$(api GET /apis/minik8s.io/v1/namespaces/default/workflows/sizer | jq -r .status.lastRun)" = "$name" ]
}

@test "workflows/NAME/runs/ lists each run by id; cat shows its steps and result" {
    run run_wf sizer '{"n": 50}'
    name=$(echo "$output" | jq -r .run)
    id=${name##*-run-}
    wait_for 10 test -e "$MNT/workflows/sizer/runs/$id"
    ls "$MNT/workflows/sizer/" | grep -qx runs
    ls "$MNT/workflows/sizer/runs/" | grep -qx "$id"
    ls "$MNT/namespaces/default/workflows/sizer/runs/" | grep -qx "$id"
    rec=$(cat "$MNT/workflows/sizer/runs/$id")
    [ "$(echo "$rec" | jq -r .status)" = SUCCEEDED ]
    [ "$(echo "$rec" | jq -c .input)" = '{"n":50}' ]
    [ "$(echo "$rec" | jq -r '[.steps[].state] | join(",")')" = "Double,Big?,Big" ]
    [ "$(echo "$rec" | jq -c .output)" = '{"size":"big"}' ]
    [ "$(stat -c %s "$MNT/workflows/sizer/runs/$id")" = "$(wc -c <"$MNT/workflows/sizer/runs/$id")" ]
    run bash -c "echo x >'$MNT/workflows/sizer/runs/$id'"
    [ "$status" -ne 0 ]
    [ ! -e "$MNT/workflows/sizer/runs/00000000" ]
}

@test "workflows/NAME/run: write the input, read the run's result on the same descriptor" {
    ls "$MNT/workflows/sizer/" | grep -qx run
    exec 5<>"$MNT/workflows/sizer/run"
    printf '{"n": 30}' >&5
    out=$(cat <&5)
    exec 5>&-
    [ "$(echo "$out" | jq -r .status)" = SUCCEEDED ]
    [ "$(echo "$out" | jq -c .output)" = '{"size":"big"}' ]
    exec 5<>"$MNT/namespaces/default/workflows/sizer/run"
    printf '{"n": 2}' >&5
    out=$(cat <&5)
    exec 5>&-
    [ "$(echo "$out" | jq -r .error)" = TooSmall ]
}

@test "a workflow with a dangling Next is refused at create" {
    run api POST /apis/minik8s.io/v1/namespaces/default/workflows -H 'Content-Type: application/json' \
        -w '\n%{http_code}' -d '{"apiVersion":"minik8s.io/v1","kind":"Workflow","metadata":{"name":"dangling"},
        "spec":{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}}'
    [ "${lines[-1]}" = 422 ]
    [[ "$output" == *Nowhere* ]]
}

@test "a Task naming no function is refused when run" {
    api POST /apis/minik8s.io/v1/namespaces/default/workflows -H 'Content-Type: application/json' \
        -d '{"apiVersion":"minik8s.io/v1","kind":"Workflow","metadata":{"name":"ghost"},
        "spec":{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"nosuchfn","End":true}}}}' >/dev/null
    run curl -sS -w '\n%{http_code}' -d '{}' "$ROUTER/workflows/ghost"
    [ "${lines[-1]}" = 422 ]
    [[ "$output" == *nosuchfn* ]]
}

@test "a runaway loop stops at the step limit" {
    api POST /apis/minik8s.io/v1/namespaces/default/workflows -H 'Content-Type: application/json' \
        -d '{"apiVersion":"minik8s.io/v1","kind":"Workflow","metadata":{"name":"loop"},
        "spec":{"maxSteps":7,"StartAt":"Ping","States":{"Ping":{"Type":"Pass","Next":"Pong"},
        "Pong":{"Type":"Pass","Next":"Ping"}}}}' >/dev/null
    run run_wf loop '{}'
    [ "$(echo "$output" | jq -r .status)" = FAILED ]
    [ "$(echo "$output" | jq -r .error)" = States.StepLimitExceeded ]
    [ "$(echo "$output" | jq '.steps | length')" = 7 ]
}
