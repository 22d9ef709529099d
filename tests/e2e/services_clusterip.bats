#!/usr/bin/env bats
# ClusterIP allocation in mk-apiserver: from 10.96.0.0/16, never twice,
# a requested address honoured or refused naming the field, released on
# delete, kept by an update that leaves it out, and rebuilt from the stored
# Services after a restart.

load helpers

setup_file() {
    start_apiserver
}

teardown_file() {
    stop_all_apiservers
    rm -rf "$MK_APISERVER_DATA" "$MK_APISERVER_LOG"
}

svc() { # NAME [CLUSTER_IP]: create; sets CODE, BODY
    local ip=${2:+\"clusterIP\":\"$2\",}
    req POST /api/v1/namespaces/default/services -H 'Content-Type: application/json' \
        -d "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"$1\"},\"spec\":{$ip\"ports\":[{\"port\":80}]}}"
}
ip_of() { jq -r .spec.clusterIP <<<"$BODY"; }

@test "each Service gets its own ClusterIP from 10.96.0.0/16, never .1 or .10" {
    local i seen=()
    for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
        svc "a$i"
        [ "$CODE" = 201 ]
        seen+=("$(ip_of)")
    done
    [ "$(printf '%s\n' "${seen[@]}" | sort -u | wc -l)" = 12 ]
    for i in "${seen[@]}"; do
        [[ "$i" == 10.96.* ]]
        [ "$i" != 10.96.0.1 ] && [ "$i" != 10.96.0.10 ]
    done
    [ "$(jq -r '.spec.clusterIPs[0]' <<<"$BODY")" = "$(ip_of)" ]
}

@test "a requested ClusterIP is honoured when free, refused with 422 naming the field otherwise" {
    svc want 10.96.77.7
    [ "$CODE" = 201 ] && [ "$(ip_of)" = 10.96.77.7 ]
    svc again 10.96.77.7
    [ "$CODE" = 422 ]
    [[ "$(jq -r .message <<<"$BODY")" == *"spec.clusterIP"*"already allocated"* ]]
    local bad
    for bad in 10.97.0.5 10.96.0.1 10.96.0.10 10.96.255.255; do
        svc "bad" "$bad"
        [ "$CODE" = 422 ]
        [[ "$(jq -r .message <<<"$BODY")" == *"spec.clusterIP"*"not in the valid range"* ]]
    done
    svc headless None
    [ "$CODE" = 201 ] && [ "$(ip_of)" = None ]
}

@test "a deleted Service gives its ClusterIP back; an update without it keeps it" {
    req DELETE /api/v1/namespaces/default/services/want
    [ "$CODE" = 200 ]
    svc want2 10.96.77.7
    [ "$CODE" = 201 ]
    req PUT /api/v1/namespaces/default/services/want2 -H 'Content-Type: application/json' \
        -d '{"apiVersion":"v1","kind":"Service","metadata":{"name":"want2"},"spec":{"ports":[{"port":81}]}}'
    [ "$CODE" = 200 ] && [ "$(ip_of)" = 10.96.77.7 ]
    req PUT /api/v1/namespaces/default/services/want2 -H 'Content-Type: application/json' \
        -d '{"apiVersion":"v1","kind":"Service","metadata":{"name":"want2"},"spec":{"clusterIP":"10.96.77.8","ports":[{"port":81}]}}'
    [ "$CODE" = 422 ]
}

@test "after a restart, addresses in use are still in use" {
    stop_apiserver
    start_apiserver
    svc after 10.96.77.7
    [ "$CODE" = 422 ]
    svc fresh
    [ "$CODE" = 201 ]
    req GET /api/v1/services
    [ "$(jq -r '[.items[].spec.clusterIP | select(. != "None")] | length' <<<"$BODY")" = \
        "$(jq -r '[.items[].spec.clusterIP | select(. != "None")] | unique | length' <<<"$BODY")" ]
}
